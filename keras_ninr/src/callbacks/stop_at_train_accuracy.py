"""`StopAtTrainAccuracy`: the paper's stopping rule (Sec. 3) as a callback.

The rule itself lives in `keras_ninr.src.training_rules`.
"""

import warnings

import keras

from keras_ninr.src.training_rules import TARGET_ACCURACY
from keras_ninr.src.training_rules import check_target_accuracy
from keras_ninr.src.training_rules import reached_target_accuracy

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

    def __init__(self, target=TARGET_ACCURACY, monitor=None, verbose=0):
        super().__init__()
        self.target = check_target_accuracy(target, name="target")
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
        if reached_target_accuracy(logs[key], self.target):
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.verbose:
                print(
                    f"\nEpoch {epoch + 1}: {key}={logs[key]:.4f} reached "
                    f"{self.target}; stopping."
                )
