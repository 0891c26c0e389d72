"""Robustness to random input corruption (paper Sec. 3.2.1, Eq. 8).

Each test input is corrupted as

    x -> sqrt(1 - sigma_noise**2) * x + sigma_noise * delta,

with `delta` drawn from N(0, 1) independently for every pixel. For inputs of
unit variance the corrupted inputs keep unit variance, and `sigma_noise` runs
from 0 (clean) to 1 (pure noise). The model is evaluated noise-free
(`model.predict`: no NIN noise) on the corrupted inputs.
"""

import math
import numbers

import numpy as np

from keras_ninr.src import datasets
from keras_ninr.src.datasets import scale_pixels

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


def domain_shift_accuracy(
    model, mean, std, data_dir=None, variant="lecun", split="test"
):
    """Accuracy of an MNIST-trained model on USPS (Sec. 3.2.2, Table 1).

    USPS digits are brought to MNIST's format (`variant="lecun"`: fitted to
    a 20x20 box keeping their aspect ratio, centred by centre of mass in
    28x28; see `keras_ninr.datasets.usps_to_mnist_format` for the other
    variants) and standardised with the *MNIST* training statistics.

    Args:
        model: A Keras model trained on standardised MNIST.
        mean, std: The MNIST training pixel mean and standard deviation (from
            `keras_ninr.datasets.standardize`).
        data_dir: Where to find `usps/` (see `keras_ninr.datasets.load`).
        variant: USPS processing. Defaults to `"lecun"`.
        split: USPS split, `"test"` (the paper's) or `"train"`.

    Returns:
        The accuracy, a Python float.
    """
    x, y = datasets.load_usps_as_mnist(
        data_dir=data_dir, split=split, variant=variant
    )
    return corrupted_accuracy(model, x, y, 0.0, mean=mean, std=std)
