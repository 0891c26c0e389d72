"""Corruption during training (CDT): paper Eq. 8 as a training-only layer.

The paper's CDT baseline trains on inputs corrupted as the test inputs are
in Sec. 3.2.1: x -> sqrt(1 - sigma_noise^2) x + sigma_noise delta, with
delta ~ N(0, 1) per pixel, drawn afresh at every step.
"""

import keras

from keras_ninr.src.api_export import register
from keras_ninr.src.corruption import SPACES
from keras_ninr.src.corruption import check_sigma_noise
from keras_ninr.src.corruption import corrupt_tensor


@register
class InputCorruption(keras.layers.Layer):
    """Corrupts its (standardised) inputs by Eq. 8, in training only.

    The model sees standardised inputs `(x_pixel - mean) / std`. With
    `space="pixel"` (the default, matching how `keras_ninr.robustness`
    corrupts test images), the layer maps its inputs back to pixels,
    applies Eq. 8 there and standardises again; with `space="standardized"`
    it applies Eq. 8 to its inputs directly (which preserves their unit
    variance). At inference it is the identity.

    Args:
        sigma_noise: Float in [0, 1], the corruption strength.
        mean: Float, the training pixel mean used to standardise. Defaults
            to `0.0`.
        std: Positive float, the training pixel standard deviation. Defaults
            to `1.0`.
        space: `"pixel"` or `"standardized"`. Defaults to `"pixel"`.
        seed: Optional int. Defaults to `None`.
    """

    def __init__(
        self, sigma_noise, mean=0.0, std=1.0, space="pixel", seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.sigma_noise = check_sigma_noise(sigma_noise)
        if space not in SPACES:
            raise ValueError(
                f"Unrecognized `space`. Expected one of {SPACES}. "
                f"Received: space={space!r}"
            )
        if not (isinstance(std, (int, float)) and std > 0):
            raise ValueError(
                f"Expected `std` to be a positive number. Received: std={std!r}"
            )
        self.mean = float(mean)
        self.std = float(std)
        self.space = space
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training:
            return inputs
        return corrupt_tensor(
            inputs,
            self.sigma_noise,
            self.mean,
            self.std,
            self.space,
            self.seed_generator,
            self.compute_dtype,
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        base_config = super().get_config()
        config = {
            "sigma_noise": self.sigma_noise,
            "mean": self.mean,
            "std": self.std,
            "space": self.space,
            "seed": self.seed,
        }
        return {**base_config, **config}
