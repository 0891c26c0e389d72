"""Data sets of the paper's experiments, and their preprocessing (Sec. 3).

`load(name)` returns the data set as NumPy arrays, the way
`keras.datasets.<name>.load_data()` does, but from local files first, so
that tests, examples and benchmarks run on machines without internet access.
`standardize` applies the paper's preprocessing: subtract the mean and divide
by the standard deviation of the training data (Sec. 3).

The data sets:

- `"fashion_mnist"`, `"mnist"`: the four IDX files of the original releases.
- `"usps"`: the USPS digits of *The Elements of Statistical Learning*
  (`zip.train.gz`, `zip.test.gz`), the target domain of the paper's domain
  shift test (Sec. 3.2.2). `usps_to_mnist_format` brings them to MNIST's
  28x28 format the way the paper describes, and `load_usps_as_mnist` does
  both at once.
- `"cifar10"`: CIFAR-10 (App. D), from the project's JPEG copy
  (`cifar10-jpeg.zip`) or from the official `cifar-10-batches-py/` files.

Where `load` looks:

- `data_dir`, if given, and only there: a folder holding the data set's
  files, or a folder holding the data set's sub-folder (`fashion-mnist/`,
  `mnist/`, `usps/`, `cifar10/`). Where neither holds every file, the error
  names the folder and the files missing there; nothing else is tried, so
  data from elsewhere never stands in for the data asked for.

Otherwise, in order:

1. `$KERAS_NINR_DATA_DIR`, laid out as `data_dir`.
2. System folders of Linux packages (`/usr/share/datasets/fashion-mnist/` of
   Debian's `dataset-fashion-mnist`).
3. The Keras download cache (`$KERAS_HOME/datasets/`, else
   `~/.keras/datasets/`, else `/tmp/.keras/datasets/`): the data set's
   sub-folder there, and the files `keras.datasets` caches (`mnist.npz`,
   `cifar-10-batches-py/`).
4. A download: through `keras.datasets.<name>.load_data()`, or for USPS
   through `keras.utils.get_file` from the book's web site.

Files with a known SHA-256 are verified before use.
"""

import dataclasses
import gzip
import hashlib
import io
import math
import os
import pickle
import re
import uuid
import warnings
import zipfile
import zlib

import numpy as np

ENVIRONMENT_VARIABLE = "KERAS_NINR_DATA_DIR"

# SHA-256 of the gzip files of the project's data folder (its README).
GZIP_SHA256 = {
    "fashion_mnist": {
        "train-images-idx3-ubyte.gz": (
            "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"
        ),
        "train-labels-idx1-ubyte.gz": (
            "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"
        ),
    },
    "mnist": {
        "train-images-idx3-ubyte.gz": (
            "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971"
        ),
        "train-labels-idx1-ubyte.gz": (
            "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b"
        ),
    },
    "usps": {
        "zip.train.gz": (
            "66ebf231ab51f2cf6ac1a892d0f98ccffee1079d7a5db638c1f11f366046ca16"
        ),
        "zip.test.gz": (
            "8dacc3c6e136af6c3488de9e5113a7daf140c8c2f1f0b61c54ee02f03f1a962f"
        ),
    },
}

# SHA-256 of the same files decompressed. The gzip bytes depend on how a file
# was compressed (the project's MNIST files are `gzip -9 -n` re-compressions
# of the originals), the IDX bytes do not: a copy from elsewhere that holds
# the same data verifies against these.
IDX_SHA256 = {
    "fashion_mnist": {
        "train-images-idx3-ubyte.gz": (
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
        ),
        "train-labels-idx1-ubyte.gz": (
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
        ),
    },
    "mnist": {
        "train-images-idx3-ubyte.gz": (
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
        ),
        "train-labels-idx1-ubyte.gz": (
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
        ),
    },
}

# SHA-256 of decompressed files, for any gzip data set: a copy compressed
# with other settings (a download, say) verifies by its content.
DECOMPRESSED_SHA256 = {
    **IDX_SHA256,
    "usps": {
        "zip.train.gz": (
            "abc9f5c75b997cabe66b5d01727d5a681c69298e1641a8d37b55433a52129dc0"
        ),
        "zip.test.gz": (
            "6bde17b4f1cd68e0630cd2751d6495b5795d9165ab2dc4a0be8b7002b732f4cc"
        ),
    },
}

# The project's JPEG copy of CIFAR-10 (its data README).
CIFAR10_JPEG_ZIP = "cifar10-jpeg.zip"
CIFAR10_JPEG_ZIP_SHA256 = (
    "1f246f18ee1c4b008b72b11e5d912c2b6a325d41b34a6c0136bab1e640200198"
)

# The file `keras.datasets.mnist.load_data()` caches (its own `file_hash`).
KERAS_MNIST_NPZ_SHA256 = (
    "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
)

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

