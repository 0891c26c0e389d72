"""Every experiment the kit reproduces, by name (`keras-ninr reproduce NAME`),
and a user's own, from a file (`keras-ninr reproduce my_experiment.py`)."""

import importlib.util
import os

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


def load_file(path):
    """The experiment a Python file defines as `EXPERIMENT`.

    The file is one definition, written as the paper's are (e.g. a
    `SweepExperiment`; docs/experiments.md): `keras-ninr reproduce
    path/to/my_experiment.py` runs it with the flags of the paper's.
    """
    if not (isinstance(path, str) and path.endswith(".py") and os.path.isfile(path)):
        raise ValueError(
            "Expected `path` to be an existing .py file. Received: "
            f"path={path!r}"
        )
    name = "keras_ninr_experiment_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    experiment = getattr(module, "EXPERIMENT", None)
    missing = [
        attribute
        for attribute in ("name", "modes", "overrides", "options", "run_options",
                          "settings", "run", "write_page")
        if not hasattr(experiment, attribute)
    ]
    if missing:
        raise ValueError(
            f"Expected {path} to define `EXPERIMENT`, an experiment "
            "(docs/experiments.md) such as a `SweepExperiment`; it lacks "
            f"{missing}. Received: EXPERIMENT={experiment!r}"
        )
    return experiment
