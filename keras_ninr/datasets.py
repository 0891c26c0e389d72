"""Data sets and their preprocessing (see `keras_ninr.src.datasets`)."""

from keras_ninr.src.datasets import KNOWN_DATASETS
from keras_ninr.src.datasets import load
from keras_ninr.src.datasets import read_idx
from keras_ninr.src.datasets import scale_pixels
from keras_ninr.src.datasets import standardize

__all__ = ["KNOWN_DATASETS", "load", "read_idx", "scale_pixels", "standardize"]
