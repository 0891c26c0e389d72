"""The NIW norm |W_NI| of paper Sec. 2.2 and Fig. 3, one definition.

The phases are read off the L2 norm of the noise injection weights (and of
the data weights after the NIN, |W^(l_NI + 1)|). Every place that reports
one (a layer's `noise_weight_norm`, `NINRModel`'s epoch logs,
`NIWNormLogger`, `PhaseMonitor`, the phase finder, the replicas) computes it
with `l2_norm`, so the numbers agree to the last digit wherever a run
trains; the phase records of steps run inside a compiled loop (JAX,
`ScanSteps`) agree up to float32 rounding (see `square_sums`).
"""

import math

import numpy as np
from keras import ops


def l2_norm(tensors, per_replica=False):
    """The L2 norm of `tensors` taken together as one flat vector.

    Squares are summed on the device in float32 (`square_sums`), so one
    number per tensor crosses to the host; the sum over tensors and the
    square root are taken in float64 (`norm_of_square_sums`).

    Args:
        tensors: An iterable of tensors or variables of any shapes (the NIWs
            of all NINs of a model give the model's NIW norm).
        per_replica: Whether every tensor has a leading replica axis of the
            same size K, giving one norm per replica. Defaults to `False`.

    Returns:
        A Python float; with `per_replica`, a `(K,)` float64 NumPy array.
        No tensors give `0.0`.
    """
    sums = [ops.convert_to_numpy(s) for s in square_sums(tensors, per_replica)]
    return norm_of_square_sums(sums, per_replica)


def square_sums(tensors, per_replica=False):
    """The device half of `l2_norm`: one float32 sum of squares per tensor.

    Written with `keras.ops` only, so that a compiled training loop can
    evaluate it after every step (`ScanSteps.trace_norms`); fused into
    that loop, XLA may sum a tensor's squares in another order, which
    changes the float32 sum by a rounding error (about 1e-7 relative).

    Returns:
        A list with a `(1,)` tensor per tensor (`(K,)` with `per_replica`).
    """
    sums = []
    for tensor in tensors:
        value = ops.cast(tensor, "float32")
        if per_replica:
            value = ops.reshape(value, (value.shape[0], -1))
        else:
            value = ops.reshape(value, (1, -1))
        sums.append(ops.sum(ops.square(value), axis=1))
    return sums


def norm_of_square_sums(sums, per_replica=False):
    """The host half of `l2_norm`: the norm from `square_sums`' values
    (NumPy arrays), summed in float64 in the same order."""
    total = 0.0
    for squares in sums:
        total = total + np.asarray(squares).astype("float64")
    if per_replica:
        return np.sqrt(total)
    return math.sqrt(float(np.sum(total)))
