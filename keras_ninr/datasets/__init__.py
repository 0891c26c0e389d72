"""Data sets and the paper's preprocessing (see `keras_ninr.src.datasets`)."""

from keras_ninr.src.datasets.cifar10 import CIFAR10_CLASS_NAMES
from keras_ninr.src.datasets.idx import read_idx
from keras_ninr.src.datasets.loaders import KNOWN_DATASETS
from keras_ninr.src.datasets.loaders import SOURCES
from keras_ninr.src.datasets.loaders import load
from keras_ninr.src.datasets.preprocessing import Standardization
from keras_ninr.src.datasets.preprocessing import pixel_statistics
from keras_ninr.src.datasets.preprocessing import scale_pixels
from keras_ninr.src.datasets.preprocessing import standardize
from keras_ninr.src.datasets.usps import load_usps_as_mnist
from keras_ninr.src.datasets.usps import read_usps
from keras_ninr.src.datasets.usps import usps_to_mnist_format

__all__ = [
    "CIFAR10_CLASS_NAMES",
    "KNOWN_DATASETS",
    "SOURCES",
    "load",
    "load_usps_as_mnist",
    "read_idx",
    "read_usps",
    "Standardization",
    "pixel_statistics",
    "scale_pixels",
    "standardize",
    "usps_to_mnist_format",
]
