"""The robustness toolkit: how a model that takes [0, 1] pixels holds up.

- Random corruption, paper Eq. 8 (Sec. 3.2.1): `corrupt`,
  `corrupted_accuracy`, `corruption_curve` (the curves of Fig. 2).
- Adversarial attacks, App. C.1 and Eq. 17: `fgsm`, `pgd`,
  `adversarial_accuracy`, `input_gradient`; `ATTACKS`, the registry of
  attacks by name (an `Attack` each), which the kit's sweeps and reports
  read.
- The package's own corruption suite (offline, five severities; its
  definitions compared with MNIST-C's in docs/benchmarks.md):
  `keras_ninr.robustness.corruptions`.
- The standard benchmarks MNIST-C and CIFAR-10-C (original releases or
  TFDS): `corruption_benchmark`, `mean_corruption_error` (mCE).
- Domain shift MNIST -> USPS (Sec. 3.2.2, Table 1): `domain_shift_accuracy`.
"""

from keras_ninr.robustness import corruptions
from keras_ninr.src.corruption import corrupt
from keras_ninr.src.robustness.attacks import ATTACKS
from keras_ninr.src.robustness.attacks import Attack
from keras_ninr.src.robustness.attacks import adversarial_accuracy
from keras_ninr.src.robustness.attacks import fgsm
from keras_ninr.src.robustness.attacks import pgd
from keras_ninr.src.robustness.benchmark_data import BENCHMARKS
from keras_ninr.src.robustness.benchmark_data import (
    CIFAR10_C_BENCHMARK_CORRUPTIONS,
)
from keras_ninr.src.robustness.benchmark_data import CIFAR10_C_CORRUPTIONS
from keras_ninr.src.robustness.benchmark_data import CIFAR10_C_TFDS_NAMES
from keras_ninr.src.robustness.benchmark_data import MNIST_C_CORRUPTIONS
from keras_ninr.src.robustness.benchmarks import corruption_benchmark
from keras_ninr.src.robustness.benchmarks import mean_corruption_error
from keras_ninr.src.robustness.corruption_curves import DEFAULT_SIGMAS
from keras_ninr.src.robustness.corruption_curves import corrupted_accuracy
from keras_ninr.src.robustness.corruption_curves import corruption_curve
from keras_ninr.src.robustness.domain_shift import domain_shift_accuracy
from keras_ninr.src.robustness.input_gradients import input_gradient

__all__ = [
    "ATTACKS",
    "Attack",
    "BENCHMARKS",
    "CIFAR10_C_BENCHMARK_CORRUPTIONS",
    "CIFAR10_C_CORRUPTIONS",
    "CIFAR10_C_TFDS_NAMES",
    "DEFAULT_SIGMAS",
    "MNIST_C_CORRUPTIONS",
    "adversarial_accuracy",
    "corrupt",
    "corrupted_accuracy",
    "corruption_benchmark",
    "corruption_curve",
    "corruptions",
    "domain_shift_accuracy",
    "fgsm",
    "input_gradient",
    "mean_corruption_error",
    "pgd",
]
