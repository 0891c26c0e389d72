"""What every evaluation of the robustness toolkit shares (paper Sec. 3.2).

The paper evaluates its networks noise-free ("all test accuracy
evaluations are done with the NIN output set to 0", Sec. 3): a model's
prediction is the argmax of `model.predict` (inference mode: no NIN noise,
no dropout) on [0, 1] pixels, whatever the perturbation before it. The
labels and argument checks of those evaluations live here too, so that the
corruption curves, the attacks and the corruption suite agree on them.
"""

import math
import numbers

import numpy as np


def check_labels(y, count):
    """Integer labels of shape `(count,)` from integer or one-hot `y`."""
    labels = np.asarray(y)
    if labels.ndim == 2:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(-1)
    if len(labels) != count:
        raise ValueError(
            f"Expected as many labels as inputs. Received: {count} inputs "
            f"and {len(labels)} labels"
        )
    return labels


def accuracy(model, x, labels, batch_size):
    """The accuracy of `model.predict`'s argmax on `x`, a Python float."""
    outputs = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    return float(np.mean(outputs.argmax(axis=-1) == labels))


def check_positive_integer(value, name):
    """Return `value` as an int, or raise naming `name` if it is not > 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 1
    ):
        raise ValueError(
            f"Expected `{name}` to be a positive integer. "
            f"Received: {name}={value!r}"
        )
    return int(value)


def check_non_negative(value, name):
    """Return `value` as a float, or raise naming `name` if it is not a
    finite number >= 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"Expected `{name}` to be a finite non-negative number. "
            f"Received: {name}={value!r}"
        )
    return float(value)
