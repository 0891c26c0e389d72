"""Adversarial attacks, App. C.1 and Eq. 17 (see `keras_ninr.src.attacks`)."""

from keras_ninr.src.attacks import adversarial_accuracy
from keras_ninr.src.attacks import fgsm
from keras_ninr.src.attacks import pgd
from keras_ninr.src.input_gradients import input_gradient

__all__ = ["adversarial_accuracy", "fgsm", "input_gradient", "pgd"]