USPS_FILES = ("zip.train.gz", "zip.test.gz")
# The authors of The Elements of Statistical Learning publish the files.
USPS_URL = "https://hastie.su.domains/ElemStatLearn/datasets/"
USPS_IMAGE_SHAPE = (16, 16)

# The official label ids 0-9 of CIFAR-10, in order.
CIFAR10_CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
CIFAR10_BATCH_FOLDER = "cifar-10-batches-py"
CIFAR10_BATCH_FILES = (
    "data_batch_1",
    "data_batch_2",
    "data_batch_3",
    "data_batch_4",
    "data_batch_5",
    "test_batch",
)
# Where Keras 3 extracts the official archive, under its `datasets` cache
# (Keras 2 extracted it straight into `datasets`).
KERAS_CIFAR10_FOLDER = "cifar-10-batches-py-target"
# The decoded JPEG copy is cached here, under the Keras `datasets` cache.
DECODED_CACHE_FOLDER = "keras_ninr"

# MNIST's digits fit a 20x20 box and their centres of mass lie at pixel
# (14, 14) of the 28x28 field, counting from 0 (LeCun et al., 1998; the
# MNIST training set averages (13.997, 14.006)).
MNIST_BOX_SIZE = 20
MNIST_FIELD_SIZE = 28
MNIST_CENTER = 14
USPS_TO_MNIST_VARIANTS = ("lecun", "resize28", "pad")

# IDX type codes (third byte of the magic number) and their big-endian dtypes.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


@dataclasses.dataclass(frozen=True)
class _IDXDataset:
    """Where an MNIST-like data set of four IDX files lives."""

    name: str
    folder: str  # Sub-folder in data folders and in the Keras cache.
    keras_module: str  # keras.datasets.<keras_module>.load_data
    system_folders: tuple = ()
    keras_cache_npz: str = None  # File name, if Keras caches an npz.
    keras_cache_npz_sha256: str = None
    image_shape: tuple = (28, 28)
    num_classes: int = 10


_IDX_DATASETS = {
    "fashion_mnist": _IDXDataset(
        name="fashion_mnist",
        folder="fashion-mnist",
        keras_module="fashion_mnist",
        system_folders=("/usr/share/datasets/fashion-mnist",),
    ),
    "mnist": _IDXDataset(
        name="mnist",
        folder="mnist",
        keras_module="mnist",
        keras_cache_npz="mnist.npz",
        keras_cache_npz_sha256=KERAS_MNIST_NPZ_SHA256,
    ),
}


@dataclasses.dataclass(frozen=True)
class _USPSDataset:
    """Where the USPS digits live."""

    name: str = "usps"
    folder: str = "usps"
    system_folders: tuple = ()


@dataclasses.dataclass(frozen=True)
class _CIFAR10Dataset:
    """Where CIFAR-10 lives."""

    name: str = "cifar10"
    folder: str = "cifar10"
    system_folders: tuple = ()


_DATASETS = {
    **_IDX_DATASETS,
    "usps": _USPSDataset(),
    "cifar10": _CIFAR10Dataset(),
}

KNOWN_DATASETS = tuple(sorted(_DATASETS))


