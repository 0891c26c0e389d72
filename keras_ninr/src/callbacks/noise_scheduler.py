"""`NoiseScheduler`: sigma_eps per epoch (the paper's suggested extension)."""

import keras

from keras_ninr.src import noise
from keras_ninr.src.utils import find_noise_layers


class NoiseScheduler(keras.callbacks.Callback):
    """Sets sigma_eps of every NIN at the start of each epoch.

    Sec. 2.2 suggests scheduling as future work: for instance, a catapult-
    phase sigma_eps for the first epochs, then a smaller one. The value is
    written into each layer's `noise_stddev` variable, so no recompilation
    happens. The value in force is added to the epoch logs as
    `noise_stddev`.

    Args:
        schedule: Callable `schedule(epoch)` or `schedule(epoch, noise_stddev)`
            returning the new sigma_eps (a non-negative finite float), in the
            manner of `keras.callbacks.LearningRateScheduler`.
        verbose: Int, 1 prints each change. Defaults to `0`.

    Example:

    ```python
    scheduler = NoiseScheduler(lambda epoch: 231.6 if epoch < 3 else 51.8)
    model.fit(x, y, epochs=20, callbacks=[scheduler])
    ```
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise ValueError(
                "Expected `schedule` to be a callable `schedule(epoch)` or "
                f"`schedule(epoch, noise_stddev)`. Received: schedule={schedule!r}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        self._layers = find_noise_layers(self.model)
        if not self._layers:
            raise ValueError(
                "NoiseScheduler found no Noise Injection Node in the model. "
                f"Received: model={self.model.name!r}"
            )

    def on_epoch_begin(self, epoch, logs=None):
        current = self._layers[0].noise_stddev
        try:
            value = self.schedule(epoch, current)
        except TypeError:
            value = self.schedule(epoch)
        value = noise.check_noise_stddev(value, name="schedule(epoch)")
        self.model  # On JAX, syncs the state so the new value is picked up.
        for layer in self._layers:
            layer.noise_stddev = value
        if self.verbose and value != current:
            print(f"\nEpoch {epoch + 1}: NoiseScheduler sets noise_stddev to {value}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["noise_stddev"] = self._layers[0].noise_stddev
