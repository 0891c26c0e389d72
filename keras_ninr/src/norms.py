"""The NIW norm |W_NI| of paper Sec. 2.2 and Fig. 3, one definition.

The phases are read off the L2 norm of the noise injection weights (and of
the data weights after the NIN, |W^(l_NI + 1)|). Every place that reports
one (a layer's `noise_weight_norm`, `NINRModel`'s epoch logs,
`NIWNormLogger`, `PhaseMonitor`, the phase finder, the replicas) computes it
with `l2_norm`, so the numbers agree to the last digit wherever a run
trains.
"""

import math

import numpy as np
from keras import ops


def l2_norm(tensors, per_replica=False):
    """The L2 norm of `tensors` taken together as one flat vector.

    Squares are summed on the device in float32, so one number per tensor
    crosses to the host; the sum over tensors and the square root are
    taken in float64.

    Args:
        tensors: An iterable of tensors or variables of any shapes (the NIWs
            of all NINs of a model give the model's NIW norm).
        per_replica: Whether every tensor has a leading replica axis of the
            same size K, giving one norm per replica. Defaults to `False`.

    Returns:
        A Python float; with `per_replica`, a `(K,)` float64 NumPy array.
        No tensors give `0.0`.
    """
    total = 0.0
    for tensor in tensors:
        value = ops.cast(tensor, "float32")
        if per_replica:
            value = ops.reshape(value, (value.shape[0], -1))
        else:
            value = ops.reshape(value, (1, -1))
        squares = ops.sum(ops.square(value), axis=1)
        total = total + ops.convert_to_numpy(squares).astype("float64")
    if per_replica:
        return np.sqrt(total)
    return math.sqrt(float(np.sum(total)))
