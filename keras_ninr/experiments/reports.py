"""Figures and Markdown tables from sweep records."""

from keras_ninr.src.experiments.reports import CORRUPTION_FIGURES
from keras_ninr.src.experiments.reports import attack_figure
from keras_ninr.src.experiments.reports import attack_table
from keras_ninr.src.experiments.reports import cifar10_figure
from keras_ninr.src.experiments.reports import clean_accuracy_table
from keras_ninr.src.experiments.reports import corruption_benchmark_figure
from keras_ninr.src.experiments.reports import corruption_benchmark_table
from keras_ninr.src.experiments.reports import corruption_figure
from keras_ninr.src.experiments.reports import domain_shift_table
from keras_ninr.src.experiments.reports import group_runs
from keras_ninr.src.experiments.reports import mean_and_spread
from keras_ninr.src.experiments.reports import network_name
from keras_ninr.src.experiments.reports import noise_distribution_figure
from keras_ninr.src.experiments.reports import optimizer_figure
from keras_ninr.src.experiments.reports import provenance_lines
from keras_ninr.src.experiments.reports import training_seconds
from keras_ninr.src.experiments.reports import unique_runs
from keras_ninr.src.experiments.reports import write_report
from keras_ninr.src.experiments.reports import write_results_report

__all__ = [
    "CORRUPTION_FIGURES",
    "attack_figure",
    "attack_table",
    "cifar10_figure",
    "clean_accuracy_table",
    "corruption_benchmark_figure",
    "corruption_benchmark_table",
    "corruption_figure",
    "domain_shift_table",
    "group_runs",
    "mean_and_spread",
    "network_name",
    "noise_distribution_figure",
    "optimizer_figure",
    "provenance_lines",
    "training_seconds",
    "unique_runs",
    "write_report",
    "write_results_report",
]
