"""`python -m keras_ninr`: the `keras-ninr` command (see `keras_ninr.cli`)."""

import sys

from keras_ninr.cli import main

if __name__ == "__main__":
    sys.exit(main())
