"""The frame every common corruption shares (beyond the paper's Sec. 3.2).

A corruption is a function `name(x, severity, seed=0)` on a batch of [0, 1]
pixel images, `(N, H, W)` or `(N, H, W, C)`, returning a new array of the
same shape and dtype, clipped to [0, 1]. The `corruption` decorator builds
one from a transform of checked working images, so that the checks, the
random generator, the clipping and the documentation of the arguments are
written once.
"""

import numbers
import textwrap

import numpy as np

SEVERITIES = (1, 2, 3, 4, 5)


def check_severity(severity):
    """Return `severity` as an int, or raise if it is not 1, 2, 3, 4 or 5."""
    if (
        isinstance(severity, bool)
        or not isinstance(severity, numbers.Integral)
        or int(severity) not in SEVERITIES
    ):
        raise ValueError(
            "Expected `severity` to be an integer from 1 to 5. "
            f"Received: severity={severity!r}"
        )
    return int(severity)


def check_images(x):
    """Return `x` as a float array after checking shape and [0, 1] range."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            "Expected `x` to be floating-point images in [0, 1] (scale 0-255 "
            "images with `keras_ninr.datasets.scale_pixels`). Received: x of "
            f"dtype {x.dtype}"
        )
    if x.ndim not in (3, 4):
        raise ValueError(
            "Expected `x` to be a batch of images of shape (N, H, W) or "
            f"(N, H, W, C). Received: x of shape {x.shape}"
        )
    if x.size and not (np.all(x >= 0.0) and np.all(x <= 1.0)):
        finite = x[np.isfinite(x)]
        low = float(finite.min()) if finite.size else float("nan")
        high = float(finite.max()) if finite.size else float("nan")
        raise ValueError(
            "Expected `x` to hold pixel values in [0, 1]. Received: x with "
            f"values in [{low}, {high}]"
            + (" and NaN or infinite values" if finite.size < x.size else "")
        )
    return x


def prepare_images(x):
    """Checked `x` as `(N, H, W, C)` working floats, and `finish`.

    The working floats are float64 for float64 images, else float32 (so
    float16 images are not corrupted in half precision). `finish(result)`
    clips to [0, 1] and restores the caller's shape and dtype.
    """
    x = check_images(x)
    work_dtype = np.float64 if x.dtype == np.float64 else np.float32
    images = x.astype(work_dtype)
    if x.ndim == 3:
        images = images[..., None]

    def finish(result):
        result = np.clip(result, 0.0, 1.0).astype(x.dtype, copy=False)
        return result.reshape(x.shape)

    return images, finish


_ARGUMENTS_DOC = """

    Args:
        x: Images of shape `(N, H, W)` or `(N, H, W, C)`, floats in [0, 1].
{severity}
{seed}

    Returns:
        The corrupted images, the shape and dtype of `x`, in [0, 1].
    """


def corruption(parameters, severity_doc, random_doc=None):
    """Turn `transform(images, parameter, rng)` into a corruption.

    The corruption `(x, severity, seed=0)` checks `severity` and `x`, calls
    `transform` on the `(N, H, W, C)` working floats of `prepare_images`
    with `parameters[severity - 1]` and `np.random.default_rng(seed)`, and
    clips the result to [0, 1] in the shape and dtype of `x`. Its docstring
    is the transform's, followed by the arguments.

    Args:
        parameters: The five parameters, one per severity.
        severity_doc: What the severity selects, for the docstring, e.g.
            "the angle in radians is `ROTATE_ANGLES[severity - 1]`".
        random_doc: What the random generator draws (e.g. "the noise"), for
            the docstring; `None` for a deterministic corruption, whose seed
            is unused.
    """

    def decorate(transform):
        def corrupt(x, severity, seed=0):
            severity = check_severity(severity)
            images, finish = prepare_images(x)
            rng = np.random.default_rng(seed)
            return finish(transform(images, parameters[severity - 1], rng))

        if random_doc is None:
            seed = "Unused: the corruption is deterministic."
        else:
            seed = f"Int or `np.random.Generator` for {random_doc}."
        corrupt.__name__ = transform.__name__
        corrupt.__qualname__ = transform.__qualname__
        corrupt.__module__ = transform.__module__
        corrupt.__doc__ = transform.__doc__.rstrip() + _ARGUMENTS_DOC.format(
            severity=_argument_doc(f"severity: Int from 1 to 5; {severity_doc}."),
            seed=_argument_doc(f"seed: {seed} Defaults to `0`."),
        )
        return corrupt

    return decorate


def _argument_doc(text):
    """One `Args:` entry of a docstring, wrapped as the others are."""
    return textwrap.fill(
        text, width=76, initial_indent=" " * 8, subsequent_indent=" " * 12
    )
