"""Robustness to input corruption, Eq. 8 (see `keras_ninr.src.robustness`)."""

from keras_ninr.src.robustness import DEFAULT_SIGMAS
from keras_ninr.src.robustness import corrupt
from keras_ninr.src.robustness import corrupted_accuracy
from keras_ninr.src.robustness import corruption_curve
from keras_ninr.src.robustness import domain_shift_accuracy

__all__ = ["DEFAULT_SIGMAS", "corrupt", "corrupted_accuracy", "corruption_curve",
           "domain_shift_accuracy"]
