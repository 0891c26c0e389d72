"""The standard corruption benchmarks as experiments: MNIST-C and CIFAR-10-C.

Not in the paper: its networks and methods measured on the field's fixed
benchmarks (Mu & Gilmer 2019, 15 corruptions of the MNIST test set;
Hendrycks & Dietterich 2019, 19 corruptions x 5 severities of CIFAR-10's),
so that NINR's robustness can be compared with other work. Each run is
trained as in Fig. 2 / App. D and evaluated on every corruption
(`keras_ninr.robustness.corruption_benchmark`); the page's table gives the
accuracy per corruption, the mean corruption accuracy and the mCE against
each network's unregularized run. The data: docs/benchmarks.md.
"""

from keras_ninr.src.experiments import reports
from keras_ninr.src.experiments.definitions.methods import figure2_methods
from keras_ninr.src.experiments.definitions.modes import modes
from keras_ninr.src.experiments.definitions.paper import cifar10_experiment
from keras_ninr.src.experiments.definitions.sweep_experiment import SweepExperiment

_MNIST_C_METHODS = (
    "none",
    "dropout",
    "cdt",
    "in-ninr-decay",
    "in-ninr-catapult",
    "full-ninr-decay",
    "full-ninr-catapult",
)


def _benchmark_table(records):
    return reports.corruption_benchmark_table(records, baseline="None")


MNIST_C = SweepExperiment(
    name="mnist-c",
    heading="MNIST-C: the paper's networks on the standard corruptions",
    methods=dict.fromkeys(_MNIST_C_METHODS),
    modes=modes(
        None,
        (5000, 2000, 3, ["none", "dropout", "in-ninr-decay"]),
        tiny=["none", "in-ninr-decay"],
    ),
    page="mnist_c",
    figures={"mnist_c": reports.corruption_benchmark_figure},
    table=_benchmark_table,
    dataset="mnist",
    methods_of=lambda architecture, keys, settings: [
        figure2_methods(architecture)[key] for key in keys
    ],
    evaluations=lambda settings, mode: {
        "clean": True,
        "corruption_benchmark": "mnist_c",
    },
    test="clean test: {test_size} MNIST images; MNIST-C: every corruption's test images",
    notes=("- mCE and relative mCE are against the network's None run (100% = None).",),
)

# Fig. 9's runs, evaluated on every corruption.
CIFAR10_C = cifar10_experiment(
    "cifar10-c",
    "CIFAR-10-C: the VGG net on the standard corruptions",
    "cifar10_c",
    reports.corruption_benchmark_figure,
    table=_benchmark_table,
    evaluations=lambda settings, mode: {
        "clean": True,
        "corruption_benchmark": "cifar10_c",
    },
    test="clean test: {test_size} CIFAR-10 images; CIFAR-10-C: 19 corruptions x 5 severities",
    notes=(
        "- Mean corruption accuracy and mCE over the 15 benchmark corruptions "
        "(Hendrycks & Dietterich); the 4 extra ones are shown, not averaged.",
    ),
)

BENCHMARK_EXPERIMENTS = (MNIST_C, CIFAR10_C)
