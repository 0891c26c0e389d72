"""Phases of noise injection (paper Sec. 2.2, App. B): toy model, labels, finder."""

from keras_ninr.src.phases.classify import PHASES
from keras_ninr.src.phases.classify import PhaseReport
from keras_ninr.src.phases.classify import classify
from keras_ninr.src.phases.figures import phase_figure
from keras_ninr.src.phases.finder import PhaseBoundaries
from keras_ninr.src.phases.finder import Trial
from keras_ninr.src.phases.finder import find_phase_boundaries
from keras_ninr.src.phases.finder import suggest_noise_stddev
from keras_ninr.src.phases.linear_toy_model import LinearToyModel

__all__ = [
    "phase_figure",
    "PHASES",
    "LinearToyModel",
    "PhaseBoundaries",
    "PhaseReport",
    "Trial",
    "classify",
    "find_phase_boundaries",
    "suggest_noise_stddev",
]
