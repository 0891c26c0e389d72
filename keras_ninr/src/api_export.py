"""Registration of the package's public classes with Keras serialization."""

import keras

PACKAGE = "keras_ninr"


def register(cls):
    """Register `cls` so `.keras` files load without `custom_objects`."""
    return keras.saving.register_keras_serializable(package=PACKAGE)(cls)
