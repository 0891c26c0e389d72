"""The paper's experiments as data (see
`keras_ninr.src.experiments.definitions`): `EXPERIMENTS`, `get(name)`, and
the classes a new experiment is written with."""

from keras_ninr.src.experiments.definitions.methods import cdt_method
from keras_ninr.src.experiments.definitions.methods import figure2_methods
from keras_ninr.src.experiments.definitions.methods import ninr_method
from keras_ninr.src.experiments.definitions.modes import MODES
from keras_ninr.src.experiments.definitions.modes import Mode
from keras_ninr.src.experiments.definitions.modes import modes
from keras_ninr.src.experiments.definitions.phase_experiments import BoundaryExperiment
from keras_ninr.src.experiments.definitions.phase_experiments import PhasesExperiment
from keras_ninr.src.experiments.definitions.registry import EXPERIMENTS
from keras_ninr.src.experiments.definitions.registry import get
from keras_ninr.src.experiments.definitions.protocol import Option
from keras_ninr.src.experiments.definitions.protocol import Reproduction
from keras_ninr.src.experiments.definitions.sweep_experiment import SweepExperiment

__all__ = [
    "EXPERIMENTS",
    "MODES",
    "BoundaryExperiment",
    "Mode",
    "Option",
    "PhasesExperiment",
    "Reproduction",
    "SweepExperiment",
    "cdt_method",
    "figure2_methods",
    "get",
    "modes",
    "ninr_method",
]
