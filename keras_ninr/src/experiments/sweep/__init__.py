"""Sweeps of training runs: the protocol behind Figs. 2, 6-9 and Tables 1-2.

- `config`: `RunConfig` (one run, as data), its run id, `method_label`.
- `grid`: `expand_grid`, and which runs train together as replicas.
- `store`: the results file (JSON lines, resumable, shared by sweeps).
- `data`: the data sets, their subsets and validation split, as pixels.
- `training`: one run, or K runs as replicas, trained as the paper does.
- `evaluation`: a trained run's evaluations and its record.
- `progress`: what a sweep shows while it trains.
- `executors`: where the runs train: in this process, or as Ray tasks.
- `runner`: `run_sweep`.
"""

from keras_ninr.src.experiments.sweep.checks import EVALUATIONS
from keras_ninr.src.experiments.sweep.config import DEFAULT_EVALUATIONS
from keras_ninr.src.experiments.sweep.config import NINR_REGULARIZATIONS
from keras_ninr.src.experiments.sweep.config import RunConfig
from keras_ninr.src.experiments.sweep.labels import method_label
from keras_ninr.src.experiments.sweep.grid import expand_grid
from keras_ninr.src.experiments.sweep.evaluation import STATUSES
from keras_ninr.src.experiments.sweep.progress import ConsoleProgress
from keras_ninr.src.experiments.sweep.progress import SweepProgress
from keras_ninr.src.experiments.sweep.runner import run_sweep
from keras_ninr.src.experiments.sweep.store import append_record
from keras_ninr.src.experiments.sweep.store import load_results
from keras_ninr.src.experiments.sweep.training import train_and_evaluate
from keras_ninr.src.experiments.sweep.training import (
    train_and_evaluate_replicas,
)
