"""keras_ninr: Noise Injection Node Regularization (NINR) for Keras 3.

A Noise Injection Node (NIN) is an extra input of a layer that feeds random
noise through its own trainable weights, the noise injection weights (NIW).
Training suppresses the NIW, which regularizes the network (NINR). See
Levi, Bloch, Freytsis and Volansky, arXiv:2210.15764.

The package has three layers, each importable on its own, the lower never
importing the higher:

- `keras_ninr` (this module): the Keras add-on. The NIN layers, `NINRModel`,
  `InputCorruption` (CDT), `Standardization` (the paper's preprocessing as a
  model's first layer), `keras_ninr.noise`, `keras_ninr.callbacks`,
  `keras_ninr.phases`. Needs only `keras` and `numpy`.
- `keras_ninr.robustness` and `keras_ninr.datasets`: the robustness toolkit
  (Eq. 8 corruption curves, FGSM/PGD, a common-corruption suite, domain
  shift) on models that take [0, 1] pixels, and the data loaders.
- `keras_ninr.experiments`: the paper's kit (zoo, sweeps, replicas,
  reports, the `keras-ninr` command).

The last three are imported on first use (`keras_ninr.robustness` works
after `import keras_ninr`), so `import keras_ninr` stays light.
"""

import importlib

from keras_ninr import callbacks
from keras_ninr import noise
from keras_ninr import phases
from keras_ninr.src.layers.input_corruption import InputCorruption
from keras_ninr.src.layers.noise_injection_dense import NoiseInjectionDense
from keras_ninr.src.layers.noise_injection_einsum_dense import (
    NoiseInjectionEinsumDense,
)
from keras_ninr.src.layers.noise_injection_layer import NoiseInjectionLayer
from keras_ninr.src.layers.noise_injection_pixel import NoiseInjectionPixel
from keras_ninr.src.layers.noise_source import NoiseSource
from keras_ninr.src.layers.standardization import Standardization
from keras_ninr.src.models.ninr_model import NINRModel
from keras_ninr.src.utils import find_noise_layers

__version__ = "0.1.0"

_LAZY_SUBPACKAGES = ("datasets", "experiments", "robustness")


def __getattr__(name):
    if name in _LAZY_SUBPACKAGES:
        return importlib.import_module(f"keras_ninr.{name}")
    raise AttributeError(f"module 'keras_ninr' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY_SUBPACKAGES))


__all__ = [
    "InputCorruption",
    "NINRModel",
    "NoiseInjectionDense",
    "NoiseInjectionEinsumDense",
    "NoiseInjectionLayer",
    "NoiseInjectionPixel",
    "NoiseSource",
    "Standardization",
    "callbacks",
    "find_noise_layers",
    "noise",
    "phases",
]
