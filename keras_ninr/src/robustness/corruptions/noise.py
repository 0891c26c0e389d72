"""Noise corruptions: Gaussian, shot (Poisson) and impulse (salt and pepper).

Beyond the paper's Eq. 8 (Sec. 3.2.1), which mixes unit Gaussian noise
into the standardised inputs: these are the noises of MNIST-C and
ImageNet-C, on [0, 1] pixels and clipped. Unlike Eq. 8, `gaussian_noise`
adds noise to the pixels and clips (an ImageNet-C corruption with MNIST-C's
parameters, which MNIST-C's final set leaves out).
"""

import numpy as np

from keras_ninr.src.robustness.corruptions.common import corruption

GAUSSIAN_NOISE_STDDEVS = (0.08, 0.12, 0.18, 0.26, 0.38)
SHOT_NOISE_PHOTONS = (60, 25, 12, 5, 3)
IMPULSE_NOISE_AMOUNTS = (0.03, 0.06, 0.09, 0.17, 0.27)


@corruption(
    GAUSSIAN_NOISE_STDDEVS,
    "the noise standard deviation is `GAUSSIAN_NOISE_STDDEVS[severity - 1]`",
    "the noise",
)
def gaussian_noise(images, stddev, rng):
    """Additive Gaussian noise in pixel space, independent per value."""
    noise = rng.standard_normal(images.shape, dtype=images.dtype)
    return images + images.dtype.type(stddev) * noise


@corruption(
    SHOT_NOISE_PHOTONS,
    "fewer photons are noisier: `SHOT_NOISE_PHOTONS[severity - 1]`",
    "the noise",
)
def shot_noise(images, photons, rng):
    """Poisson (photon counting) noise: `Poisson(x * photons) / photons`."""
    counts = rng.poisson(images.astype(np.float64) * photons)
    return counts / photons


@corruption(
    IMPULSE_NOISE_AMOUNTS,
    "`amount` is `IMPULSE_NOISE_AMOUNTS[severity - 1]`",
    "the noise",
)
def impulse_noise(images, amount, rng):
    """Salt-and-pepper noise: a fraction of values set to 0 or 1.

    Each value is replaced with probability `amount`, by 1 or 0 with equal
    probability (`skimage.util.random_noise(mode="s&p")`). With one seed,
    the replaced values of a severity include those of lower severities.
    """
    replaced = rng.random(images.shape) < amount
    salt = rng.random(images.shape) < 0.5
    result = images.copy()
    result[replaced & salt] = 1.0
    result[replaced & ~salt] = 0.0
    return result
