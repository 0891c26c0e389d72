"""`NoiseScheduler`: sigma_eps per epoch (the paper's suggested extension)."""

import inspect

import keras

from keras_ninr.src import noise
from keras_ninr.src.utils import require_noise_layers


def _schedule_arity(schedule):
    """How many positional arguments to pass `schedule`: 1 or 2.

    Read from the signature once, so that a `TypeError` raised inside the
    schedule reaches the user instead of being taken for a wrong number of
    arguments. `inspect.signature` sees through `functools.partial`, bound
    methods and objects with `__call__`.
    """
    usage = (
        "Expected `schedule` to be a callable `schedule(epoch)` or "
        "`schedule(epoch, noise_stddev)`"
    )
    if not callable(schedule):
        raise ValueError(f"{usage}. Received: schedule={schedule!r}")
    try:
        signature = inspect.signature(schedule)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{usage}, but its signature cannot be read ({error}); wrap it in "
            f"a function or a lambda. Received: schedule={schedule!r}"
        ) from None
    positional = (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )
    required = 0
    accepted = 0
    for parameter in signature.parameters.values():
        if parameter.kind in positional:
            accepted += 1
            required += parameter.default is inspect.Parameter.empty
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            accepted = float("inf")
        elif (
            parameter.kind is inspect.Parameter.KEYWORD_ONLY
            and parameter.default is inspect.Parameter.empty
        ):
            raise ValueError(
                f"{usage}; it requires the keyword-only argument "
                f"`{parameter.name}`. Received: schedule={schedule!r} with "
                f"signature {signature}"
            )
    if required > 2 or accepted < 1:
        problem = (
            f"it requires {required} positional arguments"
            if required > 2
            else "it takes no positional argument"
        )
        raise ValueError(
            f"{usage}; {problem}. Received: schedule={schedule!r} with "
            f"signature {signature}"
        )
    return 2 if accepted >= 2 else 1


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
            manner of `keras.callbacks.LearningRateScheduler`. Which of the
            two is read from its signature: a callable that accepts two
            positional arguments gets the current sigma_eps as the second.
        verbose: Int, 1 prints each change. Defaults to `0`.

    Example:

    ```python
    scheduler = NoiseScheduler(lambda epoch: 231.6 if epoch < 3 else 51.8)
    model.fit(x, y, epochs=20, callbacks=[scheduler])
    ```
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self._schedule_arity = _schedule_arity(schedule)
        self.schedule = schedule
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        self._layers = require_noise_layers(self.model, "NoiseScheduler")

    def on_epoch_begin(self, epoch, logs=None):
        current = self._layers[0].noise_stddev
        if self._schedule_arity == 2:
            value = self.schedule(epoch, current)
        else:
            value = self.schedule(epoch)
        value = noise.check_noise_stddev(value, name="schedule(epoch)")
        self.model  # On JAX, syncs the state so the new value is picked up.
        for layer in self._layers:
            layer.noise_stddev = value
        if self.verbose and value != current:
            print(
                f"\nEpoch {epoch + 1}: NoiseScheduler sets noise_stddev to {value}."
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["noise_stddev"] = self._layers[0].noise_stddev
