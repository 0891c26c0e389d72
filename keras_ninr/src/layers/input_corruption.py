"""Corruption during training (CDT): paper Eq. 8 as a training-only layer.

The paper's CDT baseline (Sec. 3.2, Fig. 2) trains on inputs corrupted as
the test inputs are in Sec. 3.2.1: x -> sqrt(1 - sigma_noise^2) x +
sigma_noise delta, with delta ~ N(0, 1) per pixel, drawn afresh at every
step. The layer takes [0, 1] pixels: in a zoo network it sits between the
`Input` and the `Standardization` layer, so training and test inputs are
corrupted in the same space.
"""

import keras

from keras_ninr.src import noise
from keras_ninr.src.api_export import register
from keras_ninr.src.corruption import check_sigma_noise
from keras_ninr.src.corruption import check_space
from keras_ninr.src.corruption import check_standardization
from keras_ninr.src.corruption import corrupt_tensor


@register
class InputCorruption(keras.layers.Layer):
    """Corrupts its [0, 1] pixel inputs by Eq. 8, in training only.

    With `space="pixel"` (the default, matching how `keras_ninr.robustness`
    corrupts test images) Eq. 8 acts on the pixels themselves. With
    `space="standardized"` it acts on the standardised pixels
    `(x - mean) / std`, where it preserves their unit variance, and the
    result is mapped back to pixels for the model's `Standardization`
    layer. At inference the layer is the identity.

    Args:
        sigma_noise: Float in [0, 1], the corruption strength.
        mean: Optional float, the training pixel mean. Required with
            `space="standardized"`, unused with `"pixel"`. Given with
            `std` or not at all. Defaults to `None`.
        std: Optional positive float, the training pixel standard
            deviation; likewise. Defaults to `None`.
        space: `"pixel"` or `"standardized"`. Defaults to `"pixel"`.
        seed: Optional int. Defaults to `None`.
        **kwargs: Base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: [0, 1] pixels, any shape.
        training: Boolean; the inputs are corrupted only when `True`.

    Input shape: any.

    Output shape: same as the input.

    Example:

    >>> model = keras.Sequential([
    ...     keras.Input((28, 28)),
    ...     InputCorruption(0.4, seed=0),
    ...     keras_ninr.datasets.Standardization(mean, std), ...])

    References:
        - [Levi et al., Noise Injection Node Regularization for Robust
          Learning](https://arxiv.org/abs/2210.15764), Eq. 8.
    """

    def __init__(
        self,
        sigma_noise,
        mean=None,
        std=None,
        space="pixel",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.sigma_noise = check_sigma_noise(sigma_noise)
        self.space = check_space(space)
        self.mean, self.std = _check_statistics(mean, std, space)
        self.seed = noise.check_seed(seed)
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


def _check_statistics(mean, std, space):
    """`(mean, std)` as floats, or `(None, None)`, checked for `space`."""
    if mean is None and std is None:
        if space == "standardized":
            raise ValueError(
                "InputCorruption with space='standardized' needs the "
                "training pixel `mean` and `std` to standardise its pixel "
                f"inputs. Received: mean={mean!r}, std={std!r}"
            )
        return None, None
    return check_standardization(mean, std)
