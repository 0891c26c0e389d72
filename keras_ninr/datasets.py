"""Data sets and their preprocessing (see `keras_ninr.src.datasets`)."""

from keras_ninr.src.datasets import CIFAR10_CLASS_NAMES
from keras_ninr.src.datasets import KNOWN_DATASETS
from keras_ninr.src.datasets import load
from keras_ninr.src.datasets import load_usps_as_mnist
from keras_ninr.src.datasets import read_idx
from keras_ninr.src.datasets import read_usps
from keras_ninr.src.datasets import scale_pixels
from keras_ninr.src.datasets import standardize
from keras_ninr.src.datasets import usps_to_mnist_format

__all__ = [
    "CIFAR10_CLASS_NAMES",
    "KNOWN_DATASETS",
    "load",
    "load_usps_as_mnist",
    "read_idx",
    "read_usps",
    "scale_pixels",
    "standardize",
    "usps_to_mnist_format",
]
