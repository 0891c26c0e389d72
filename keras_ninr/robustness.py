"""Robustness to input corruption, Eq. 8 (see `keras_ninr.src.robustness`)."""

from keras_ninr.src.robustness import corrupt
from keras_ninr.src.robustness import corrupted_accuracy

__all__ = ["corrupt", "corrupted_accuracy"]
