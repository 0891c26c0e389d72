"""Figures and tables from sweep records (paper Figs. 2, 6-9, Tables 1-2).

Every function takes records (the dicts of
`keras_ninr.experiments.sweep.load_results` or `run_sweep`) and returns a
matplotlib `Figure` or a Markdown string; none trains.

- `grouping`: runs grouped into methods, mean ± 2σ over seeds.
- `figures`: Fig. 2 (corruption), 6 (attacks), 7, 8 and 9 styles.
- `tables`: Table 1 (domain shift) and Table 2 (clean accuracy) styles.
- `benchmarks`: MNIST-C / CIFAR-10-C accuracy per corruption and mCE
  (a table and a figure; they also take `corruption_benchmark` results).
- `writer`: figures and a Markdown page on disk (`keras-ninr report`).
"""

from keras_ninr.src.experiments.reports.benchmarks import (
    corruption_benchmark_figure,
)
from keras_ninr.src.experiments.reports.benchmarks import (
    corruption_benchmark_table,
)
from keras_ninr.src.experiments.reports.figures import attack_figure
from keras_ninr.src.experiments.reports.figures import cifar10_figure
from keras_ninr.src.experiments.reports.figures import corruption_figure
from keras_ninr.src.experiments.reports.figures import (
    noise_distribution_figure,
)
from keras_ninr.src.experiments.reports.figures import optimizer_figure
from keras_ninr.src.experiments.reports.grouping import group_runs
from keras_ninr.src.experiments.reports.grouping import mean_and_spread
from keras_ninr.src.experiments.reports.grouping import network_name
from keras_ninr.src.experiments.reports.grouping import training_seconds
from keras_ninr.src.experiments.reports.grouping import unique_runs
from keras_ninr.src.experiments.reports.tables import attack_table
from keras_ninr.src.experiments.reports.tables import clean_accuracy_table
from keras_ninr.src.experiments.reports.tables import domain_shift_table
from keras_ninr.src.experiments.reports.writer import CORRUPTION_FIGURES
from keras_ninr.src.experiments.reports.writer import provenance_lines
from keras_ninr.src.experiments.reports.writer import write_report
from keras_ninr.src.experiments.reports.writer import write_results_report
