"""The USPS digits, and LeCun's processing that brings them to MNIST's format.

The target domain of the paper's domain shift test (Sec. 3.2.2): the USPS
digits of *The Elements of Statistical Learning* (`zip.train.gz`,
`zip.test.gz`), 16x16 grey values in [-1, 1], one sample a line.
`usps_to_mnist_format` brings them to MNIST's 28x28 format the way the
paper describes, and `load_usps_as_mnist` loads and brings them at once.
"""

import math
import os

import numpy as np

from keras_ninr.src.datasets import files
from keras_ninr.src.datasets.preprocessing import scale_pixels

USPS_FILES = ("zip.train.gz", "zip.test.gz")
# The authors of The Elements of Statistical Learning publish the files.
USPS_URL = "https://hastie.su.domains/ElemStatLearn/datasets/"
USPS_IMAGE_SHAPE = (16, 16)
# SHA-256 of the files as published (the project's data folder holds them
# unchanged), checked on download.
USPS_GZIP_SHA256 = {
    "zip.train.gz": (
        "66ebf231ab51f2cf6ac1a892d0f98ccffee1079d7a5db638c1f11f366046ca16"
    ),
    "zip.test.gz": (
        "8dacc3c6e136af6c3488de9e5113a7daf140c8c2f1f0b61c54ee02f03f1a962f"
    ),
}
# SHA-256 of their decompressed content, checked on every load: a copy
# compressed otherwise verifies too.
USPS_CONTENT_SHA256 = {
    "zip.train.gz": (
        "abc9f5c75b997cabe66b5d01727d5a681c69298e1641a8d37b55433a52129dc0"
    ),
    "zip.test.gz": (
        "6bde17b4f1cd68e0630cd2751d6495b5795d9165ab2dc4a0be8b7002b732f4cc"
    ),
}

DATASET = files.Dataset(
    name="usps",
    folder="usps",
    files_to_provide=f"the files {', '.join(USPS_FILES)} (from {USPS_URL})",
    downloads=tuple(
        files.Download(name, USPS_URL + name, sha256)
        for name, sha256 in USPS_GZIP_SHA256.items()
    ),
    # The Keras cache's `usps/` folder, where `load` looks next time.
    download_subdir=os.path.join("datasets", "usps"),
)

_HOLDS = "the USPS digits of The Elements of Statistical Learning"

# MNIST's digits fit a 20x20 box and their centres of mass lie at pixel
# (14, 14) of the 28x28 field, counting from 0 (LeCun et al., 1998; the
# MNIST training set averages (13.997, 14.006)).
MNIST_BOX_SIZE = 20
MNIST_FIELD_SIZE = 28
MNIST_CENTER = 14
USPS_TO_MNIST_VARIANTS = ("lecun", "resize28", "pad")


def load_usps(data_dir, download, verify_checksums):
    """`load("usps")`."""

    def read_from(folder):
        reason = files.missing_files(folder, USPS_FILES)
        if reason is not None:
            return None, reason
        splits = []
        for file_name in USPS_FILES:
            path = os.path.join(folder, file_name)
            data = files.decompress(path)
            if verify_checksums:
                files.check_gzip_content(
                    path, data, USPS_CONTENT_SHA256[file_name], _HOLDS
                )
            splits.append(_parse_usps(path, data))
        return tuple(splits), None

    def cache_places(cache_folder):
        return [os.path.join(cache_folder, DATASET.folder)]

    return files.find(DATASET, data_dir, download, read_from, cache_places)


def read_usps(path):
    """Read one USPS file of *The Elements of Statistical Learning*.

    Each line of the gzip-compressed text holds a digit label (written `3`
    or `3.0000`) and the 256 grey values of a 16x16 image, row-major, in
    [-1, 1] with -1 the background.

    Args:
        path: Path of `zip.train.gz` or `zip.test.gz`.

    Returns:
        `(x, y)`: images `float32` of shape `(N, 16, 16)` in [0, 1], with
        the background at 0 and the strokes bright as in MNIST, and labels
        `uint8` of shape `(N,)`.

    Raises:
        ValueError: naming the file (and the line), if it is not gzip, is
            truncated, or holds a malformed line.
    """
    return _parse_usps(path, files.decompress(path))


