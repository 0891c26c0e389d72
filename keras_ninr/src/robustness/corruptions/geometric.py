"""Geometric corruptions: shear, scale, rotate and translate.

Beyond the paper's Sec. 3.2: the affine transformations of MNIST-C, on
[0, 1] pixels. All use `warp_affine`, an inverse-mapped bilinear sampler
about the image centre, 0 outside the image, like `skimage.transform.warp`
in MNIST-C. Random signs (of angles and shifts) are drawn per image, as
MNIST-C draws them.
"""

import numpy as np

from keras_ninr.src.robustness.corruptions.common import corruption
from keras_ninr.src.robustness.corruptions.common import prepare_images

SHEAR_ANGLES = (0.2, 0.4, 0.6, 0.8, 1.0)
SCALE_FACTORS = (0.9, 0.8, 0.7, 0.6, 0.5)
ROTATE_ANGLES = (0.2, 0.4, 0.6, 0.8, 1.0)
TRANSLATE_PIXELS = (1, 2, 3, 4, 5)


def warp_affine(x, matrix, offset=None):
    """Affine transformation by inverse mapping, with bilinear sampling.

    Output pixel `p = (row, col)` takes the input's value at
    `matrix @ (p - center) + center + offset`, `center` being the image
    centre `((H - 1) / 2, (W - 1) / 2)`; values are interpolated bilinearly
    and are 0 outside the image. So `matrix` maps output to input: a matrix
    `s * identity` with `s > 1` shrinks the content by `s`.

    Args:
        x: Images of shape `(N, H, W)` or `(N, H, W, C)`, floats in [0, 1].
        matrix: A `(2, 2)` matrix in `(row, col)` coordinates for every
            image, or `(N, 2, 2)`, one per image.
        offset: Optional `(2,)` shift `(rows, cols)` of the sampling points,
            or `(N, 2)`. Defaults to `None` (no shift).

    Returns:
        The transformed images, the shape and dtype of `x`, in [0, 1].
    """
    images, finish = prepare_images(x)
    return finish(_warp(images, matrix, offset))


def rotation_matrix(angles):
    """Matrices for `warp_affine` that rotate by `angles` (radians).

    Args:
        angles: A float, or an array of shape `(N,)`.

    Returns:
        `(2, 2)` for a float, `(N, 2, 2)` for an array, in `(row, col)`
        coordinates. A quarter turn (`pi / 2`) turns a square image as
        `np.rot90(image)` (counterclockwise as displayed, row 0 on top).
    """
    angles = np.asarray(angles, dtype=np.float64)
    cos, sin = np.cos(angles), np.sin(angles)
    return np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)


@corruption(
    SHEAR_ANGLES,
    "the shear angle in radians is `SHEAR_ANGLES[severity - 1]`, its sign "
    "drawn per image",
    "the signs",
)
def shear(images, angle, rng):
    """Horizontal shear about the image centre, in a random direction.

    As MNIST-C's `skimage.transform.AffineTransform(shear=angle)`: the
    output takes the input at `col - sin(angle) * row`, `cos(angle) * row`
    (relative to the centre).
    """
    angles = angle * _random_signs(rng, len(images))
    matrices = np.zeros((len(images), 2, 2))
    matrices[:, 0, 0] = np.cos(angles)
    matrices[:, 1, 0] = -np.sin(angles)
    matrices[:, 1, 1] = 1.0
    return _warp(images, matrices)


@corruption(
    SCALE_FACTORS,
    "the content shrinks by the factor `SCALE_FACTORS[severity - 1]`, the "
    "border filled with 0",
)
def scale(images, factor, rng):
    """Zoom out about the image centre."""
    del rng  # Deterministic.
    return _warp(images, np.eye(2) / factor)


@corruption(
    ROTATE_ANGLES,
    "the angle in radians is `ROTATE_ANGLES[severity - 1]`, its sign drawn "
    "per image",
    "the signs",
)
def rotate(images, angle, rng):
    """Rotation about the image centre, in a random direction."""
    angles = angle * _random_signs(rng, len(images))
    return _warp(images, rotation_matrix(angles))


@corruption(
    TRANSLATE_PIXELS,
    "the shift along each axis is `TRANSLATE_PIXELS[severity - 1]` pixels, "
    "its two signs drawn per image. Content shifted out of the image is "
    "lost; 0 fills in",
    "the signs",
)
def translate(images, pixels, rng):
    """Shift by whole pixels along both axes, in random directions."""
    offsets = pixels * _random_signs(rng, (len(images), 2))
    return _warp(images, np.eye(2), offsets)


def _random_signs(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


def _warp(images, matrix, offset=None):
    """`warp_affine` on checked `(N, H, W, C)` working images."""
    n, height, width, _ = images.shape
    matrices = np.broadcast_to(np.asarray(matrix, dtype=np.float64), (n, 2, 2))
    if offset is None:
        offset = (0.0, 0.0)
    offsets = np.broadcast_to(np.asarray(offset, dtype=np.float64), (n, 2))
    center = np.array([(height - 1) / 2.0, (width - 1) / 2.0])
    rows = (np.arange(height) - center[0])[None, :, None]
    cols = (np.arange(width) - center[1])[None, None, :]
    m = matrices[:, :, :, None, None]
    source_rows = m[:, 0, 0] * rows + m[:, 0, 1] * cols
    source_rows += center[0] + offsets[:, 0, None, None]
    source_cols = m[:, 1, 0] * rows + m[:, 1, 1] * cols
    source_cols += center[1] + offsets[:, 1, None, None]
    return _bilinear_sample(images, source_rows, source_cols)


def _bilinear_sample(images, rows, cols):
    """Bilinear samples of `(N, H, W, C)` images at `(N, H', W')` points.

    Values outside the image are 0 and blend into the border pixels within
    one pixel of the edge.
    """
    n, height, width, channels = images.shape
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
    # Gathers by flat index into (N * rows * cols, C): much faster than
    # three broadcast index arrays.
    flat = padded.reshape(-1, channels)
    rows = np.clip(rows + 1.0, 0.0, height + 1.0)
    cols = np.clip(cols + 1.0, 0.0, width + 1.0)
    rows0 = np.floor(rows).astype(np.intp)
    cols0 = np.floor(cols).astype(np.intp)
    row_fraction = (rows - rows0)[..., None].astype(images.dtype)
    col_fraction = (cols - cols0)[..., None].astype(images.dtype)
    stride = width + 2
    base = np.arange(n).reshape(-1, 1, 1) * ((height + 2) * stride)
    top_left = base + rows0 * stride + cols0
    right = (cols0 < width + 1).astype(np.intp)
    down = (rows0 < height + 1).astype(np.intp) * stride

    def at(index):
        return np.take(flat, index, axis=0)

    top = at(top_left) * (1 - col_fraction)
    top += at(top_left + right) * col_fraction
    bottom = at(top_left + down) * (1 - col_fraction)
    bottom += at(top_left + down + right) * col_fraction
    return top * (1 - row_fraction) + bottom * row_fraction
