"""Fig. 6: FGSM and PGD accuracy against epsilon, FC and CNN.

The paper's FC and CNN (`keras_ninr.experiments.zoo`) are trained on Fashion-MNIST with
each method until 98% training accuracy or the epoch cap, then attacked
with FGSM and PGD (`keras_ninr.robustness.attacks`, L-infinity, in pixel space:
pixels in [0, 1], epsilon in pixel units, inference mode) on the first
`attack_size` test images, at epsilon = 0, 0.02, 0.05, 0.1, 0.15, 0.2,
0.3. Methods:

| key | method |
| --- | --- |
| none | no regularization |
| l2 | weight decay 5e-4 |
| dropout | Dropout 0.5 |
| in-ninr | in-NINR, the paper's decay preset (FC 51.8, CNN 2.8) |

    KERAS_BACKEND=jax python examples/adversarial.py  # a GPU
    KERAS_BACKEND=jax python examples/adversarial.py --quick

The full protocol trains on all 60,000 images, 20 (FC) and 10 (CNN)
epochs cap, 3 seeds, and attacks 1,000 images; `--quick` (a few minutes on
a 2-core CPU) on 5,000 images for 3 epochs, seed 0, none and in-NINR, 300
attacked; `--tiny` is a smoke test. Outputs under `--out` (default
`examples/results/adversarial/`): `results.jsonl`, `fig6_fgsm.png`,
`fig6_pgd.png` and `fig6.md` (with a `_quick` or `_tiny` suffix in those
modes), naming the command, backend and device.
"""

import functools
import sys

from keras_ninr.experiments import reports

from _sweep_example import SweepExample
from _sweep_example import clean_table
from _sweep_example import decay_methods
from _sweep_example import modes

EPSILONS = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]
TINY_EPSILONS = [0.0, 0.1]


def evaluations(args):
    epsilons = args.epsilons or (TINY_EPSILONS if args.tiny else EPSILONS)
    return {"clean": True, "fgsm": epsilons, "pgd": epsilons}


EXAMPLE = SweepExample(
    __doc__,
    "adversarial.py",
    decay_methods(["none", "l2", "dropout", "in-ninr"]),
    modes(None, (5000, 2000, 3, ["none", "in-ninr"]), attack_size=(1000, 300, 64)),
    heading="Fig. 6: FGSM and PGD on Fashion-MNIST",
    figures={
        f"fig6_{attack}": functools.partial(reports.attack_figure, attack=attack)
        for attack in ("fgsm", "pgd")
    },
    page="fig6",
    table=clean_table(),
    test=(
        "attacks: L∞ FGSM and PGD in pixel space on the first "
        "{attack_size} test images, inference mode"
    ),
    evaluations=evaluations,
    arguments={
        "--epsilons": dict(nargs="+", type=float),
        "--attack-size": dict(type=int),
    },
)

if __name__ == "__main__":
    sys.exit(EXAMPLE.main())
