"""Labelling a training run with its NINR phase (paper Sec. 2.2, Fig. 3).

Sec. 2.2 describes four phases by what the noise injection weights (NIW),
the data weights after the NIN and the loss do during training:

- **decoupled**: sigma_eps is small; the NIW follow a small random walk and
  barely move.
- **decay**: the NIW decay exponentially, the loss falls as without noise.
- **catapult**: early in training the data weights grow and the loss rises
  sharply, then the network recovers to a new minimum.
- **divergent**: the network never recovers: the loss or the weights blow
  up (NaN) or the loss stays above where it started.

`classify` turns these descriptions into thresholds on a recorded
trajectory, checked in this order:

| phase | rule (defaults) |
| --- | --- |
| divergent | a non-finite value, or the loss ended above `recovery_ratio` (0.9) x its start after rising above `spike_factor` (1.5) x its start |
| catapult | the loss rose above `spike_factor` x its start and then recovered (the growth of the data weights, which drives the spike, is reported as evidence) |
| decay | the NIW norm ended below `niw_decay_ratio` (0.5) x its start |
| decoupled | anything else |

The thresholds are heuristics, not the paper's: the paper gives the
phenomena, not numbers. A spike of 1.5x the initial loss is far above the
fluctuations of SGD on a fixed learning rate, and far below the loss blow-up
of a catapult (several times the start, Fig. 3). The growth of the data
weights alone is not used: ordinary training grows the output layer's norm
by several percent too. A halving of the NIW norm over the run separates
exponential decay from a random walk.
"""

import dataclasses
import math

import numpy as np

PHASES = ("decoupled", "decay", "catapult", "divergent")


@dataclasses.dataclass
class PhaseReport:
    """The phase of a trajectory and the numbers it was decided on."""

    phase: str
    reason: str
    evidence: dict

    def __str__(self):
        return f"{self.phase} ({self.reason})"


def _series(history, key):
    """A 1-D float array for `key`, or the L2 combination of `key/*`."""
    if key in history and history[key] is not None:
        values = [np.nan if v is None else float(v) for v in history[key]]
        return np.asarray(values, dtype=float)
    parts = [
        np.asarray(
            [np.nan if v is None else float(v) for v in values], dtype=float
        )
        for name, values in history.items()
        if name.startswith(key + "/") and values is not None
    ]
    if not parts:
        return None
    length = min(len(part) for part in parts)
    return np.sqrt(sum(part[:length] ** 2 for part in parts))


def _as_history(history):
    if hasattr(history, "history"):  # keras.callbacks.History
        history = history.history
    if isinstance(history, (list, tuple)):  # Records, e.g. NIWNormLogger's.
        keys = {key for record in history for key in record}
        history = {key: [record.get(key) for record in history] for key in keys}
    if not isinstance(history, dict):
        raise ValueError(
            "Expected `history` to be a keras History, a dict of lists or a "
            f"list of records. Received: history={type(history).__name__}"
        )
    return history


def classify(
    history,
    niw_decay_ratio=0.5,
    spike_factor=1.5,
    recovery_ratio=0.9,
):
    """Label a trajectory decoupled, decay, catapult or divergent.

    Args:
        history: The recorded run: a `keras.callbacks.History`, a dict of
            lists, or a list of records (dicts), with `loss` and `niw_norm`
            (or `niw_norm/<layer>` entries, combined as one L2 norm), and
            optionally `data_weight_norm` (or `data_weight_norm/<layer>`).
            The first entry is taken as the start of training: record the
            values before the first step (as `PhaseMonitor` and
            `find_phase_boundaries` do), or an early spike and growth of
            the data weights are invisible.
        niw_decay_ratio: Decay if the NIW norm ends below this fraction of
            its start. Defaults to `0.5`.
        spike_factor: A loss spike is the loss rising above this multiple
            of its start. Defaults to `1.5`.
        recovery_ratio: Recovered if the final loss is below this fraction
            of the start (after a spike). Defaults to `0.9`.

    Returns:
        A `PhaseReport` (`.phase`, `.reason`, `.evidence`).
    """
    history = _as_history(history)
    loss = _series(history, "loss")
    niw = _series(history, "niw_norm")
    if loss is None or niw is None or len(loss) == 0 or len(niw) == 0:
        raise ValueError(
            "`classify` needs `loss` and `niw_norm` (or `niw_norm/<layer>`) "
            f"series. Received keys: {sorted(history)}"
        )
    weights = _series(history, "data_weight_norm")
    evidence = {"points": int(len(loss))}
    arrays = [loss, niw] + ([weights] if weights is not None else [])
    if any(not np.all(np.isfinite(array)) for array in arrays):
        first_bad = min(
            int(np.argmax(~np.isfinite(array)))
            for array in arrays
            if not np.all(np.isfinite(array))
        )
        evidence["first_non_finite"] = first_bad
        return PhaseReport(
            "divergent", f"non-finite values from point {first_bad}", evidence
        )
    start_loss = loss[0]
    peak_loss = float(np.max(loss))
    final_loss = float(loss[-1])
    evidence.update(
        loss_start=float(start_loss),
        loss_peak=peak_loss,
        loss_final=final_loss,
        loss_spike=peak_loss / start_loss if start_loss > 0 else math.inf,
        niw_ratio=float(niw[-1] / niw[0]) if niw[0] > 0 else math.nan,
    )
    if weights is not None:
        evidence["weight_growth"] = (
            float(np.max(weights) / weights[0]) if weights[0] > 0 else math.nan
        )
    spiked = evidence["loss_spike"] > spike_factor
    recovered = final_loss < recovery_ratio * start_loss
    if spiked and not recovered:
        return PhaseReport(
            "divergent",
            f"loss rose {evidence['loss_spike']:.3g}x and did not recover "
            f"(final {final_loss:.3g} vs start {start_loss:.3g})",
            evidence,
        )
    if spiked and recovered:
        what = f"loss spiked {evidence['loss_spike']:.3g}x"
        if "weight_growth" in evidence:
            what += f" (data weights up to {evidence['weight_growth']:.3g}x)"
        return PhaseReport("catapult", what + ", then recovered", evidence)
    if evidence["niw_ratio"] < niw_decay_ratio:
        return PhaseReport(
            "decay",
            f"NIW norm fell to {evidence['niw_ratio']:.3g} of its start",
            evidence,
        )
    return PhaseReport(
        "decoupled",
        f"NIW norm stayed at {evidence['niw_ratio']:.3g} of its start",
        evidence,
    )
