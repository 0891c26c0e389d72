"""The paper's preprocessing as a layer: global standardisation (Sec. 3).

"We preprocess the data by subtracting the mean and dividing by the variance
of the training data": one scalar mean and one scalar spread over all
training pixels. The package divides by the standard deviation (dividing by
the variance would give inputs of variance 1/variance, not the unit variance
Eq. 8 is built to preserve); see the docs' list of choices.

As the first layer of a model, the standardisation travels with it: a saved
`.keras` model takes [0, 1] pixels and needs nothing else remembered, and
every evaluation (corruption, attacks, domain shift) speaks pixels.
"""

import math
import numbers

import keras
from keras import ops

from keras_ninr.src.api_export import register


@register
class Standardization(keras.layers.Layer):
    """`(x - mean) / std` with the training set's scalar statistics.

    Computes exactly what `keras_ninr.datasets.standardize` computes in
    NumPy (float32 subtraction, then division), so a model that starts
    with this layer and is fed [0, 1] pixels sees the same inputs as one
    fed standardised arrays.

    Args:
        mean: Float, the mean of the [0, 1] training pixels.
        std: Positive float, their standard deviation.
        **kwargs: Base layer arguments (`name`, `dtype`, ...).

    Input shape: any; [0, 1] pixels (floats).

    Output shape: same as the input.

    Example:

    >>> (x_train, _), (mean, std) = keras_ninr.datasets.standardize(x)
    >>> model = keras.Sequential([
    ...     keras.Input((28, 28)), Standardization(mean, std), ...])
    """

    def __init__(self, mean, std, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("mean", mean), ("std", std)):
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not math.isfinite(value)
            ):
                raise ValueError(
                    f"Expected `{name}` to be a finite number. "
                    f"Received: {name}={value!r}"
                )
        if not std > 0:
            raise ValueError(f"Expected `std` > 0. Received: std={std!r}")
        self.mean = float(mean)
        self.std = float(std)
        self.supports_masking = True

    def build(self, input_shape):
        # Held in (non-trainable, float32) variables, not folded in as
        # constants: XLA and TF's graph optimiser rewrite a division by a
        # constant into a multiplication by its reciprocal, which is not
        # bit-identical to the NumPy standardisation.
        self._mean = self.add_weight(
            name="mean",
            shape=(),
            initializer=keras.initializers.Constant(self.mean),
            trainable=False,
            dtype="float32",
            autocast=False,
        )
        self._std = self.add_weight(
            name="std",
            shape=(),
            initializer=keras.initializers.Constant(self.std),
            trainable=False,
            dtype="float32",
            autocast=False,
        )

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        mean = ops.cast(self._mean, self.compute_dtype)
        std = ops.cast(self._std, self.compute_dtype)
        return ops.divide(ops.subtract(x, mean), std)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "mean": self.mean, "std": self.std}


def find_standardization(model):
    """The first `Standardization` layer of `model` (nested models
    included), or `None`."""
    stack = list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop(0)
        if isinstance(layer, Standardization):
            return layer
        stack[:0] = list(getattr(layer, "layers", []))
    return None