def usps_to_mnist_format(x, variant="lecun", interpolation="bilinear"):
    """USPS digits in MNIST's 28x28 format (Sec. 3.2.2).

    The paper follows the processing that made MNIST (LeCun et al., 1998):
    each digit is resized, keeping its aspect ratio, so that it fits a
    20x20 box, then placed in a 28x28 field so that its centre of mass lies
    at the centre of the field. Precisely, for `variant="lecun"`:

    1. The bounding box of the digit's ink (pixels above 0) is cut out.
    2. It is resized so that its longer side is 20 pixels (the other side
       rounded to whole pixels) with Pillow's resampling filter
       `interpolation`. Bilinear, the default, mixes neighbouring pixels
       with non-negative weights, so values stay in [0, 1] and no ringing
       adds ink around the strokes (`"lanczos"` and `"bicubic"` are sharper
       but overshoot; their output is clipped to [0, 1]).
    3. It is placed in a 28x28 field of zeros, shifted by whole pixels so
       that its centre of mass is as near pixel (14, 14), counting from 0,
       as whole-pixel shifts allow (within half a pixel on each axis);
       MNIST's own centres of mass lie there. A digit whose box would then
       stick out of the field is moved back inside (one digit of the USPS
       training set, none of its test set). A blank image stays blank.

    The paper then applies "the standard preprocessing": standardising with
    the MNIST training mean and standard deviation, as the MNIST test set
    is. A model that starts with `Standardization(mean, std)` of the MNIST
    training set (every zoo network does) does that itself, so it takes
    these [0, 1] images as they are:

    ```python
    x_usps = usps_to_mnist_format(x_usps)
    accuracy = mnist_model.evaluate(x_usps, y_usps)
    ```

    The other variants are not the paper's; they are there to explain
    baselines of other works that bring USPS to 28x28 otherwise:
    `"resize28"` resizes the whole 16x16 image to 28x28 (the digits come
    out larger than MNIST's, filling the field), and `"pad"` puts the 16x16
    image unchanged in the middle of the field (smaller than MNIST's).

    Args:
        x: Images of shape `(N, H, W)` or `(H, W)`, `uint8` (0-255) or
            floats in [0, 1] with the background at 0, such as those of
            `load("usps")` (16x16).
        variant: `"lecun"` (the paper's processing), `"resize28"` or
            `"pad"`. Defaults to `"lecun"`.
        interpolation: Pillow resampling filter for `"lecun"` and
            `"resize28"`: `"bilinear"`, `"bicubic"`, `"lanczos"` or
            `"nearest"`. Defaults to `"bilinear"`.

    Returns:
        `float32` images in [0, 1] of shape `(N, 28, 28)`, or `(28, 28)`
        for a single image.

    Raises:
        ValueError: for an unknown `variant` or `interpolation`, images not
            2-dimensional, or (for `"pad"`) larger than 28x28.
        ImportError: without Pillow (for `"lecun"` and `"resize28"`).

    References:
        - LeCun, Bottou, Bengio and Haffner, *Gradient-based learning
          applied to document recognition*, Proc. IEEE 86(11), 1998.
    """
    if variant not in USPS_TO_MNIST_VARIANTS:
        raise ValueError(
            "Expected `variant` to be one of "
            f"{', '.join(USPS_TO_MNIST_VARIANTS)}. "
            f"Received: variant={variant!r}"
        )
    x = scale_pixels(x)
    single = x.ndim == 2
    if single:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(
            "Expected images of shape (N, H, W) or (H, W). Received: shape "
            f"{x.shape}"
        )
    field = MNIST_FIELD_SIZE
    if variant == "pad":
        height, width = x.shape[1:]
        if height > field or width > field:
            raise ValueError(
                f"Cannot pad {height}x{width} images to {field}x{field}: "
                "they are larger."
            )
        out = np.zeros((len(x), field, field), np.float32)
        top, left = (field - height) // 2, (field - width) // 2
        out[:, top : top + height, left : left + width] = x
    else:
        resample = _pillow_filter(interpolation)
        out = np.zeros((len(x), field, field), np.float32)
        for image, target in zip(x, out):
            if variant == "resize28":
                target[...] = _resize(image, (field, field), resample)
            else:
                _lecun_normalize(image, target, resample)
    return out[0] if single else out


def load_usps_as_mnist(
    data_dir=None,
    split="test",
    variant="lecun",
    interpolation="bilinear",
    download=True,
    verify_checksums=True,
):
    """USPS digits in MNIST's 28x28 format, for the domain shift test.

    `load("usps")` followed by `usps_to_mnist_format`; see both. The paper
    evaluates MNIST-trained models on the USPS test set (Sec. 3.2.2),
    standardised with the MNIST training mean and standard deviation, which
    a model's `Standardization` layer does: the images returned are [0, 1]
    pixels.

    Args:
        data_dir: As for `load`. Defaults to `None`.
        split: `"test"` (2,007 images) or `"train"` (7,291). Defaults to
            `"test"`.
        variant: As for `usps_to_mnist_format`. Defaults to `"lecun"`.
        interpolation: As for `usps_to_mnist_format`. Defaults to
            `"bilinear"`.
        download: As for `load`. Defaults to `True`.
        verify_checksums: As for `load`. Defaults to `True`.

    Returns:
        `(x, y)`: `float32` images in [0, 1] of shape `(N, 28, 28)` and
        `uint8` labels of shape `(N,)`.
    """
    if split not in ("train", "test"):
        raise ValueError(
            f'Expected `split` to be "train" or "test". Received: '
            f"split={split!r}"
        )
    train, test = load_usps(data_dir, download, verify_checksums)
    x, y = train if split == "train" else test
    return usps_to_mnist_format(x, variant, interpolation), y


