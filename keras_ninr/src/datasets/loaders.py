"""Data sets of the paper's experiments: `load(name)` (Sec. 3, App. D).

`load(name)` returns the data set as NumPy arrays, the way
`keras.datasets.<name>.load_data()` does, but from local files first, so
that tests, examples and benchmarks run on machines without internet access.
Each data set has a module of its own (`idx`: Fashion-MNIST and MNIST;
`usps`: the USPS digits and LeCun's processing; `cifar10`); `files` holds
the search they share. This module also re-exports the names the rest of
the package uses (`from keras_ninr.src.datasets import loaders as datasets`).

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
   `cifar-10-batches-py-target/`).
4. TensorFlow Datasets' prepared data (`$TFDS_DATA_DIR`, else
   `~/tensorflow_datasets/`: `fashion_mnist/`, `mnist/`, `cifar10/`), if
   `tensorflow_datasets` is installed; nothing is downloaded through TFDS
   here. With `data_dir`, TFDS's prepared data in `data_dir` is tried
   after the files there.
5. A download with `keras.utils.get_file`, checked against the file's
   SHA-256, from where `keras.datasets` downloads (for USPS, from the
   book's web site), into the Keras cache, where step 3 finds it next time.

`source="files"` skips TFDS; `source="tfds"` reads through
`tfds.load(name, split=...)` alone (`keras_ninr.src.datasets.tfds`), with
`data_dir` as TFDS's data folder and `download` passed to TFDS.

Files with a known SHA-256 are verified before use; gzip files by their
decompressed content, so that a copy compressed otherwise verifies too.
"""

import numpy as np

from keras_ninr.src.datasets import cifar10
from keras_ninr.src.datasets import idx
from keras_ninr.src.datasets import tfds
from keras_ninr.src.datasets import usps
from keras_ninr.src.datasets.cifar10 import CIFAR10_CLASS_NAMES
from keras_ninr.src.datasets.files import ENVIRONMENT_VARIABLE
from keras_ninr.src.datasets.idx import read_idx
from keras_ninr.src.datasets.preprocessing import pixel_statistics
from keras_ninr.src.datasets.preprocessing import scale_pixels
from keras_ninr.src.datasets.preprocessing import standardize
from keras_ninr.src.datasets.usps import USPS_TO_MNIST_VARIANTS
from keras_ninr.src.datasets.usps import load_usps_as_mnist
from keras_ninr.src.datasets.usps import read_usps
from keras_ninr.src.datasets.usps import usps_to_mnist_format

KNOWN_DATASETS = tuple(sorted([*idx.DATASETS, "usps", "cifar10"]))
# Where `load` reads from: the automatic order, the package's own search of
# files (and Keras's download), or TensorFlow Datasets alone.
SOURCES = ("auto", "files", "tfds")

__all__ = [
    "CIFAR10_CLASS_NAMES",
    "ENVIRONMENT_VARIABLE",
    "KNOWN_DATASETS",
    "SOURCES",
    "USPS_TO_MNIST_VARIANTS",
    "load",
    "load_usps_as_mnist",
    "read_idx",
    "read_usps",
    "pixel_statistics",
    "scale_pixels",
    "standardize",
    "usps_to_mnist_format",
]


def load(
    name,
    data_dir=None,
    download=True,
    verify_checksums=True,
    max_per_class=None,
    source="auto",
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

    Models of the package take [0, 1] pixels (`scale_pixels`) and
    standardise them themselves (`Standardization`, with the statistics of
    `standardize(x_train)`). The places looked in are listed in this
    module's docstring.

    Through TensorFlow Datasets (`source="tfds"`, or its prepared data in
    the automatic order) the arrays have the same dtypes and shapes. CIFAR-10
    comes in the official files' order (sorted by TFDS's example ids);
    Fashion-MNIST and MNIST in TFDS's order, which is not the IDX files'.

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
        source: One of `SOURCES`: `"auto"` (local files, then TFDS's
            prepared data if TFDS is installed, then a download),
            `"files"` (local files, then a download; TFDS never imported)
            or `"tfds"` (`tfds.load` only; `data_dir` is TFDS's data
            folder, `download` lets TFDS download and prepare; not for
            USPS, which TFDS lacks). Defaults to `"auto"`.

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
        ImportError: for the JPEG copy of CIFAR-10 without Pillow, and for
            `source="tfds"` without tensorflow-datasets (naming the extra,
            `pip install keras-ninr[datasets]`).
    """
    key = name.lower().replace("-", "_") if isinstance(name, str) else name
    if key not in KNOWN_DATASETS:
        raise ValueError(
            f"Unrecognized dataset name: {name!r}. Known names: "
            f"{', '.join(KNOWN_DATASETS)}"
        )
    if max_per_class is not None and (
        isinstance(max_per_class, bool)
        or not isinstance(max_per_class, (int, np.integer))
        or max_per_class < 1
    ):
        raise ValueError(
            "Expected `max_per_class` to be a positive integer or None. "
            f"Received: max_per_class={max_per_class!r}"
        )
    if source not in SOURCES:
        raise ValueError(
            f"Unrecognized `source`. Expected one of {SOURCES}. Received: "
            f"source={source!r}"
        )
    fallback = None
    if source == "auto" and key in tfds.TFDS_NAMES:

        def fallback(data_dir):
            return tfds.fallback(key, data_dir)

    if source == "tfds":
        data = tfds.load_tfds_dataset(key, data_dir, download)
    elif key == "cifar10":
        data = cifar10.load_cifar10(
            data_dir, download, verify_checksums, max_per_class, fallback
        )
    elif key == "usps":
        data = usps.load_usps(data_dir, download, verify_checksums)
    else:
        data = idx.load_idx_dataset(
            idx.DATASETS[key], data_dir, download, verify_checksums, fallback
        )
    if max_per_class is not None:
        data = tuple(_first_per_class(x, y, max_per_class) for x, y in data)
    return data


def _first_per_class(x, y, max_per_class):
    """The first `max_per_class` samples of each class, in their order."""
    keep = np.zeros(len(y), bool)
    for label in np.unique(y):
        keep[np.flatnonzero(y == label)[:max_per_class]] = True
    return x[keep], y[keep]
