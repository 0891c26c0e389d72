"""The paper's preprocessing: global standardisation (Sec. 3).

"We preprocess the data by subtracting the mean and dividing by the variance
of the training data": one scalar mean and one scalar spread over all
training pixels. The package divides by the standard deviation (dividing by
the variance would give inputs of variance 1/variance, not the unit variance
Eq. 8 is built to preserve); see the docs' list of choices.

`scale_pixels` brings images to [0, 1] floats, the inputs every model of the
package takes; `standardize` computes the statistics (and standardises
arrays) in NumPy; the `Standardization` layer applies them inside a model.
As the first layer of a model, the standardisation travels with it: a saved
`.keras` model takes [0, 1] pixels and needs nothing else remembered, and
every evaluation (corruption, attacks, domain shift) speaks pixels.
"""

import math

import numpy as np

# Re-exported: the layer is the add-on's (so `import keras_ninr` registers
# it for loading saved models); the preprocessing speaks of it here.
from keras_ninr.src.layers.standardization import Standardization  # noqa: F401
from keras_ninr.src.layers.standardization import (  # noqa: F401
    find_standardization,
)


def scale_pixels(x):
    """Pixel images as float32 in [0, 1].

    Args:
        x: `uint8` images (0-255), divided by 255; or floating-point images
            already in [0, 1], only cast to float32.

    Returns:
        A float32 NumPy array of the same shape.
    """
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return x.astype(np.float32) / np.float32(255.0)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            "Expected pixel images as uint8 (0-255) or floats in [0, 1]. "
            f"Received: an array of dtype {x.dtype}"
        )
    if x.size and (np.nanmin(x) < 0.0 or np.nanmax(x) > 1.0):
        raise ValueError(
            "Expected floating-point pixel images in [0, 1] (divide 0-255 "
            "images by 255, or pass them as uint8). Received: values in "
            f"[{float(np.nanmin(x))}, {float(np.nanmax(x))}]"
        )
    return x.astype(np.float32)


def pixel_statistics(x_train):
    """The training set's scalar pixel mean and standard deviation (Sec. 3).

    What a zoo network's `Standardization` layer needs, without making a
    standardised copy of the images (the models standardise their own
    [0, 1] pixel inputs).

    Args:
        x_train: Training images, `uint8` (0-255) or floats in [0, 1].

    Returns:
        `(mean, std)` as Python floats on the [0, 1] pixel scale.
    """
    mean, std = _mean_and_std(scale_pixels(x_train))
    if std == 0.0:
        raise ValueError(
            "Cannot standardise: every pixel of `x_train` has the same value "
            f"({mean})."
        )
    return mean, std


def standardize(x_train, x_test=None):
    """The paper's preprocessing: scale to [0, 1], then standardise.

    Both sets are shifted by the mean and divided by the standard deviation
    of `x_train`, one scalar each over all pixels (Sec. 3). The statistics
    come from the training set only. Models of the package standardise their
    own [0, 1] pixel input with the `Standardization` layer, built from the
    `(mean, std)` returned here; the standardised arrays are what that layer
    computes, bit for bit.

    Args:
        x_train: Training images, `uint8` (0-255) or floats in [0, 1].
        x_test: Optional test images, the same. Defaults to `None`.

    Returns:
        `(x_train, x_test), (mean, std)`: float32 arrays (`x_test` is `None`
        if not given) and the training mean and standard deviation as Python
        floats, in units of the [0, 1] pixel scale, so that
        `(pixels - mean) / std` standardises other images the same way.
    """
    x_train = scale_pixels(x_train)
    mean, std = pixel_statistics(x_train)
    x_train = _apply_standardization(x_train, mean, std)
    if x_test is not None:
        x_test = _apply_standardization(scale_pixels(x_test), mean, std)
    return (x_train, x_test), (mean, std)


def _apply_standardization(x, mean, std):
    # Float32 subtraction, then division: what `Standardization` computes.
    return (x - np.float32(mean)) / np.float32(std)


def _mean_and_std(x, chunk_size=8192):
    # Float64 accumulation in chunks: exact enough and no float64 copy of the
    # whole training set.
    flat = x.reshape(len(x), -1) if x.ndim > 1 else x.reshape(-1, 1)
    count = flat.size
    total = sum(
        float(np.sum(flat[i : i + chunk_size], dtype=np.float64))
        for i in range(0, len(flat), chunk_size)
    )
    mean = total / count
    squares = sum(
        float(
            np.sum(np.square(flat[i : i + chunk_size] - mean, dtype=np.float64))
        )
        for i in range(0, len(flat), chunk_size)
    )
    return mean, math.sqrt(squares / count)


