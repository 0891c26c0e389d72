"""`StopAtTrainAccuracy`: the paper's stopping rule (Sec. 3)."""

import warnings

import keras


_ACCURACY_KEYS = (
    "accuracy",
    "acc",
    "sparse_categorical_accuracy",
    "categorical_accuracy",
    "binary_accuracy",
)


class StopAtTrainAccuracy(keras.callbacks.Callback):
    """Stops training once the training accuracy reaches `target`.

    The paper trains "for 500 SGD training epochs in total, or until 98%
    training accuracy has been achieved": pass `epochs=500` to `fit` and
    this callback. The accuracy is the epoch's running training accuracy
    from the logs (what Keras reports), compiled with
    `metrics=["accuracy"]` or a similar metric.

    Args:
        target: Float in (0, 1]. Defaults to `0.98`.
        monitor: Name of the log entry to watch. Defaults to `None`, which
            picks the first of `accuracy`, `acc`,
            `sparse_categorical_accuracy`, `categorical_accuracy`,
            `binary_accuracy` present in the logs.
        verbose: Int, 1 prints when training stops. Defaults to `0`.

    Attributes:
        stopped_epoch: The epoch (0-based) training stopped at, or `None`.
    """

    def __init__(self, target=0.98, monitor=None, verbose=0):
        super().__init__()
        try:
            valid = 0.0 < float(target) <= 1.0
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise ValueError(
                "Expected `target` to be an accuracy in (0, 1]. "
                f"Received: target={target!r}"
            )
        self.target = float(target)
        self.monitor = monitor
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        key = self.monitor
        if key is None:
            key = next((k for k in _ACCURACY_KEYS if k in logs), None)
        if key is None or key not in logs:
            warnings.warn(
                "StopAtTrainAccuracy found no training accuracy in the logs "
                f"(looked for {self.monitor or _ACCURACY_KEYS}; logs have "
                f"{sorted(logs)}). Compile the model with "
                "metrics=['accuracy'].",
                stacklevel=2,
            )
            return
        if logs[key] >= self.target:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.verbose:
                print(
                    f"\nEpoch {epoch + 1}: {key}={logs[key]:.4f} reached "
                    f"{self.target}; stopping."
                )