def _parse_usps(path, data):
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not a USPS file: it is not plain text ({error})"
        ) from error
    numbered_rows = [
        (number, line.split())
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip()
    ]
    size = math.prod(USPS_IMAGE_SHAPE)
    for number, tokens in numbered_rows:
        if len(tokens) != size + 1:
            raise ValueError(
                f"{path}, line {number}: expected a digit label and {size} "
                f"pixel values, {size + 1} numbers in all. Received: "
                f"{len(tokens)} numbers"
                + (" (the file is truncated?)" if len(tokens) < size else "")
            )
    if not numbered_rows:
        raise ValueError(f"{path} holds no USPS samples: it is empty")
    try:
        values = np.array([tokens for _, tokens in numbered_rows], np.float64)
    except ValueError:
        for number, tokens in numbered_rows:  # Name the line.
            try:
                np.array(tokens, np.float64)
            except ValueError as error:
                raise ValueError(
                    f"{path}, line {number}: not a number ({error})"
                ) from None
        raise
    labels, pixels = values[:, 0], values[:, 1:]
    bad_labels = np.flatnonzero(~np.isin(labels, np.arange(10)))
    if bad_labels.size:
        number, tokens = numbered_rows[bad_labels[0]]
        raise ValueError(
            f"{path}, line {number}: the label must be a digit 0-9. "
            f"Received: {tokens[0]}"
        )
    # Written so that NaN fails too.
    bad_pixels = np.flatnonzero(~np.all((pixels >= -1) & (pixels <= 1), 1))
    if bad_pixels.size:
        number, _ = numbered_rows[bad_pixels[0]]
        row = pixels[bad_pixels[0]]
        raise ValueError(
            f"{path}, line {number}: pixel values must lie in [-1, 1]. "
            f"Received: values in [{np.nanmin(row)}, {np.nanmax(row)}]"
        )
    # -1 is the background in these files: map it to 0, as in MNIST.
    x = np.clip((pixels + 1.0) / 2.0, 0.0, 1.0).astype(np.float32)
    y = labels.astype(np.uint8)
    return x.reshape((-1,) + USPS_IMAGE_SHAPE), y


_PILLOW_FILTERS = ("nearest", "bilinear", "bicubic", "lanczos")


def _pillow_filter(interpolation):
    if interpolation not in _PILLOW_FILTERS:
        raise ValueError(
            f"Expected `interpolation` to be one of "
            f"{', '.join(_PILLOW_FILTERS)}. Received: "
            f"interpolation={interpolation!r}"
        )
    Image = files.import_pillow()
    filters = getattr(Image, "Resampling", Image)  # Pillow < 9.1: Image.
    return getattr(filters, interpolation.upper())


def _resize(image, shape, resample):
    """Resize a float image in [0, 1] to `shape` (height, width)."""
    Image = files.import_pillow()
    picture = Image.fromarray(np.ascontiguousarray(image, np.float32))
    resized = picture.resize((shape[1], shape[0]), resample)
    # Filters with negative lobes (bicubic, Lanczos) overshoot.
    return np.clip(np.asarray(resized, np.float32), 0.0, 1.0)


def _lecun_normalize(image, out, resample):
    """Write `image` into `out` as LeCun et al. made MNIST (see caller)."""
    ink = image > 0
    if not ink.any():
        return
    rows = np.flatnonzero(ink.any(axis=1))
    columns = np.flatnonzero(ink.any(axis=0))
    digit = image[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    scale = MNIST_BOX_SIZE / max(digit.shape)
    shape = tuple(max(1, round(side * scale)) for side in digit.shape)
    digit = _resize(digit, shape, resample)
    mass = float(digit.sum(dtype=np.float64))
    corner = []
    for axis, side in enumerate(shape):
        profile = digit.sum(axis=1 - axis, dtype=np.float64)
        center = (
            float(profile @ np.arange(side)) / mass
            if mass > 0
            else (side - 1) / 2
        )
        start = int(np.round(MNIST_CENTER - center))
        corner.append(min(max(start, 0), out.shape[axis] - side))
    top, left = corner
    out[top : top + shape[0], left : left + shape[1]] = digit
