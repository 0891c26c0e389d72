"""keras_ninr: Noise Injection Node Regularization (NINR) for Keras 3.

A Noise Injection Node (NIN) is an extra input of a layer that feeds random
noise through its own trainable weights, the noise injection weights (NIW).
Training suppresses the NIW, which regularizes the network (NINR). See
Levi, Bloch, Freytsis and Volansky, arXiv:2210.15764.
"""

from keras_ninr import attacks
from keras_ninr import callbacks
from keras_ninr import corruptions
from keras_ninr import datasets
from keras_ninr import noise
from keras_ninr import phases
from keras_ninr import reports
from keras_ninr import robustness
from keras_ninr import sweep
from keras_ninr import zoo
from keras_ninr.src.layers.input_corruption import InputCorruption
from keras_ninr.src.layers.noise_injection_dense import NoiseInjectionDense
from keras_ninr.src.layers.noise_injection_einsum_dense import (
    NoiseInjectionEinsumDense,
)
from keras_ninr.src.layers.noise_injection_layer import NoiseInjectionLayer
from keras_ninr.src.layers.noise_injection_pixel import NoiseInjectionPixel
from keras_ninr.src.models.ninr_model import NINRModel
from keras_ninr.src.utils import find_noise_layers

__version__ = "0.1.0"

__all__ = [
    "InputCorruption",
    "NINRModel",
    "NoiseInjectionDense",
    "NoiseInjectionEinsumDense",
    "NoiseInjectionLayer",
    "NoiseInjectionPixel",
    "attacks",
    "callbacks",
    "corruptions",
    "datasets",
    "find_noise_layers",
    "noise",
    "phases",
    "reports",
    "robustness",
    "sweep",
    "zoo",
]