def load(
    name,
    data_dir=None,
    download=True,
    verify_checksums=True,
    max_per_class=None,
):
    """Load a data set as `(x_train, y_train), (x_test, y_test)`.

    Labels are `uint8` of shape `(N,)` with values 0-9. Images:

    - `"fashion_mnist"`, `"mnist"`: the arrays of
      `keras.datasets.<name>.load_data()`, `uint8` of shape `(N, 28, 28)`
      with values 0-255.
    - `"usps"`: `float32` of shape `(N, 16, 16)` in [0, 1], 7,291 train and
      2,007 test images. The files' values in [-1, 1] are mapped to [0, 1]
      so that, as in MNIST, the background is 0 and the strokes are bright.
      `usps_to_mnist_format` makes them 28x28 as the paper does.
    - `"cifar10"`: `uint8` of shape `(N, 32, 32, 3)` with values 0-255,
      50,000 train and 10,000 test images, labels in the official order
      (`CIFAR10_CLASS_NAMES`). In each folder looked in, the official
      `cifar-10-batches-py/` files come first (lossless, in their own
      order, the arrays of `keras.datasets.cifar10.load_data()` but with
      labels of shape `(N,)`), then the project's `cifar10-jpeg.zip`. The
      JPEG copy is lossy (quality about 75): accuracy measured on it is
      close to, but not the same as, accuracy on the official files. Its
      images come sorted by split, class id and file name. Decoding its
      60,000 JPEG files takes seconds, so the decoded arrays are cached in
      `<Keras cache>/keras_ninr/`, keyed by the zip's SHA-256.

    The places looked in are listed in this module's docstring.

    Args:
        name: One of `KNOWN_DATASETS`: `"cifar10"`, `"fashion_mnist"`,
            `"mnist"` or `"usps"`.
        data_dir: Optional folder holding the data set's files, or a folder
            holding them in the data set's sub-folder (`fashion-mnist/`,
            `mnist/`, `usps/`, `cifar10/`). The files: the four IDX files
            (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
            `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`);
            `zip.train.gz` and `zip.test.gz` for USPS; `cifar10-jpeg.zip`,
            or `data_batch_1`-`data_batch_5` and `test_batch` (or a
            `cifar-10-batches-py/` folder holding them) for CIFAR-10.
            When given, the only place looked in. Defaults to `None`, which
            looks in `$KERAS_NINR_DATA_DIR`, system folders and the Keras
            cache, then downloads.
        download: Whether to download when no local copy is found (with
            `data_dir=None` only). Defaults to `True`.
        verify_checksums: Whether to check the SHA-256 of files whose
            hash is known. Defaults to `True`.
        max_per_class: Optional positive int: keep only the first
            `max_per_class` images of each class in each split, in the
            order above, for quick runs. From the JPEG copy of CIFAR-10 only
            those images are decoded. Defaults to `None` (all images).

    Returns:
        `(x_train, y_train), (x_test, y_test)`, NumPy arrays.

    Raises:
        ValueError: for an unknown `name`, a corrupt or truncated file, or a
            checksum mismatch.
        FileNotFoundError: when `data_dir` is given and holds only part of
            the data, or nothing (the message names the folders and the
            files missing there); when `data_dir` is `None`, no place holds
            the data and the download failed or was switched off (the
            message lists every place looked in and how to provide the
            data).
        ImportError: for the JPEG copy of CIFAR-10 without Pillow.
    """
    spec = _get_spec(name)
    if max_per_class is not None and (
        isinstance(max_per_class, bool)
        or not isinstance(max_per_class, (int, np.integer))
        or max_per_class < 1
    ):
        raise ValueError(
            "Expected `max_per_class` to be a positive integer or None. "
            f"Received: max_per_class={max_per_class!r}"
        )
    if isinstance(spec, _USPSDataset):
        data = _load_usps(spec, data_dir, download, verify_checksums)
    elif isinstance(spec, _CIFAR10Dataset):
        data = _load_cifar10(
            spec, data_dir, download, verify_checksums, max_per_class
        )
    else:
        data = _load_idx_dataset(spec, data_dir, download, verify_checksums)
    if max_per_class is not None:
        data = tuple(
            _first_per_class(x, y, max_per_class) for x, y in data
        )
    return data


def _load_idx_dataset(spec, data_dir, download, verify_checksums):
    looked = []
    for label, folder in _local_folders(spec, data_dir):
        missing = _missing_files(folder)
        if missing == []:
            return _read_idx_dataset(spec, folder, verify_checksums)
        looked.append(_describe(label, folder, missing))
    if data_dir is not None:
        raise FileNotFoundError(
            _not_in_data_dir_message(spec, data_dir, looked)
        )

    for cache_folder in _keras_cache_folders():
        if spec.keras_cache_npz:
            path = os.path.join(cache_folder, spec.keras_cache_npz)
            if os.path.isfile(path):
                return _read_keras_npz(spec, path, verify_checksums)
            looked.append(f"Keras cache: {path} (no such file)")
        folder = os.path.join(cache_folder, spec.folder)
        missing = _missing_files(folder)
        if missing == []:
            return _read_idx_dataset(spec, folder, verify_checksums)
        looked.append(_describe("Keras cache", folder, missing))

    download_call = f"keras.datasets.{spec.keras_module}.load_data()"
    if download:
        try:
            return _download(spec)
        except Exception as error:  # Any failure: report every place looked.
            looked.append(
                f"download with {download_call}: failed "
                f"({type(error).__name__}: {error})"
            )
    else:
        looked.append(
            f"download with {download_call}: skipped (download=False)"
        )
    raise FileNotFoundError(_not_found_message(spec, looked))


def read_idx(path):
    """Read one gzip-compressed IDX file into a NumPy array.

    Args:
        path: Path of a `.gz` IDX file (the format of the MNIST files).

    Returns:
        A NumPy array with the file's dtype (native byte order) and shape.

    Raises:
        ValueError: naming the file, if it is not gzip, is truncated, or does
            not hold a well-formed IDX array.
    """
    return _parse_idx(path, _decompress(path))


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


