"""Entry point of the `keras-ninr` command; the kit implements it."""

from keras_ninr.experiments.cli import main

__all__ = ["main"]
