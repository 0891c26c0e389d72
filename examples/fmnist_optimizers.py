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

    KERAS_BACKEND=jax python examples/fmnist_optimizers.py  # a GPU
    KERAS_BACKEND=jax python examples/fmnist_optimizers.py --quick

The full protocol trains on all 60,000 images, 20 (FC) and 10 (CNN)
epochs cap, 3 seeds (the paper: 5), every method and optimizer; `--quick`
(a few minutes on a 2-core CPU) on 5,000 images for 3 epochs, seed 0,
none and in-NINR decay; `--tiny` is a smoke test. Outputs under `--out`
(default `examples/results/fmnist_optimizers/`): `results.jsonl`,
`fig8.png` (a row per network, a panel per optimizer) and `fig8.md` (with
a `_quick` or `_tiny` suffix in those modes), naming the command, backend
and device.
"""

import sys

from keras_ninr.experiments import reports
from keras_ninr.experiments import zoo

from _sweep_example import panel_example
from _sweep_example import ninr_method

# Method key: (regularization, sigma_eps preset or None).
METHODS = {
    "none": ("none", None),
    "in-ninr-decay": ("in-ninr", "decay"),
    "in-ninr-catapult": ("in-ninr", "catapult"),
    "full-ninr-decay": ("full-ninr", "decay"),
    "full-ninr-catapult": ("full-ninr", "catapult"),
}
OPTIMIZERS = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD"}
PANELS = ("--optimizers", OPTIMIZERS, ["adam", "rmsprop"])
HEADING = "Fig. 8: NINR with Adam and RMSprop, Fashion-MNIST"
FIGURE = reports.optimizer_figure


def methods_of(architecture, keys, args):
    """The method dicts of one network: each method per optimizer.

    A NINR method without a Table 3 sigma_eps for this network and
    optimizer (the FC's full-NINR) is left out.
    """
    chosen = []
    for optimizer in args.optimizers:
        for key in keys:
            regularization, phase = METHODS[key]
            method = dict(regularization=regularization, label="None")
            if phase is not None:
                topology = "input" if regularization == "in-ninr" else "full"
                if (architecture, topology, optimizer) not in zoo.NOISE_PRESETS:
                    continue
                # The preset's name, not its value, in the config (run ids).
                method = dict(
                    ninr_method(architecture, regularization, phase, optimizer),
                    noise_stddev=phase,
                )
            # The table has no optimizer column: the label says.
            method["label"] += f", {OPTIMIZERS[optimizer]}"
            chosen.append(dict(method, optimizer=optimizer))
    return chosen


EXAMPLE = panel_example(
    __doc__, "fmnist_optimizers.py", HEADING, {"fig8": FIGURE}, PANELS,
    METHODS, methods_of,
    notes=["- σ_ε: Table 3's presets per optimizer; learning rates of App. C.3."],
)

if __name__ == "__main__":
    sys.exit(EXAMPLE.main())
