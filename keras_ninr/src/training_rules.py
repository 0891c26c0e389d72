"""The paper's stopping rule and the divergence test, one home for both.

Stopping rule (Sec. 3): networks train "for 500 SGD training epochs in
total, or until 98% training accuracy has been achieved". The accuracy is
the epoch's running training accuracy, what Keras reports in its logs.

Divergence (the divergent phase of Sec. 2.2): the network cannot suppress
the noise injection node and training blows up. A run counts as divergent
once its loss or NIW norm is no longer finite, or once its loss has risen
above `explosion_factor` times its value at the start of training (the
blow-up is caught before it overflows).

`StopAtTrainAccuracy`, `PhaseMonitor` (through `PhaseTrace`), the replica
tracker and the sweep's records all decide with these functions, so a run
stops and is called divergent by the same rule wherever it trains.
"""

import math
import numbers

TARGET_ACCURACY = 0.98
EXPLOSION_FACTOR = 100.0


def check_target_accuracy(target, name="target_accuracy"):
    """Return `target` as a float, or raise if it is not an accuracy in (0, 1].

    `name` is the argument's name in the caller, for the error message.
    """
    if (
        isinstance(target, bool)
        or not isinstance(target, numbers.Real)
        or not 0.0 < float(target) <= 1.0
    ):
        raise ValueError(
            f"Expected `{name}` to be an accuracy in (0, 1]. "
            f"Received: {name}={target!r}"
        )
    return float(target)


def reached_target_accuracy(accuracy, target):
    """The stopping rule: whether an epoch's training `accuracy` reached
    `target` (a non-finite accuracy never does)."""
    accuracy = float(accuracy)
    return math.isfinite(accuracy) and accuracy >= target


def is_divergent(
    loss, niw_norm=None, start_loss=None, explosion_factor=EXPLOSION_FACTOR
):
    """The divergence test.

    Args:
        loss: The training loss now (a float).
        niw_norm: Optional NIW norm now (NINR runs); `None` skips it.
        start_loss: Optional loss at the start of training; with it, a
            loss above `explosion_factor * start_loss` counts as divergence
            (only for a positive `start_loss`).
        explosion_factor: Defaults to `100.0`.

    Returns:
        `True` if the loss or the NIW norm is not finite, or the loss has
        exploded.
    """
    values = [loss] if niw_norm is None else [loss, niw_norm]
    if not all(math.isfinite(float(value)) for value in values):
        return True
    return (
        start_loss is not None
        and start_loss > 0
        and float(loss) > explosion_factor * start_loss
    )
