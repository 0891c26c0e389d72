"""The `keras-ninr` command (see `keras_ninr.src.experiments.cli`)."""

from keras_ninr.src.experiments.cli import build_parser
from keras_ninr.src.experiments.cli import main

__all__ = ["build_parser", "main"]
