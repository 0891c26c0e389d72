"""Every experiment the kit reproduces, by name (`keras-ninr reproduce NAME`)."""

from keras_ninr.src.experiments.definitions.benchmarks import BENCHMARK_EXPERIMENTS
from keras_ninr.src.experiments.definitions.paper import SWEEP_EXPERIMENTS
from keras_ninr.src.experiments.definitions.phase_experiments import BoundaryExperiment
from keras_ninr.src.experiments.definitions.phase_experiments import PhasesExperiment

EXPERIMENTS = {
    experiment.name: experiment
    for experiment in (
        *SWEEP_EXPERIMENTS,
        PhasesExperiment(),
        BoundaryExperiment(),
        *BENCHMARK_EXPERIMENTS,
    )
}


def get(name):
    """The experiment called `name` (a key of `EXPERIMENTS`)."""
    if name not in EXPERIMENTS:
        raise ValueError(
            f"Unrecognized experiment name: {name!r}. Expected one of "
            f"{sorted(EXPERIMENTS)}."
        )
    return EXPERIMENTS[name]
