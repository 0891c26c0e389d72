"""argparse types of the `keras-ninr` command's numeric flags.

Each checks its value as the library checks the argument it becomes
(`keras_ninr.src.checks`), so that `sweep` and `reproduce` refuse a bad
value alike, with the library's message, before Keras loads: `--epochs 0`
is a value to refuse, not a flag left out.
"""

import argparse

from keras_ninr.src import checks


def integer(name, minimum):
    """The type of a flag that becomes the integer argument `name`."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = text
        try:
            return checks.check_int(value, name, minimum)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def number(name, minimum, inclusive=True):
    """The type of a flag that becomes the number argument `name`."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = text
        try:
            return checks.check_number(value, name, minimum, inclusive)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse
