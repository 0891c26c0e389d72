"""Robustness to random input corruption (paper Sec. 3.2.1, Eq. 8, Fig. 2).

Each test input is corrupted as

    x -> sqrt(1 - sigma_noise**2) * x + sigma_noise * delta,

with `delta` drawn from N(0, 1) independently for every pixel, and
`sigma_noise` running from 0 (clean) to 1 (pure noise). The model takes
[0, 1] pixels (a zoo network standardises them in its first layer) and is
evaluated noise-free (`model.predict`: no NIN noise) on the corrupted
pixels. Eq. 8 acts on the pixels (`space="pixel"`, as the package's
results do) or on the standardised pixels, where it keeps their unit
variance (`space="standardized"`; the statistics then come from the
model's `Standardization` layer).
"""

import numpy as np

from keras_ninr.src.corruption import check_sigma_noise
from keras_ninr.src.corruption import check_space
from keras_ninr.src.corruption import corrupt
from keras_ninr.src.datasets.loaders import scale_pixels
from keras_ninr.src.datasets.preprocessing import find_standardization
from keras_ninr.src.robustness.evaluation import accuracy
from keras_ninr.src.robustness.evaluation import check_labels

DEFAULT_SIGMAS = tuple(round(0.1 * i, 1) for i in range(11))


def corrupted_accuracy(
    model, x, y, sigma_noise, seed=0, space="pixel", batch_size=1024
):
    """Accuracy of `model` on inputs corrupted by Eq. 8.

    Inference is noise-free (`model.predict`); the prediction is the argmax
    of the model's outputs (logits or probabilities).

    Args:
        model: A Keras model taking [0, 1] pixels (for the zoo's networks,
            through their `Standardization` layer).
        x: Test images, `uint8` (0-255) or floats in [0, 1].
        y: Integer labels, shape `(N,)` (or one-hot, shape `(N, classes)`).
        sigma_noise: Float in [0, 1], the corruption strength of Eq. 8.
        seed: Int or `np.random.Generator` for the corruption noise; the
            same seed gives the same corrupted set, so models can be compared
            on identical inputs. Defaults to `0`.
        space: Where Eq. 8 is applied. `"pixel"`: to the [0, 1] pixels.
            `"standardized"`: to `(x - mean) / std`, with the mean and
            standard deviation of the model's `Standardization` layer, where
            it keeps unit variance; the result is mapped back to pixels for
            the model. Defaults to `"pixel"`.
        batch_size: Batch size of `model.predict`. Defaults to `1024`.

    Returns:
        The accuracy, a Python float in [0, 1].
    """
    sigma_noise = check_sigma_noise(sigma_noise)
    check_space(space)
    pixels = scale_pixels(x)
    labels = check_labels(y, len(pixels))
    if space == "pixel":
        corrupted = corrupt(pixels, sigma_noise, seed=seed)
    else:
        mean, std = _statistics(model)
        standardized = corrupt((pixels - mean) / std, sigma_noise, seed=seed)
        corrupted = standardized * std + mean
    return accuracy(model, corrupted, labels, batch_size)


def corruption_curve(
    model, x, y, sigmas=DEFAULT_SIGMAS, seed=0, space="pixel", batch_size=1024
):
    """Accuracy against sigma_noise (the curves of Fig. 2).

    Args:
        model, x, y, space, batch_size: As in `corrupted_accuracy`.
        sigmas: The sigma_noise values, each in [0, 1]. Defaults to
            0, 0.1, ..., 1.
        seed: Int: the corruption at each sigma uses `seed`, so every model
            evaluated with the same seed sees the same noise `delta` (only
            its weight changes along the curve). Defaults to `0`.

    Returns:
        A dict `{sigma_noise: accuracy}`, in the order of `sigmas`.
    """
    sigmas = [check_sigma_noise(sigma) for sigma in sigmas]
    return {
        sigma: corrupted_accuracy(
            model, x, y, sigma, seed=seed, space=space, batch_size=batch_size
        )
        for sigma in sigmas
    }


def _statistics(model):
    """The float32 mean and std of `model`'s `Standardization` layer."""
    layer = find_standardization(model)
    if layer is None:
        name = getattr(model, "name", type(model).__name__)
        raise ValueError(
            "space='standardized' corrupts the standardised pixels, with the "
            "mean and std of the model's `keras_ninr.datasets.Standardization` "
            f"layer, but the model {name!r} has no such layer. Use "
            "space='pixel', or start the model with `Standardization(mean, "
            "std)`."
        )
    # float32, as `keras_ninr.datasets.standardize` standardises.
    return np.float32(layer.mean), np.float32(layer.std)
