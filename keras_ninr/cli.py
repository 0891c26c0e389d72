"""Entry point of the `keras-ninr` command; the kit implements it.

Imported from the kit's own module, not `keras_ninr.experiments` (which
loads the whole kit), so that `--help` answers before Keras loads.
"""

from keras_ninr.src.experiments.cli import main

__all__ = ["main"]
