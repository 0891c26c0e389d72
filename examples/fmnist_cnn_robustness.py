"""Fig. 2b and Table 2 for the paper's CNN on Fashion-MNIST.

The CNN (`keras_ninr.experiments.zoo.cnn_network`: two Conv2D -> ELU ->
BatchNorm -> MaxPool blocks, Dense 2048, App. A initialisation, SGD lr
0.05, batch 128) trained with each method until 98% training accuracy or
the epoch cap, then tested clean and under Eq. 8 corruption (pixel space)
at sigma_noise = 0, 0.1, ..., 1. Methods, with the CNN's sigma_eps presets
of the Fig. 2 caption (`keras_ninr.experiments.zoo.noise_preset`):

| key | method |
| --- | --- |
| none | no regularization |
| l2 | weight decay 5e-4 |
| dropout | Dropout 0.5 after each conv block and hidden Dense |
| cdt | corrupted-data training, sigma_noise = 0.4 |
| in-ninr-decay | in-NINR, sigma_eps = 2.8 |
| in-ninr-catapult | in-NINR, sigma_eps = 87.5 |
| full-ninr-decay | full-NINR, sigma_eps = 0.9 |
| full-ninr-catapult | full-NINR, sigma_eps = 62 |

**The presets are the paper's and may diverge.** The FC's in-NINR catapult
preset diverges with a faithfully initialised network (see
`fmnist_fc_robustness.py`); the CNN's presets have not been checked against
this exact network's phase boundaries. A run whose loss or NIW norm becomes
non-finite, or whose loss explodes, is recorded in the results file with
status "diverged" (counted as "(n diverged)" in the table and the figure)
and the sweep goes on. Where a preset diverges, replace it by the largest
non-divergent sigma_eps (`examples/find_phase_boundaries.py`).

    KERAS_BACKEND=jax python examples/fmnist_cnn_robustness.py  # a GPU
    KERAS_BACKEND=jax python examples/fmnist_cnn_robustness.py --quick

The full protocol trains on all 60,000 images, 10 epochs cap, 3 seeds,
every method; `--quick` (a few minutes on a 2-core CPU) on 5,000 images
for 3 epochs, seed 0, none, dropout and full-NINR catapult; `--tiny` is a
smoke test. Outputs under `--out` (default `examples/results/fmnist_cnn/`):
`results.jsonl`, `fig2b.png` and `table2_cnn.md` (with a `_quick` or
`_tiny` suffix in those modes), each naming the command, backend and
device.
"""

import sys

from _sweep_example import figure2_example
from _sweep_example import modes

EXAMPLE = figure2_example(
    __doc__,
    "cnn",
    modes(10, (5000, 2000, 3, ["none", "dropout", "full-ninr-catapult"]),
          tiny=["none", "full-ninr-catapult"]),
    notes=["- σ_ε values are the paper's CNN presets (Fig. 2 caption)."],
)

if __name__ == "__main__":
    sys.exit(EXAMPLE.main())