def standardize(x_train, x_test=None):
    """The paper's preprocessing: scale to [0, 1], then standardise.

    Both sets are shifted by the mean and divided by the standard deviation
    of `x_train`, one scalar each over all pixels (Sec. 3). The statistics
    come from the training set only.

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
    mean, std = _mean_and_std(x_train)
    if std == 0.0:
        raise ValueError(
            "Cannot standardise: every pixel of `x_train` has the same value "
            f"({mean})."
        )
    x_train = _apply_standardization(x_train, mean, std)
    if x_test is not None:
        x_test = _apply_standardization(scale_pixels(x_test), mean, std)
    return (x_train, x_test), (mean, std)


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
    return _parse_usps(path, _decompress(path))


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
    is:

    ```python
    _, (mean, std) = keras_ninr.datasets.standardize(mnist_x_train)
    x_usps = (usps_to_mnist_format(x_usps) - mean) / std
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
    evaluates MNIST-trained models on the USPS test set (Sec. 3.2.2), after
    standardising it with the MNIST training mean and standard deviation
    (from `standardize(mnist_x_train)`), which this function leaves to the
    caller.

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
    train, test = load(
        "usps",
        data_dir=data_dir,
        download=download,
        verify_checksums=verify_checksums,
    )
    x, y = train if split == "train" else test
    return usps_to_mnist_format(x, variant, interpolation), y


def _apply_standardization(x, mean, std):
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


def _get_spec(name):
    key = name.lower().replace("-", "_") if isinstance(name, str) else name
    if key not in _DATASETS:
        raise ValueError(
            f"Unrecognized dataset name: {name!r}. Known names: "
            f"{', '.join(KNOWN_DATASETS)}"
        )
    return _DATASETS[key]


def _local_folders(spec, data_dir):
    """(label, folder) pairs of the local places to look, in order.

    An explicit `data_dir` is the only place: a fallback would load other
    data than the caller pointed at, without a word.
    """
    if data_dir is not None:
        data_dir = os.fspath(data_dir)
        return [
            ("data_dir", data_dir),
            ("data_dir", os.path.join(data_dir, spec.folder)),
        ]
    folders = []
    environment_dir = os.environ.get(ENVIRONMENT_VARIABLE)
    if environment_dir:
        label = f"${ENVIRONMENT_VARIABLE}"
        folders.append((label, os.path.join(environment_dir, spec.folder)))
        folders.append((label, environment_dir))
    else:
        folders.append((f"${ENVIRONMENT_VARIABLE}", None))
    for folder in spec.system_folders:
        folders.append(("system folder", folder))
    return folders


def _keras_cache_folders():
    """Keras's download cache, as `keras.utils.get_file` chooses it."""
    if os.environ.get("KERAS_HOME"):
        homes = [os.environ["KERAS_HOME"]]
    else:
        homes = [os.path.join(os.path.expanduser("~"), ".keras")]
    # Keras falls back to /tmp/.keras when the home folder is not writable.
    homes.append(os.path.join("/tmp", ".keras"))
    folders = []
    for home in homes:
        folder = os.path.join(os.path.expanduser(home), "datasets")
        if folder not in folders:
            folders.append(folder)
    return folders


def _missing_files(folder, files=IDX_FILES):
    """The `files` missing from `folder`; `None` if there is no folder."""
    if folder is None or not os.path.isdir(folder):
        return None  # The folder itself is missing.
    return [f for f in files if not os.path.isfile(os.path.join(folder, f))]


def _describe(label, folder, missing):
    if folder is None:
        return f"{label}: not set"
    if missing is None:
        return f"{label}: {folder} (no such folder)"
    return f"{label}: {folder} (missing {', '.join(missing)})"


def _not_found_message(spec, looked):
    places = "\n".join(f"  - {line}" for line in looked)
    return (
        f"Could not find the {spec.name} data set. Looked in:\n{places}\n"
        f"To provide it, put {_files_to_provide(spec)} in a "
        f"folder <dir>/{spec.folder}/ and set the environment variable "
        f"{ENVIRONMENT_VARIABLE}=<dir> (or pass data_dir=<dir> to "
        "`keras_ninr.datasets.load`), or run once on a machine with internet "
        "access so that Keras downloads and caches it."
    )


def _not_in_data_dir_message(spec, data_dir, looked):
    data_dir = os.fspath(data_dir)
    places = "\n".join(f"  - {line}" for line in looked)
    return (
        f"Could not find the {spec.name} data set in "
        f"data_dir={data_dir!r}. Looked in:\n{places}\n"
        f"Put {_files_to_provide(spec)} in {data_dir} or in "
        f"{os.path.join(data_dir, spec.folder)}, or pass data_dir=None to "
        f"look in ${ENVIRONMENT_VARIABLE} and the Keras cache and to "
        "download it."
    )


def _files_to_provide(spec):
    if isinstance(spec, _USPSDataset):
        return (
            f"the files {', '.join(USPS_FILES)} (from {USPS_URL})"
        )
    if isinstance(spec, _CIFAR10Dataset):
        return (
            f"the project's {CIFAR10_JPEG_ZIP}, or the official python "
            f"batches ({', '.join(CIFAR10_BATCH_FILES)}, or the "
            f"{CIFAR10_BATCH_FOLDER}/ folder holding them, from "
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz)"
        )
    return f"the four files {', '.join(IDX_FILES)}"


