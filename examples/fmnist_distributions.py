"""Fig. 7 (App. C.2): NINR with other noise distributions, FC and CNN.

The paper's FC and CNN on Fashion-MNIST, trained as for Fig. 2 (SGD, until
98% training accuracy or the epoch cap) with NINs drawn from another
distribution than the Gaussian, then tested clean and under Eq. 8
corruption (pixel space) at sigma_noise = 0, 0.1, ..., 1. Distributions
(`keras_ninr.noise`), each of scale sigma_eps:

| key | distribution |
| --- | --- |
| double_normal | asymmetric double Gaussian peaked at +-sigma_eps (the paper's left panels) |
| uniform | U(-sigma_eps, sigma_eps) (the paper's right panels) |
| normal | the Gaussian of Fig. 2, for comparison (not in the default grid) |

Methods: no regularization (the reference, drawn in every panel of its
network) and in-/full-NINR at the decay and catapult sigma_eps of the
Fig. 2 examples (`fmnist_fc_robustness.py`, `fmnist_cnn_robustness.py`:
the FC's in-NINR catapult is 133, not the paper's 231.6, which diverges
with this initialisation). A diverged run is recorded and listed.

A thin wrapper (`_sweep_example.panel_example_main`) over
`keras_ninr.experiments.sweep` and `keras_ninr.experiments.reports`, resumable like the other
sweep examples.

    # Full protocol (a GPU): all 60,000 images, 20 (FC) and 10 (CNN)
    # epochs cap, 3 seeds (the paper: 5), every method and distribution.
    KERAS_BACKEND=jax python examples/fmnist_distributions.py
    # A few minutes on a 2-core CPU: 5,000 images, 3 epochs, seed 0,
    # none and in-NINR decay.
    KERAS_BACKEND=jax python examples/fmnist_distributions.py --quick
    # Seconds, for smoke tests only: 512 images, 1 epoch, narrow networks.
    KERAS_BACKEND=jax python examples/fmnist_distributions.py --tiny

Outputs under `--out` (default `examples/results/fmnist_distributions/`):
`results.jsonl`, `fig7.png` (a row per network, a panel per distribution)
and `fig7.md` (with a `_quick` or `_tiny` suffix in those modes), naming
the command, backend and device.
"""

import pathlib
import sys

from keras_ninr.experiments import reports

from _sweep_example import panel_example_main
from fmnist_cnn_robustness import METHODS as CNN_METHODS
from fmnist_fc_robustness import METHODS as FC_METHODS

NETWORK_METHODS = {"fc": FC_METHODS, "cnn": CNN_METHODS}
METHOD_KEYS = [
    "none",
    "in-ninr-decay",
    "in-ninr-catapult",
    "full-ninr-decay",
    "full-ninr-catapult",
]
DISTRIBUTIONS = {
    "double_normal": "double Gaussian",
    "uniform": "uniform",
    "normal": "Gaussian",
}
DEFAULT_DISTRIBUTIONS = ["double_normal", "uniform"]
DEFAULT_OUT = (
    pathlib.Path(__file__).parent / "results" / "fmnist_distributions"
)


def methods_of(architecture, methods, distributions):
    """The method dicts of one network: each NINR method per distribution."""
    chosen = []
    for key in methods:
        method = NETWORK_METHODS[architecture][key]
        if method["regularization"] not in ("in-ninr", "full-ninr"):
            chosen.append(method)
            continue
        for distribution in distributions:
            chosen.append(
                dict(
                    method,
                    noise_distribution=distribution,
                    # The table has no distribution column: the label says.
                    label=f"{method['label']}, {DISTRIBUTIONS[distribution]}",
                )
            )
    return chosen


def main(argv=None):
    return panel_example_main(
        argv,
        doc=__doc__,
        script="fmnist_distributions.py",
        method_keys=METHOD_KEYS,
        panel_flag="distributions",
        panel_choices=list(DISTRIBUTIONS),
        default_panels=DEFAULT_DISTRIBUTIONS,
        methods_of=methods_of,
        heading="Fig. 7: NINR with other noise distributions, Fashion-MNIST",
        notes=[
            "- σ_ε as in the Fig. 2 examples (the FC's in-NINR catapult is "
            "133, not the paper's 231.6, which diverges here)."
        ],
        figure_function=reports.noise_distribution_figure,
        figure_name="fig7",
        default_out=DEFAULT_OUT,
    )


if __name__ == "__main__":
    sys.exit(main())
