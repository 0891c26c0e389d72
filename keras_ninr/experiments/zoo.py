"""The paper's networks, regularizations and optimizers (see
`keras_ninr.src.experiments.zoo`; the regularizations by name, `METHODS`,
from `keras_ninr.src.experiments.methods`)."""

from keras_ninr.src.experiments.methods import CDT_SIGMA_NOISE
from keras_ninr.src.experiments.methods import METHODS
from keras_ninr.src.experiments.methods import Method
from keras_ninr.src.experiments.zoo import ARCHITECTURES
from keras_ninr.src.experiments.zoo import BATCH_SIZES
from keras_ninr.src.experiments.zoo import L2_READINGS
from keras_ninr.src.experiments.zoo import LEARNING_RATES
from keras_ninr.src.experiments.zoo import MEASURED_LARGEST_SAFE
from keras_ninr.src.experiments.zoo import NOISE_PRESETS
from keras_ninr.src.experiments.zoo import PRESETS
from keras_ninr.src.experiments.zoo import OPTIMIZERS
from keras_ninr.src.experiments.zoo import REGULARIZATIONS
from keras_ninr.src.experiments.zoo import VGG_CONV_L2
from keras_ninr.src.experiments.zoo import WEIGHT_DECAY
from keras_ninr.src.experiments.zoo import build
from keras_ninr.src.experiments.zoo import cnn_network
from keras_ninr.src.experiments.zoo import compile_model
from keras_ninr.src.experiments.zoo import fc_network
from keras_ninr.src.experiments.zoo import l2_coefficient
from keras_ninr.src.experiments.zoo import make_optimizer
from keras_ninr.src.experiments.zoo import noise_preset
from keras_ninr.src.experiments.zoo import vgg_network

__all__ = [
    "ARCHITECTURES",
    "BATCH_SIZES",
    "CDT_SIGMA_NOISE",
    "L2_READINGS",
    "LEARNING_RATES",
    "METHODS",
    "Method",
    "MEASURED_LARGEST_SAFE",
    "NOISE_PRESETS",
    "PRESETS",
    "OPTIMIZERS",
    "REGULARIZATIONS",
    "VGG_CONV_L2",
    "WEIGHT_DECAY",
    "build",
    "cnn_network",
    "compile_model",
    "fc_network",
    "l2_coefficient",
    "make_optimizer",
    "noise_preset",
    "vgg_network",
]