def _read_idx_dataset(spec, folder, verify_checksums):
    arrays = {}
    for file_name in IDX_FILES:
        path = os.path.join(folder, file_name)
        data = _decompress(path)
        if verify_checksums:
            _verify(spec, file_name, path, data)
        arrays[file_name] = _parse_idx(path, data)
    x_train, y_train, x_test, y_test = (arrays[f] for f in IDX_FILES)
    _check_split(spec, folder, "train", x_train, y_train)
    _check_split(spec, folder, "t10k", x_test, y_test)
    return (x_train, y_train), (x_test, y_test)


def _verify(spec, file_name, path, data):
    expected_gzip = GZIP_SHA256.get(spec.name, {}).get(file_name)
    expected_idx = DECOMPRESSED_SHA256.get(spec.name, {}).get(file_name)
    if expected_gzip is None and expected_idx is None:
        return
    with open(path, "rb") as f:
        gzip_sha256 = hashlib.sha256(f.read()).hexdigest()
    if gzip_sha256 == expected_gzip:
        return
    idx_sha256 = hashlib.sha256(data).hexdigest()
    if idx_sha256 == expected_idx:
        return
    raise ValueError(
        f"Checksum mismatch for {path}: its SHA-256 is {gzip_sha256} "
        f"(decompressed: {idx_sha256}), expected {expected_gzip} "
        f"(decompressed: {expected_idx}). The file is corrupt or holds "
        f"other data than the {spec.name} release: replace it, or pass "
        "verify_checksums=False to use it anyway."
    )


def _decompress(path):
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(
            f"Could not decompress {path}: it is truncated or not a valid "
            f"gzip file ({type(error).__name__}: {error}). Replace the file."
        ) from error


