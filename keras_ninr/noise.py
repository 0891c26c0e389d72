"""Noise distributions of the Noise Injection Nodes (see `keras_ninr.src.noise`)."""

from keras_ninr.src.noise import DoubleNormal
from keras_ninr.src.noise import Normal
from keras_ninr.src.noise import Uniform
from keras_ninr.src.noise import get
from keras_ninr.src.noise import serialize

__all__ = ["DoubleNormal", "Normal", "Uniform", "get", "serialize"]
