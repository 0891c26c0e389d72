"""App. A's initialisation, the one definition the layers and the zoo share.

App. A: "θ, W_NI ~ N(0, 1/d_ℓ), N(0, 1/d_ℓNI)": every data weight and every
noise injection weight (NIW) is drawn from a centred normal of variance one
over the fan-in d. Which fan-in is the reading:

- A layer carrying a NIN (`NoiseInjectionDense`, `NoiseInjectionPixel`,
  `NoiseInjectionEinsumDense`) counts the NIN as one more input, for its
  kernel and its NIW alike: d = input_dim + 1. Fig. 3 counts it so: "d_in
  = 785 is the dimension of the input data including a single NIN".
- The paper's networks (`keras_ninr.experiments.zoo`) draw every kernel
  with the data fan-in d = input_dim, with no NIN, and the NINR methods
  start from these same kernels (a NIN is added to the plain network
  later): one seed gives every method of a comparison the same start, and
  adding a NIN of near-zero weight does not rescale the data weights.

Both are `FanInNormal`: without `fan_in` it counts the fan-in of the
weight's own shape, as Keras's `VarianceScaling(1.0, "fan_in",
"untruncated_normal")` does (and draws bit-identically to it); with
`fan_in=input_dim + 1` it counts the NIN.
"""

import math
import numbers

import keras

from keras_ninr.src.api_export import register


def shape_fan_in(shape):
    """The fan-in of a weight of `shape`, as Keras's initializers count it.

    The first axis of a Dense kernel `(input_dim, units)`; for a
    convolution kernel `(*kernel_size, channels_in, filters)`, the kernel
    size times the input channels (every axis but the last).
    """
    shape = tuple(shape)
    if len(shape) < 1:
        return 1
    if len(shape) <= 2:
        return shape[0]
    return math.prod(shape[:-1])


@register
class FanInNormal(keras.initializers.RandomNormal):
    """App. A's N(0, 1/d), d the fan-in (see the module docstring).

    Args:
        fan_in: Optional positive int, the fan-in d. Defaults to `None`:
            the fan-in of the weight's shape (`shape_fan_in`), the data
            inputs without a NIN; the NIN layers pass `input_dim + 1`.
        seed: Optional int or `keras.random.SeedGenerator`, as for
            `keras.initializers.RandomNormal`. Defaults to `None`.

    Example:

    >>> kernel = FanInNormal(seed=0)((784, 1024))      # std 1/sqrt(784)
    >>> niw = FanInNormal(fan_in=785, seed=1)((1024,))  # std 1/sqrt(785)
    """

    def __init__(self, fan_in=None, seed=None):
        if fan_in is not None and (
            isinstance(fan_in, bool)
            or not isinstance(fan_in, numbers.Integral)
            or fan_in < 1
        ):
            raise ValueError(
                "Expected `fan_in` to be a positive integer or None. "
                f"Received: fan_in={fan_in!r}"
            )
        self.fan_in = None if fan_in is None else int(fan_in)
        super().__init__(mean=0.0, stddev=None, seed=seed)

    def __call__(self, shape, dtype=None):
        fan_in = self.fan_in if self.fan_in is not None else shape_fan_in(shape)
        # `sqrt(1 / d)` computed as VarianceScaling computes it, so the
        # zoo's kernels are the ones it drew before this class existed.
        stddev = math.sqrt(1.0 / max(1.0, fan_in))
        return keras.random.normal(
            shape, mean=0.0, stddev=stddev, dtype=dtype, seed=self.seed
        )

    def get_config(self):
        seed = super().get_config()["seed"]
        return {"fan_in": self.fan_in, "seed": seed}
