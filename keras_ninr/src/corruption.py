"""Paper Eq. 8, the one home of the input corruption of Sec. 3.2.1.

    x -> sqrt(1 - sigma_noise**2) * x + sigma_noise * delta,  delta ~ N(0, 1)

per pixel. `corrupt` applies it to NumPy test inputs (the robustness
toolkit); `corrupt_tensor` to a batch of [0, 1] pixels inside a model,
noise from a `SeedGenerator` (the CDT layer `InputCorruption`, which sits
before a model's `Standardization` layer, and the replicas).

Eq. 8 keeps the variance of inputs of unit variance, which the paper's
standardised inputs have; the paper says only that it perturbs "each test
input image", not in which space. The two spaces give different
corruptions at the same `sigma_noise`. With `c = sqrt(1 - sigma_noise**2)`
and the training pixels' `mean` and `std`, Eq. 8 on the pixels `x`,
`x -> c * x + sigma_noise * delta`, is, on the standardised
`z = (x - mean) / std`,

    z -> c * z + (sigma_noise / std) * delta - (1 - c) * mean / std,

that is Eq. 8 in standardised space with noise `1 / std` times larger
(about 2.8x for Fashion-MNIST, `std` = 0.353) and a shift of the mean.
Conversely, Eq. 8 on `z` is, on the pixels,
`x -> c * x + (1 - c) * mean + sigma_noise * std * delta`. Both are offered:
`space="pixel"` corrupts the pixels, `space="standardized"` the
standardised pixels `(x - mean) / std`.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

SPACES = ("pixel", "standardized")


def check_sigma_noise(sigma_noise):
    """Return `sigma_noise` as a float, or raise if it is not in [0, 1]."""
    if (
        isinstance(sigma_noise, bool)
        or not isinstance(sigma_noise, numbers.Real)
        or not 0.0 <= float(sigma_noise) <= 1.0
    ):
        raise ValueError(
            "Expected `sigma_noise` to be a number in [0, 1] (Eq. 8 mixes "
            "sqrt(1 - sigma_noise**2) of the input with sigma_noise of "
            f"noise). Received: sigma_noise={sigma_noise!r}"
        )
    return float(sigma_noise)


def check_space(space):
    """Return `space`, or raise if it is not one of `SPACES`."""
    if space not in SPACES:
        raise ValueError(
            f"Unrecognized `space`. Expected one of {SPACES}. "
            f"Received: space={space!r}"
        )
    return space


def check_standardization(mean, std):
    """Return `(mean, std)` as floats, or raise unless they are finite
    numbers with `std > 0` (the statistics of a standardisation)."""
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
    return float(mean), float(std)


def corrupt(x, sigma_noise, seed=None):
    """Corrupt inputs with Gaussian noise as in paper Eq. 8.

    `x -> sqrt(1 - sigma_noise**2) * x + sigma_noise * delta`, one
    `delta ~ N(0, 1)` per element. This preserves the variance of inputs
    whose variance is 1 (standardised inputs).

    Args:
        x: NumPy array (or array-like) of inputs, any shape.
        sigma_noise: Float in [0, 1], the corruption strength; 0 returns the
            inputs unchanged, 1 pure noise.
        seed: Optional int, or a `np.random.Generator`, for the noise. The
            same int gives the same corruption. Defaults to `None`
            (unseeded). The same seed and dtype give the same noise.

    Returns:
        The corrupted inputs: a new array of `x`'s floating dtype, float32
        for integer inputs.
    """
    sigma_noise = check_sigma_noise(sigma_noise)
    x = np.asarray(x)
    dtype = (
        x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    )
    x = x.astype(dtype, copy=True)
    if sigma_noise == 0.0:
        return x
    rng = np.random.default_rng(seed)
    delta = rng.standard_normal(x.shape, dtype=dtype)
    x *= dtype.type(math.sqrt(1.0 - sigma_noise**2))
    x += dtype.type(sigma_noise) * delta
    return x


def corrupt_tensor(
    inputs, sigma_noise, mean, std, space, seed_generator, dtype
):
    """Eq. 8 on a batch of [0, 1] pixels, noise from `seed_generator`.

    Args:
        inputs: A tensor of pixels (before the model's standardisation).
        sigma_noise: Float in [0, 1], the corruption strength.
        mean, std: The training pixel statistics; used only with
            `space="standardized"` (may be `None` otherwise).
        space: `"pixel"`: Eq. 8 on `inputs`. `"standardized"`: on
            `(inputs - mean) / std`, the result mapped back to pixels.
        seed_generator: The `keras.random.SeedGenerator` of the noise.
        dtype: The dtype of the noise.

    Returns:
        The corrupted pixels, a tensor of the shape of `inputs`.
    """
    if sigma_noise == 0:
        return inputs
    x = inputs
    if space == "standardized":
        x = (x - mean) / std
    delta = keras.random.normal(ops.shape(x), dtype=dtype, seed=seed_generator)
    x = math.sqrt(1.0 - sigma_noise**2) * x + sigma_noise * delta
    if space == "standardized":
        x = x * std + mean
    return x
