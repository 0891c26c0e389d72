"""Figures and Markdown tables from sweep records (see `keras_ninr.src.reports`)."""

from keras_ninr.src.reports import attack_figure
from keras_ninr.src.reports import cifar10_figure
from keras_ninr.src.reports import clean_accuracy_table
from keras_ninr.src.reports import corruption_figure
from keras_ninr.src.reports import domain_shift_table
from keras_ninr.src.reports import group_runs
from keras_ninr.src.reports import mean_and_spread
from keras_ninr.src.reports import network_name
from keras_ninr.src.reports import noise_distribution_figure
from keras_ninr.src.reports import optimizer_figure
from keras_ninr.src.reports import training_seconds
from keras_ninr.src.reports import unique_runs

__all__ = [
    "attack_figure",
    "cifar10_figure",
    "clean_accuracy_table",
    "corruption_figure",
    "domain_shift_table",
    "group_runs",
    "mean_and_spread",
    "network_name",
    "noise_distribution_figure",
    "optimizer_figure",
    "training_seconds",
    "unique_runs",
]
