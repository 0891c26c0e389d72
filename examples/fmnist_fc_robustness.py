"""Fig. 2a and Table 2 for the paper's FC on Fashion-MNIST.

The FC (784-1024-1024-1024-10, App. A initialisation, SGD lr 0.05, batch
128) trained with each method until 98% training accuracy or the epoch cap,
then tested clean and under Eq. 8 corruption (pixel space) at sigma_noise =
0, 0.1, ..., 1. Methods, with the sigma_eps of the Fig. 2 caption
(`keras_ninr.experiments.zoo.noise_preset`) but for the in-NINR catapult:

| key | method |
| --- | --- |
| none | no regularization |
| l2 | weight decay 5e-4 |
| dropout | Dropout 0.5 after every hidden layer |
| cdt | corrupted-data training, sigma_noise = 0.4 |
| in-ninr-decay | in-NINR, sigma_eps = 51.8 |
| in-ninr-catapult | in-NINR, sigma_eps = 133 (the paper: 231.6; see below) |
| full-ninr-decay | full-NINR, sigma_eps = 16.4 |
| full-ninr-catapult | full-NINR, sigma_eps = 51.8 |

**Why 133 for the in-NINR catapult.** With this network initialised as App.
A says (N(0, 1/fan-in) kernels, zero biases), the paper's catapult value
sigma_eps = 231.6 diverges (NaN loss) in every seed tried. A phase finder
run (`examples/find_phase_boundaries.py`, results in
`examples/results/phase_boundaries_fc.md`) measured the catapult/divergent
boundary of this exact network at sigma_eps between 133.4 (catapult: the
loss spikes about 5x, then recovers; a 20-epoch training did not diverge)
and 154.0 (divergent within the first epoch). 133 is just below the largest
sigma_eps seen to catapult without diverging, so it stands for the paper's
catapult phase.

    KERAS_BACKEND=jax python examples/fmnist_fc_robustness.py  # a GPU
    KERAS_BACKEND=jax python examples/fmnist_fc_robustness.py --quick

The full protocol trains on all 60,000 images, 20 epochs cap, 3 seeds;
`--quick` (about a minute on a 2-core CPU) on 10,000 images for 5 epochs,
seed 0, none, dropout and in-NINR decay; `--tiny` is a smoke test.
Outputs under `--out` (default `examples/results/fmnist_fc/`):
`results.jsonl`, `fig2a.png` and `table2.md` (with a `_quick` or `_tiny`
suffix in those modes), each naming the command, backend and device.
"""

import sys

from _sweep_example import figure2_example
from _sweep_example import modes

EXAMPLE = figure2_example(
    __doc__,
    "fc",
    modes(20, (10000, None, 5, ["none", "dropout", "in-ninr-decay"]),
          tiny=["none", "in-ninr-decay"]),
    arguments={
        "--hidden-units": dict(
            nargs="+", type=int, help="smaller hidden layers, for smoke tests only"
        )
    },
)

if __name__ == "__main__":
    sys.exit(EXAMPLE.main())
