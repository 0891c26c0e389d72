"""The paper's networks, regularizations and optimizers (see `keras_ninr.src.zoo`)."""

from keras_ninr.src.zoo import ARCHITECTURES
from keras_ninr.src.zoo import BATCH_SIZES
from keras_ninr.src.zoo import NOISE_PRESETS
from keras_ninr.src.zoo import OPTIMIZERS
from keras_ninr.src.zoo import REGULARIZATIONS
from keras_ninr.src.zoo import build
from keras_ninr.src.zoo import cnn_network
from keras_ninr.src.zoo import compile_model
from keras_ninr.src.zoo import fc_network
from keras_ninr.src.zoo import make_optimizer
from keras_ninr.src.zoo import noise_preset
from keras_ninr.src.zoo import vgg_network
