"""Robustness to random input corruption (paper Sec. 3.2.1, Eq. 8).

Each test input is corrupted as

    x -> sqrt(1 - sigma_noise**2) * x + sigma_noise * delta,

with `delta` drawn from N(0, 1) independently for every pixel. For inputs of
unit variance the corrupted inputs keep unit variance, and `sigma_noise` runs
from 0 (clean) to 1 (pure noise). The model is evaluated noise-free
(`model.predict`: no NIN noise) on the corrupted inputs.
"""

import numpy as np

from keras_ninr.src.corruption import SPACES
from keras_ninr.src.corruption import check_sigma_noise
from keras_ninr.src.corruption import corrupt
from keras_ninr.src.datasets.loaders import scale_pixels

def corrupted_accuracy(
    model,
    x_pixels,
    y,
    sigma_noise,
    mean=None,
    std=None,
    seed=0,
    space="pixel",
    batch_size=1024,
):
    """Accuracy of `model` on inputs corrupted by Eq. 8.

    Inference is noise-free (`model.predict`); the prediction is the argmax
    of the model's outputs (logits or probabilities).

    Args:
        model: A Keras model taking standardised inputs.
        x_pixels: Test inputs. With `space="pixel"`: pixel images, `uint8`
            (0-255) or floats in [0, 1]. With `space="standardized"`:
            inputs already standardised.
        y: Integer labels, shape `(N,)` (or one-hot, shape `(N, classes)`).
        sigma_noise: Float in [0, 1], the corruption strength of Eq. 8.
        mean: Training mean of the [0, 1] pixels (from
            `keras_ninr.datasets.standardize`). Needed for `space="pixel"`.
            Defaults to `None`.
        std: Training standard deviation of the [0, 1] pixels, likewise.
            Defaults to `None`.
        seed: Int or `np.random.Generator` for the corruption noise; the
            same seed gives the same corrupted set, so models can be compared
            on identical inputs. Defaults to `0`.
        space: Where Eq. 8 is applied. `"pixel"`: to the [0, 1] pixels, which
            are then standardised with `mean` and `std`. `"standardized"`: to
            the standardised inputs directly, where it keeps unit variance.
            Defaults to `"pixel"`.
        batch_size: Batch size of `model.predict`. Defaults to `1024`.

    Returns:
        The accuracy, a Python float in [0, 1].
    """
    sigma_noise = check_sigma_noise(sigma_noise)
    if space == "pixel":
        if mean is None or std is None:
            raise ValueError(
                "`corrupted_accuracy` with space='pixel' needs the training "
                "`mean` and `std` (from `keras_ninr.datasets.standardize`) "
                "to standardise the corrupted pixels. Received: "
                f"mean={mean!r}, std={std!r}"
            )
        if not std > 0:
            raise ValueError(f"Expected `std` > 0. Received: std={std!r}")
        x = corrupt(scale_pixels(x_pixels), sigma_noise, seed=seed)
        x = (x - np.float32(mean)) / np.float32(std)
    elif space == "standardized":
        x = corrupt(x_pixels, sigma_noise, seed=seed)
    else:
        raise ValueError(
            f"Unrecognized `space`. Expected one of {SPACES}. "
            f"Received: space={space!r}"
        )
    labels = np.asarray(y)
    if labels.ndim == 2:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(-1)
    if len(labels) != len(x):
        raise ValueError(
            f"Expected as many labels as inputs. Received: {len(x)} inputs "
            f"and {len(labels)} labels"
        )
    outputs = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    predictions = outputs.argmax(axis=-1)
    return float(np.mean(predictions == labels))


DEFAULT_SIGMAS = tuple(round(0.1 * i, 1) for i in range(11))


def corruption_curve(
    model,
    x_pixels,
    y,
    mean=None,
    std=None,
    sigmas=DEFAULT_SIGMAS,
    seed=0,
    space="pixel",
    batch_size=1024,
):
    """Accuracy against sigma_noise (the curves of Fig. 2).

    Args:
        model, x_pixels, y, mean, std, space, batch_size: As in
            `corrupted_accuracy`.
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
            model,
            x_pixels,
            y,
            sigma,
            mean=mean,
            std=std,
            seed=seed,
            space=space,
            batch_size=batch_size,
        )
        for sigma in sigmas
    }
