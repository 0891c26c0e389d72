"""Blur corruptions: Gaussian, glass (frosted) and motion blur.

Beyond the paper's Sec. 3.2: blurs of MNIST-C and ImageNet-C, on [0, 1]
pixels, with NumPy alone.

- Gaussian blurs are separable: one matrix product per axis, edge pixels
  repeated, truncated at 4 standard deviations, like
  `skimage.filters.gaussian` (`gaussian_filter`, also used by `spatter`).
  Severities 4 and 5 of `gaussian_blur` (4 and 6 pixels) blur a 28x28
  MNIST digit into a blob; it is an ImageNet-C corruption with MNIST-C's
  parameters that MNIST-C's final set leaves out.
- `glass_blur` truncates the first blur to 8 bits before the swaps, as
  MNIST-C's `np.uint8(gaussian(x) * 255)` does (so it darkens by up to
  1/255).
- `motion_blur` follows ImageMagick's `MotionBlurImage`, which MNIST-C
  calls: a one-sided Gaussian trail of `2 * radius + 1` taps at whole-pixel
  offsets, edge pixels repeated beyond the border.
"""

import numpy as np

from keras_ninr.src.robustness.corruptions.common import corruption

GAUSSIAN_BLUR_STDDEVS = (1.0, 2.0, 3.0, 4.0, 6.0)
# (blur stddev, largest swap distance, swap passes).
GLASS_BLUR_PARAMETERS = (
    (0.7, 1, 2),
    (0.9, 2, 1),
    (1.0, 2, 3),
    (1.1, 3, 2),
    (1.5, 4, 2),
)
# (kernel radius, kernel stddev), in pixels; angle drawn in [-45, 45] deg.
MOTION_BLUR_PARAMETERS = ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15))


@corruption(
    GAUSSIAN_BLUR_STDDEVS,
    "the blur standard deviation in pixels is "
    "`GAUSSIAN_BLUR_STDDEVS[severity - 1]`",
)
def gaussian_blur(images, stddev, rng):
    """Gaussian blur."""
    del rng  # Deterministic.
    return gaussian_filter(images, stddev)


@corruption(
    GLASS_BLUR_PARAMETERS,
    "`(blur stddev, distance, passes)` is "
    "`GLASS_BLUR_PARAMETERS[severity - 1]`",
    "the swaps",
)
def glass_blur(images, parameters, rng):
    """Blur, shuffle pixels locally, blur again (frosted glass).

    The first blur is truncated to 8 bits (`floor(255 x) / 255`), as in
    MNIST-C.

    Each pass visits the pixels from the bottom right to the top left and,
    with probability 1/2, swaps a pixel with one up to `distance` pixels
    away; swaps are sequential, so a pixel can travel further.
    """
    stddev, distance, passes = parameters
    # MNIST-C's 8-bit truncation between the blurs; the 1e-3 keeps a blurred
    # 1.0 that float rounding left at 0.99999994 at 255.
    result = np.floor(gaussian_filter(images, stddev) * 255.0 + 1e-3) / 255.0
    result = result.astype(images.dtype)
    n, height, width, _ = images.shape
    rows = range(height - distance, distance, -1)
    cols = range(width - distance, distance, -1)
    batch = np.arange(n)
    positions = len(rows) * len(cols)
    for _ in range(passes):
        # One draw per image and position; a swap that is not made is a swap
        # with itself, so every position costs the same array operations.
        swap = rng.random((positions, n)) < 0.5
        shifts = rng.integers(-distance, distance, size=(positions, n, 2))
        shifts *= swap[..., None]
        index = 0
        for row in rows:
            for col in cols:
                other_rows = row + shifts[index, :, 0]
                other_cols = col + shifts[index, :, 1]
                here = result[batch, row, col]
                result[batch, row, col] = result[batch, other_rows, other_cols]
                result[batch, other_rows, other_cols] = here
                index += 1
    return gaussian_filter(result, stddev)


@corruption(
    MOTION_BLUR_PARAMETERS,
    "`(radius, stddev)` is `MOTION_BLUR_PARAMETERS[severity - 1]`",
    "the angles",
)
def motion_blur(images, parameters, rng):
    """Blur along a random direction, a one-sided Gaussian trail.

    As ImageMagick's `MotionBlurImage`: `2 * radius + 1` taps with weights
    `exp(-i**2 / (2 * stddev**2))` (normalised) at whole-pixel offsets
    `round(i * (cos(angle), sin(angle)))`, `angle` drawn uniformly in
    [-45, 45] degrees per image, edge pixels repeated beyond the border.
    """
    radius, stddev = parameters
    n, height, width, _ = images.shape
    angles = np.deg2rad(rng.uniform(-45.0, 45.0, size=n))
    taps = np.arange(2 * radius + 1)
    weights = np.exp(-(taps**2) / (2.0 * stddev**2))
    weights /= weights.sum()
    flat = images.reshape(n * height * width, -1)
    base = np.arange(n)[:, None, None] * (height * width)
    rows = np.arange(height)[None, :, None]
    cols = np.arange(width)[None, None, :]
    result = np.zeros_like(images)
    for tap, weight in zip(taps, weights):
        # ceil(v - 0.5) rounds as ImageMagick does.
        row_shift = np.ceil(tap * np.sin(angles) - 0.5).astype(np.intp)
        col_shift = np.ceil(tap * np.cos(angles) - 0.5).astype(np.intp)
        source_rows = np.clip(rows + row_shift[:, None, None], 0, height - 1)
        source_cols = np.clip(cols + col_shift[:, None, None], 0, width - 1)
        index = base + source_rows * width + source_cols
        result += images.dtype.type(weight) * np.take(flat, index, axis=0)
    return result


def gaussian_filter(images, stddev):
    """Separable Gaussian blur of `(N, H, W, C)` images over H and W.

    Edges are repeated; the kernel is truncated at 4 standard deviations,
    like `skimage.filters.gaussian`.
    """
    n, height, width, channels = images.shape
    rows = _blur_matrix(height, stddev).astype(images.dtype)
    cols = _blur_matrix(width, stddev).astype(images.dtype)
    # Each 1-D pass is one batched matrix product.
    result = rows @ images.reshape(n, height, width * channels)
    result = cols @ result.reshape(n * height, width, channels)
    return result.reshape(images.shape)


def _blur_matrix(length, stddev):
    """`(length, length)` matrix of a 1-D Gaussian blur, edges repeated."""
    radius = int(4.0 * stddev + 0.5)
    taps = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (taps / stddev) ** 2)
    kernel /= kernel.sum()
    outputs = np.arange(length)[:, None]
    inputs = np.clip(outputs + taps[None, :], 0, length - 1)
    matrix = np.zeros((length, length))
    np.add.at(matrix, (np.broadcast_to(outputs, inputs.shape), inputs), kernel)
    return matrix
