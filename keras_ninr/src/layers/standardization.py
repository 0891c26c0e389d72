"""`Standardization`: the paper's global standardisation as a model's first
layer (Sec. 3; the statistics come from `keras_ninr.datasets.standardize`).

It lives in the add-on, not beside the loaders, so that `import keras_ninr`
registers it and a saved model that starts with it loads anywhere.
"""

import keras
from keras import ops

from keras_ninr.src.api_export import register
from keras_ninr.src.corruption import check_standardization


@register
class Standardization(keras.layers.Layer):
    """`(x - mean) / std` with the training set's scalar statistics.

    Computes exactly what `standardize` computes in NumPy (float32
    subtraction, then division), so a model that starts with this layer and
    is fed [0, 1] pixels sees the same inputs as one fed standardised
    arrays.

    Args:
        mean: Float, the mean of the [0, 1] training pixels.
        std: Positive float, their standard deviation.
        **kwargs: Base layer arguments (`name`, `dtype`, ...).

    Input shape: any; [0, 1] pixels (floats).

    Output shape: same as the input.

    Example:

    >>> mean, std = keras_ninr.datasets.pixel_statistics(x_train)
    >>> model = keras.Sequential([
    ...     keras.Input((28, 28)), Standardization(mean, std), ...])
    """

    def __init__(self, mean, std, **kwargs):
        super().__init__(**kwargs)
        self.mean, self.std = check_standardization(mean, std)
        self.supports_masking = True

    def build(self, input_shape):
        # Held in (non-trainable, float32) variables, not folded in as
        # constants: XLA and TF's graph optimiser rewrite a division by a
        # constant into a multiplication by its reciprocal, which is not
        # bit-identical to the NumPy standardisation (see `call`).
        self._mean, self._std = (
            self.add_weight(
                name=name,
                shape=(),
                initializer=keras.initializers.Constant(value),
                trainable=False,
                dtype="float32",
                autocast=False,
            )
            for name, value in (("mean", self.mean), ("std", self.std))
        )

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        mean = ops.cast(self._mean, self.compute_dtype)
        # XLA (JAX, TF with jit_compile) also rewrites a division by a
        # broadcast scalar into a multiplication by its reciprocal, off by
        # one unit in the last place for about 3% of the pixels. `std + 0 *
        # x` is a full tensor XLA cannot fold back (0 * x is NaN for NaN or
        # infinite x), and equals `std` for every finite pixel.
        std = ops.add(
            ops.cast(self._std, self.compute_dtype), ops.multiply(x, 0.0)
        )
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
