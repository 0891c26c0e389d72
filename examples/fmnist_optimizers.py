"""Fig. 8 (App. C.3): NINR trained with Adam and RMSprop, FC and CNN.

The paper's FC and CNN on Fashion-MNIST, trained as for Fig. 2 (until 98%
training accuracy or the epoch cap) but with another optimizer, then tested
clean and under Eq. 8 corruption (pixel space) at sigma_noise = 0, 0.1,
..., 1. Optimizers, with the paper's learning rates
(`keras_ninr.experiments.zoo.LEARNING_RATES`, App. C.3):

| key | optimizer |
| --- | --- |
| adam | Adam, eta = 0.01 (FC and CNN) |
| rmsprop | RMSprop, eta = 1e-4 (FC) and 1e-3 (CNN) |
| sgd | SGD, eta = 0.05: Fig. 2, for comparison (not in the default grid) |

Methods, each trained with every optimizer: no regularization and in-/
full-NINR at the optimizer's decay and catapult sigma_eps of the paper's
Table 3 (`keras_ninr.experiments.zoo.noise_preset`). Table 3's full-NINR FC entries are
illegible, so the FC has in-NINR only. The presets are the paper's and may
diverge with this initialisation (the SGD in-NINR catapult of the FC does):
a diverged run is recorded and listed, and the sweep goes on.

A thin wrapper (`_sweep_example.panel_example_main`) over
`keras_ninr.experiments.sweep` and `keras_ninr.experiments.reports`, resumable like the other
sweep examples.

    # Full protocol (a GPU): all 60,000 images, 20 (FC) and 10 (CNN)
    # epochs cap, 3 seeds (the paper: 5), every method and optimizer.
    KERAS_BACKEND=jax python examples/fmnist_optimizers.py
    # A few minutes on a 2-core CPU: 5,000 images, 3 epochs, seed 0,
    # none and in-NINR decay.
    KERAS_BACKEND=jax python examples/fmnist_optimizers.py --quick
    # Seconds, for smoke tests only: 512 images, 1 epoch, narrow networks.
    KERAS_BACKEND=jax python examples/fmnist_optimizers.py --tiny

Outputs under `--out` (default `examples/results/fmnist_optimizers/`):
`results.jsonl`, `fig8.png` (a row per network, a panel per optimizer) and
`fig8.md` (with a `_quick` or `_tiny` suffix in those modes), naming the
command, backend and device.
"""

import pathlib
import sys

from keras_ninr.experiments import reports
from keras_ninr.experiments import zoo

from _sweep_example import panel_example_main

# Method key: (regularization, sigma_eps preset or None).
METHODS = {
    "none": ("none", None),
    "in-ninr-decay": ("in-ninr", "decay"),
    "in-ninr-catapult": ("in-ninr", "catapult"),
    "full-ninr-decay": ("full-ninr", "decay"),
    "full-ninr-catapult": ("full-ninr", "catapult"),
}
OPTIMIZERS = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD"}
# Display name and `keras_ninr.experiments.zoo` topology of each NINR method.
_NINR_NAMES = {
    "in-ninr": ("in-NINR", "input"),
    "full-ninr": ("full-NINR", "full"),
}
DEFAULT_OPTIMIZERS = ["adam", "rmsprop"]
DEFAULT_OUT = pathlib.Path(__file__).parent / "results" / "fmnist_optimizers"


def methods_of(architecture, methods, optimizers):
    """The method dicts of one network: each method per optimizer.

    A NINR method without a Table 3 sigma_eps for this network and
    optimizer (the FC's full-NINR) is left out.
    """
    chosen = []
    for optimizer in optimizers:
        for key in methods:
            regularization, phase = METHODS[key]
            name = "None"
            method = dict(regularization=regularization, optimizer=optimizer)
            if phase is not None:
                name, topology = _NINR_NAMES[regularization]
                if (architecture, topology, optimizer) not in (
                    zoo.NOISE_PRESETS
                ):
                    continue
                sigma = zoo.noise_preset(
                    architecture, topology, phase, optimizer
                )
                name = f"{name} {phase} (σ_ε = {sigma:g})"
                method["noise_stddev"] = phase
            # The table has no optimizer column: the label says.
            method["label"] = f"{name}, {OPTIMIZERS[optimizer]}"
            chosen.append(method)
    return chosen


def main(argv=None):
    return panel_example_main(
        argv,
        doc=__doc__,
        script="fmnist_optimizers.py",
        method_keys=list(METHODS),
        panel_flag="optimizers",
        panel_choices=list(OPTIMIZERS),
        default_panels=DEFAULT_OPTIMIZERS,
        methods_of=methods_of,
        heading="Fig. 8: NINR with Adam and RMSprop, Fashion-MNIST",
        notes=[
            "- σ_ε: the paper's Table 3 presets per optimizer; learning "
            "rates of App. C.3."
        ],
        figure_function=reports.optimizer_figure,
        figure_name="fig8",
        default_out=DEFAULT_OUT,
    )


if __name__ == "__main__":
    sys.exit(main())
