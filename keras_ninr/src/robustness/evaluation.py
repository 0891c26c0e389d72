"""What every evaluation of the robustness toolkit shares (paper Sec. 3.2).

The paper evaluates its networks noise-free ("all test accuracy
evaluations are done with the NIN output set to 0", Sec. 3): a model's
prediction is the argmax of `model.predict` (inference mode: no NIN noise,
no dropout) on [0, 1] pixels, whatever the perturbation before it. The
labels and argument checks of those evaluations live here too, so that the
corruption curves, the attacks and the corruption suite agree on them.
"""

import numpy as np


def check_labels(y, count):
    """Integer labels of shape `(count,)` from `y`.

    `y` holds class indices, shape `(N,)` or `(N, 1)`, or one-hot labels,
    shape `(N, classes)`. Indices may be floats if they are whole numbers
    (labels loaded as floats); any other value (a fraction, a negative
    number, NaN) raises a `ValueError` naming it, as an argmax compared with
    it would silently count nothing as correct.
    """
    labels = np.asarray(y)
    expected = (
        "Expected `y` to hold class labels: integers >= 0 of shape (N,) or "
        "(N, 1), or one-hot labels of shape (N, classes)."
    )
    if labels.dtype.kind not in "iuf" or labels.ndim not in (1, 2):
        raise ValueError(
            f"{expected} Received: y of shape {labels.shape} and dtype "
            f"{labels.dtype}"
        )
    if labels.ndim == 2 and labels.shape[1] > 1:
        if not np.all(np.isfinite(labels)):
            raise ValueError(f"{expected} Received: y with non-finite values")
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(-1)
    if len(labels) != count:
        raise ValueError(
            f"Expected as many labels as inputs. Received: {count} inputs "
            f"and {len(labels)} labels"
        )
    if labels.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            bad = labels[~(np.isfinite(labels) & (labels == np.round(labels)))]
        if bad.size:
            raise ValueError(
                f"{expected} Received: y with values that are not whole "
                f"numbers, e.g. {bad[:3].tolist()}"
            )
    if labels.size and labels.min() < 0:
        raise ValueError(
            f"{expected} Received: y with negative values, e.g. "
            f"{labels[labels < 0][:3].tolist()}"
        )
    return labels.astype(np.int64)


def accuracy(model, x, labels, batch_size):
    """The accuracy of `model.predict`'s argmax on `x`, a Python float."""
    outputs = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    return float(np.mean(outputs.argmax(axis=-1) == labels))
