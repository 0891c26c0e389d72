"""The paper's kit: everything that reproduces arXiv:2210.15764.

- `definitions`: the paper's experiments as data (`EXPERIMENTS`, `get`):
  what `keras-ninr reproduce NAME` runs.
- `execution`: how the kit calls `fit` (steps per execution, data on
  the device).
- `zoo`: the paper's networks, regularizations, optimizers and sigma_eps
  presets.
- `sweep`: run configurations, the resumable results file, the runner.
- `replicas`: K runs of one network trained in one compiled step.
- `reports`: figures and Markdown tables from a results file.
- `cli`: the `keras-ninr` command.
"""

from keras_ninr.experiments import definitions
from keras_ninr.experiments import execution
from keras_ninr.experiments import provenance
from keras_ninr.experiments import replicas
from keras_ninr.experiments import reports
from keras_ninr.experiments import sweep
from keras_ninr.experiments import zoo
from keras_ninr.experiments.definitions import EXPERIMENTS
from keras_ninr.experiments.definitions import get

__all__ = [
    "EXPERIMENTS",
    "cli",
    "definitions",
    "execution",
    "get",
    "provenance",
    "replicas",
    "reports",
    "sweep",
    "zoo",
]
