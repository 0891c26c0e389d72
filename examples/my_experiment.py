"""An experiment of one's own, as one definition: in-NINR's sigma_eps on the FC.

Does a larger sigma_eps buy more robustness to Eq. 8 corruption? This file
defines the sweep as the paper's experiments are defined (a
`SweepExperiment` named `EXPERIMENT`), and the command the paper's use runs
it, resumable, with the same flags and the same page:

    keras-ninr reproduce examples/my_experiment.py --tiny      # seconds
    keras-ninr reproduce examples/my_experiment.py --quick     # minutes (CPU)
    keras-ninr reproduce examples/my_experiment.py --seeds 0 1 --epochs 5

docs/experiments.md walks through it.
"""

from keras_ninr.experiments import reports
from keras_ninr.experiments.definitions import SweepExperiment
from keras_ninr.experiments.definitions import modes

SIGMAS = (5.0, 20.0, 51.8)

EXPERIMENT = SweepExperiment(
    name="fc-sigma-scan",
    summary="in-NINR on the FC at three sigma_eps against None",
    heading="in-NINR's sigma_eps on the FC (Fashion-MNIST)",
    # Method key -> a sweep method (the regularization and its settings).
    methods={
        "none": dict(regularization="none", label="None"),
        **{
            f"in-ninr-{sigma:g}": dict(
                regularization="in-ninr", noise_stddev=sigma, label=f"in-NINR (σ_ε = {sigma:g})"
            )
            for sigma in SIGMAS
        },
    },
    # full: all 60,000 images, the kit's FC cap (20 epochs), seeds 0-2;
    # quick: (train images, test images, epochs, methods); tiny: a smoke test.
    modes=modes(None, (5000, 2000, 3, ["none", "in-ninr-51.8"])),
    architectures=("fc",),
    page="fc_sigma_scan",
    figures={"corruption": reports.corruption_figure},
)