def _parse_idx(path, data):
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{path} is not an IDX file: its magic number must start with two "
            f"zero bytes. Received: first bytes {data[:4]!r}"
        )
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_DTYPES:
        raise ValueError(
            f"{path} is not a valid IDX file: unknown type code "
            f"0x{type_code:02X} in its magic number"
        )
    if ndim == 0:
        raise ValueError(f"{path} is not a valid IDX file: it has 0 dimensions")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"{path} is truncated: {len(data)} bytes, shorter than the "
            f"{header_size}-byte header of a {ndim}-dimensional IDX file"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", ndim, offset=4))
    dtype = _IDX_DTYPES[type_code]
    expected = header_size + math.prod(shape) * dtype.itemsize
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "corrupt"
        raise ValueError(
            f"{path} is {problem}: its header declares shape {shape} of "
            f"{dtype.name}, {expected} bytes in all, but it holds "
            f"{len(data)} bytes"
        )
    array = np.frombuffer(data, dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def _check_split(spec, folder, split, images, labels):
    images_file = os.path.join(folder, f"{split}-images-idx3-ubyte.gz")
    labels_file = os.path.join(folder, f"{split}-labels-idx1-ubyte.gz")
    if images.dtype != np.uint8 or images.shape[1:] != spec.image_shape:
        raise ValueError(
            f"{images_file} does not hold {spec.name} images: expected uint8 "
            f"images of shape (N, {', '.join(map(str, spec.image_shape))}). "
            f"Received: {images.dtype} of shape {images.shape}"
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(
            f"{labels_file} does not hold {spec.name} labels: expected a "
            f"uint8 vector. Received: {labels.dtype} of shape {labels.shape}"
        )
    if len(labels) != len(images):
        raise ValueError(
            f"{images_file} holds {len(images)} images but {labels_file} "
            f"holds {len(labels)} labels"
        )
    if labels.size and labels.max() >= spec.num_classes:
        raise ValueError(
            f"{labels_file} holds label {int(labels.max())}, outside 0-"
            f"{spec.num_classes - 1}"
        )


def _read_keras_npz(spec, path, verify_checksums):
    if verify_checksums and spec.keras_cache_npz_sha256:
        with open(path, "rb") as f:
            sha256 = hashlib.sha256(f.read()).hexdigest()
        if sha256 != spec.keras_cache_npz_sha256:
            raise ValueError(
                f"Checksum mismatch for {path}: its SHA-256 is {sha256}, "
                f"expected {spec.keras_cache_npz_sha256}. Delete the file so "
                "that Keras downloads it again, or pass "
                "verify_checksums=False to use it anyway."
            )
    try:
        with np.load(path, allow_pickle=False) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    except (OSError, ValueError, KeyError, zlib.error) as error:
        raise ValueError(
            f"Could not read {path}: it is truncated or not the npz file of "
            f"keras.datasets.{spec.keras_module} ({type(error).__name__}: "
            f"{error}). Delete it so that Keras downloads it again."
        ) from error


def _download(spec):
    import keras  # Only here: reading local files needs no Keras.

    module = getattr(keras.datasets, spec.keras_module)
    (x_train, y_train), (x_test, y_test) = module.load_data()
    return (x_train, y_train), (x_test, y_test)


def _first_per_class(x, y, max_per_class):
    """The first `max_per_class` samples of each class, in their order."""
    keep = np.zeros(len(y), bool)
    for label in np.unique(y):
        keep[np.flatnonzero(y == label)[:max_per_class]] = True
    return x[keep], y[keep]


# USPS.


def _load_usps(spec, data_dir, download, verify_checksums):
    looked = []
    folders = list(_local_folders(spec, data_dir))
    if data_dir is None:
        folders += [
            ("Keras cache", os.path.join(cache_folder, spec.folder))
            for cache_folder in _keras_cache_folders()
        ]
    for label, folder in folders:
        missing = _missing_files(folder, USPS_FILES)
        if missing == []:
            return _read_usps_dataset(spec, folder, verify_checksums)
        looked.append(_describe(label, folder, missing))
    if data_dir is not None:
        raise FileNotFoundError(
            _not_in_data_dir_message(spec, data_dir, looked)
        )

    origin = f"keras.utils.get_file from {USPS_URL}"
    if not download:
        looked.append(f"download with {origin}: skipped (download=False)")
        raise FileNotFoundError(_not_found_message(spec, looked))
    try:
        folder = _download_usps(spec)
    except Exception as error:  # Any failure: report every place looked.
        looked.append(
            f"download with {origin}: failed ({type(error).__name__}: "
            f"{error})"
        )
        raise FileNotFoundError(_not_found_message(spec, looked)) from error
    return _read_usps_dataset(spec, folder, verify_checksums)


def _download_usps(spec):
    import keras  # Only here: reading local files needs no Keras.

    # Into the Keras cache's `usps/` folder, where `load` looks next time.
    home = os.path.dirname(_keras_cache_folders()[0])
    paths = [
        keras.utils.get_file(
            fname=file_name,
            origin=USPS_URL + file_name,
            cache_dir=home,
            cache_subdir=os.path.join("datasets", spec.folder),
        )
        for file_name in USPS_FILES
    ]
    return os.path.dirname(paths[0])


def _read_usps_dataset(spec, folder, verify_checksums):
    splits = []
    for file_name in USPS_FILES:
        path = os.path.join(folder, file_name)
        data = _decompress(path)
        if verify_checksums:
            _verify(spec, file_name, path, data)
        splits.append(_parse_usps(path, data))
    return tuple(splits)


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


def _import_pillow():
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            "Resizing USPS digits and decoding the JPEG copy of CIFAR-10 "
            "need Pillow: `pip install pillow`."
        ) from error
    return Image


_PILLOW_FILTERS = ("nearest", "bilinear", "bicubic", "lanczos")


def _pillow_filter(interpolation):
    if interpolation not in _PILLOW_FILTERS:
        raise ValueError(
            f"Expected `interpolation` to be one of "
            f"{', '.join(_PILLOW_FILTERS)}. Received: "
            f"interpolation={interpolation!r}"
        )
    Image = _import_pillow()
    filters = getattr(Image, "Resampling", Image)  # Pillow < 9.1: Image.
    return getattr(filters, interpolation.upper())


def _resize(image, shape, resample):
    """Resize a float image in [0, 1] to `shape` (height, width)."""
    Image = _import_pillow()
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


# CIFAR-10.


def _load_cifar10(spec, data_dir, download, verify_checksums, max_per_class):
    places = list(_local_folders(spec, data_dir))
    for cache_folder in _keras_cache_folders() if data_dir is None else ():
        places.append(("Keras cache", os.path.join(cache_folder, spec.folder)))
        places.append(
            ("Keras cache", os.path.join(cache_folder, KERAS_CIFAR10_FOLDER))
        )
        places.append(("Keras cache", cache_folder))
    looked = []
    for label, folder in places:
        if folder is None or not os.path.isdir(folder):
            looked.append(_describe(label, folder, None))
            continue
        problems = []
        for batch_folder in (
            folder,
            os.path.join(folder, CIFAR10_BATCH_FOLDER),
        ):
            missing = _missing_files(batch_folder, CIFAR10_BATCH_FILES)
            if missing == []:
                return _read_cifar10_batches(batch_folder)
            if missing is not None and len(missing) < len(CIFAR10_BATCH_FILES):
                problems.append(
                    f"{batch_folder} lacks {', '.join(missing)}"
                )
        zip_path = os.path.join(folder, CIFAR10_JPEG_ZIP)
        if os.path.isfile(zip_path):
            return _read_cifar10_zip(zip_path, verify_checksums, max_per_class)
        problems.append(
            f"no {CIFAR10_JPEG_ZIP}, no {CIFAR10_BATCH_FOLDER}/ files"
        )
        looked.append(f"{label}: {folder} ({'; '.join(problems)})")
    if data_dir is not None:
        raise FileNotFoundError(
            _not_in_data_dir_message(spec, data_dir, looked)
        )

    download_call = "keras.datasets.cifar10.load_data()"
    if not download:
        looked.append(
            f"download with {download_call}: skipped (download=False)"
        )
        raise FileNotFoundError(_not_found_message(spec, looked))
    try:
        return _download_cifar10()
    except Exception as error:  # Any failure: report every place looked.
        looked.append(
            f"download with {download_call}: failed "
            f"({type(error).__name__}: {error})"
        )
        raise FileNotFoundError(_not_found_message(spec, looked)) from error


def _download_cifar10():
    import keras  # Only here: reading local files needs no Keras.

    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    splits = []
    for x, y in ((x_train, y_train), (x_test, y_test)):
        if x.shape[1:] == (3, 32, 32):  # image_data_format "channels_first".
            x = x.transpose(0, 2, 3, 1)
        labels = np.asarray(y).reshape(-1).astype(np.uint8)
        splits.append((np.ascontiguousarray(x), labels))
    return tuple(splits)


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays, lists and dicts, and nothing that runs code."""

    _ALLOWED = frozenset(
        {
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy.core.numeric", "_frombuffer"),
            ("numpy._core.numeric", "_frombuffer"),
            # Bytes pickled by Python 3 at protocol 2.
            ("_codecs", "encode"),
        }
    )

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load `{module}.{name}`: a CIFAR-10 batch holds "
            "only NumPy arrays and lists"
        )


def _read_cifar10_batches(folder):
    parts = {"train": [], "test": []}
    for file_name in CIFAR10_BATCH_FILES:
        path = os.path.join(folder, file_name)
        split = "test" if file_name == "test_batch" else "train"
        parts[split].append(_read_cifar10_batch(path))
    return tuple(
        (
            np.concatenate([x for x, _ in parts[split]]),
            np.concatenate([y for _, y in parts[split]]),
        )
        for split in ("train", "test")
    )


def _read_cifar10_batch(path):
    try:
        with open(path, "rb") as f:
            batch = _BatchUnpickler(f, encoding="bytes").load()
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
    ) as error:
        raise ValueError(
            f"Could not read {path}: it is truncated or not a CIFAR-10 "
            f"python batch ({type(error).__name__}: {error}). Replace the "
            "file."
        ) from error
    if not isinstance(batch, dict):
        raise ValueError(
            f"{path} is not a CIFAR-10 python batch: it holds a "
            f"{type(batch).__name__}, not a dict"
        )
    batch = {
        key.decode("latin1") if isinstance(key, bytes) else key: value
        for key, value in batch.items()
    }
    if "data" not in batch or "labels" not in batch:
        raise ValueError(
            f"{path} is not a CIFAR-10 python batch: it lacks the keys "
            f"'data' and 'labels'. Received keys: {sorted(map(str, batch))}"
        )
    data = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(
            f"{path} does not hold CIFAR-10 images: expected uint8 data of "
            f"shape (N, 3072). Received: {data.dtype} of shape {data.shape}"
        )
    if (
        labels.shape != (len(data),)
        or not np.issubdtype(labels.dtype, np.integer)
        or (labels.size and (labels.min() < 0 or labels.max() > 9))
    ):
        raise ValueError(
            f"{path} does not hold CIFAR-10 labels: expected {len(data)} "
            f"integers 0-9. Received: {labels.dtype} of shape {labels.shape}"
        )
    # Rows hold the red, green and blue planes of 32x32 pixels in turn.
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.uint8)


def _sha256_of_file(path, chunk_size=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_cifar10_zip(path, verify_checksums, max_per_class):
    sha256 = _sha256_of_file(path)
    expected = CIFAR10_JPEG_ZIP_SHA256
    if (
        verify_checksums
        and os.path.basename(path) == CIFAR10_JPEG_ZIP
        and sha256 != expected
    ):
        raise ValueError(
            f"Checksum mismatch for {path}: its SHA-256 is {sha256}, "
            f"expected {expected}. The file is corrupt or holds other data "
            "than the project's JPEG copy of CIFAR-10: replace it, or pass "
            "verify_checksums=False to use it anyway."
        )
    cache_file = f"cifar10_jpeg_{sha256[:16]}.npz"
    for cache_folder in _keras_cache_folders():
        cache_path = os.path.join(
            cache_folder, DECODED_CACHE_FOLDER, cache_file
        )
        cached = _read_decoded_cache(cache_path, sha256)
        if cached is not None:
            return cached
    data = _decode_cifar10_zip(path, max_per_class)
    if max_per_class is None:
        _write_decoded_cache(cache_file, sha256, data)
    return data


def _cifar10_zip_entries(archive, path):
    """The zip's images as sorted (split, class id, file name, entry)."""
    pattern = re.compile(
        r"(?:.*/)?(train|test)/([^/]+)/([^/]+\.(?:jpe?g|png))", re.IGNORECASE
    )
    entries = []
    for info in archive.infolist():
        if info.is_dir() or info.filename.startswith("__MACOSX/"):
            continue
        match = pattern.fullmatch(info.filename)
        if match is None:
            continue
        split, class_name, file_name = match.groups()
        if class_name not in CIFAR10_CLASS_NAMES:
            raise ValueError(
                f"{path} holds {info.filename!r}, in an unknown class folder "
                f"{class_name!r}. Expected one of "
                f"{', '.join(CIFAR10_CLASS_NAMES)}."
            )
        split_id = 0 if split.lower() == "train" else 1
        class_id = CIFAR10_CLASS_NAMES.index(class_name)
        entries.append((split_id, class_id, file_name, info))
    entries.sort(key=lambda entry: entry[:3])
    for split_id, split in enumerate(("train", "test")):
        if not any(entry[0] == split_id for entry in entries):
            raise ValueError(
                f"{path} is not laid out as the CIFAR-10 JPEG copy: it holds "
                f"no images {split}/<class>/<name>.jpg"
            )
    return entries


def _decode_cifar10_zip(path, max_per_class):
    Image = _import_pillow()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(
            f"Could not open {path}: it is truncated or not a zip file "
            f"({type(error).__name__}: {error}). Replace the file."
        ) from error
    with archive:
        entries = _cifar10_zip_entries(archive, path)
        if max_per_class is not None:
            counts = {}
            kept = []
            for entry in entries:
                key = entry[:2]
                counts[key] = counts.get(key, 0) + 1
                if counts[key] <= max_per_class:
                    kept.append(entry)
            entries = kept
        images = np.empty((len(entries), 32, 32, 3), np.uint8)
        labels = np.empty(len(entries), np.uint8)
        for index, (_, class_id, _, info) in enumerate(entries):
            images[index] = _decode_image(Image, archive, info, path)
            labels[index] = class_id
    num_train = sum(entry[0] == 0 for entry in entries)
    return (
        (images[:num_train], labels[:num_train]),
        (images[num_train:], labels[num_train:]),
    )


def _decode_image(Image, archive, info, path):
    try:
        with Image.open(io.BytesIO(archive.read(info))) as picture:
            image = np.asarray(picture.convert("RGB"))
    except (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
    ) as error:
        # Pillow's UnidentifiedImageError and truncated-image errors are
        # OSErrors; a bad CRC is a BadZipFile.
        raise ValueError(
            f"Could not decode {info.filename!r} in {path}: it is corrupt "
            f"({type(error).__name__}: {error}). Replace the zip file."
        ) from error
    if image.shape != (32, 32, 3):
        raise ValueError(
            f"{info.filename!r} in {path} is not a CIFAR-10 image: expected "
            f"32x32 pixels. Received: {image.shape[1]}x{image.shape[0]}"
        )
    return image


def _read_decoded_cache(cache_path, sha256):
    """The cached arrays, or `None` if absent, stale or unreadable."""
    if not os.path.isfile(cache_path):
        return None
    try:
        with np.load(cache_path, allow_pickle=False) as f:
            if str(f["zip_sha256"]) != sha256:
                return None
            data = (
                (f["x_train"], f["y_train"]),
                (f["x_test"], f["y_test"]),
            )
    except (
        OSError,
        ValueError,
        KeyError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
    ):
        return None  # A derived file: decode the zip again instead.
    for x, y in data:
        if x.dtype != np.uint8 or x.shape[1:] != (32, 32, 3):
            return None
        if len(x) != len(y):
            return None
    return data


def _write_decoded_cache(cache_file, sha256, data):
    """Cache the decoded arrays; written whole or not at all."""
    (x_train, y_train), (x_test, y_test) = data
    errors = []
    for cache_folder in _keras_cache_folders():
        folder = os.path.join(cache_folder, DECODED_CACHE_FOLDER)
        # A name of its own, so that concurrent loads do not collide.
        temporary = os.path.join(
            folder, f".{cache_file}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        )
        try:
            os.makedirs(folder, exist_ok=True)
            with open(temporary, "xb") as f:
                np.savez(
                    f,
                    x_train=x_train,
                    y_train=y_train,
                    x_test=x_test,
                    y_test=y_test,
                    zip_sha256=np.array(sha256),
                )
            os.replace(temporary, os.path.join(folder, cache_file))
            return
        except OSError as error:
            errors.append(f"{folder}: {error}")
            if os.path.exists(temporary):
                os.remove(temporary)
    warnings.warn(
        "Could not cache the decoded CIFAR-10 JPEG files, so the next load "
        f"decodes them again: {'; '.join(errors)}",
        stacklevel=4,
    )
