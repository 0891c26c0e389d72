"""Sweeps of training runs with resumable JSON-lines results."""

from keras_ninr.src.experiments.sweep import DEFAULT_EVALUATIONS
from keras_ninr.src.experiments.sweep import EVALUATIONS
from keras_ninr.src.experiments.sweep import ConsoleProgress
from keras_ninr.src.experiments.sweep import RunConfig
from keras_ninr.src.experiments.sweep import SweepProgress
from keras_ninr.src.experiments.sweep import append_record
from keras_ninr.src.experiments.sweep import expand_grid
from keras_ninr.src.experiments.sweep import load_results
from keras_ninr.src.experiments.sweep import method_label
from keras_ninr.src.experiments.sweep import run_sweep
from keras_ninr.src.experiments.sweep import train_and_evaluate
from keras_ninr.src.experiments.sweep import train_and_evaluate_replicas

__all__ = [
    "DEFAULT_EVALUATIONS",
    "EVALUATIONS",
    "ConsoleProgress",
    "RunConfig",
    "SweepProgress",
    "append_record",
    "expand_grid",
    "load_results",
    "method_label",
    "run_sweep",
    "train_and_evaluate",
    "train_and_evaluate_replicas",
]
