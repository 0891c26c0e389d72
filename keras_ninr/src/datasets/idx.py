"""Fashion-MNIST and MNIST: the four IDX files of their releases (Sec. 3).

Read from a folder holding `train-images-idx3-ubyte.gz`,
`train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz` and
`t10k-labels-idx1-ubyte.gz`, or from the `mnist.npz` that
`keras.datasets.mnist` caches. Downloads come from Keras's own copies.
"""

import math
import os
import zlib

import numpy as np

from keras_ninr.src.datasets import files

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

# SHA-256 of the IDX files decompressed: any copy of the same data verifies,
# however it was compressed (see `files.check_gzip_content`).
CONTENT_SHA256 = {
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

# Where `keras.datasets.fashion_mnist` and `keras.datasets.mnist` download.
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
# SHA-256 of the original Fashion-MNIST release's gzip files, which Keras's
# copies are (Zalando's MD5s, as torchvision checks them: 8d4fb7e6...,
# 25c81989..., bef4ecab..., bb300cfd...).
FASHION_MNIST_GZIP_SHA256 = {
    "train-images-idx3-ubyte.gz": (
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
    ),
    "train-labels-idx1-ubyte.gz": (
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
    ),
}
# The file `keras.datasets.mnist.load_data()` caches (its own `file_hash`).
KERAS_MNIST_NPZ = "mnist.npz"
KERAS_MNIST_NPZ_SHA256 = (
    "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
)

IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10

_TO_PROVIDE = f"the four files {', '.join(IDX_FILES)}"

DATASETS = {
    "fashion_mnist": files.Dataset(
        name="fashion_mnist",
        folder="fashion-mnist",
        files_to_provide=_TO_PROVIDE,
        # Keras's own names and folder, so that either download serves both.
        downloads=tuple(
            files.Download(name, KERAS_ORIGIN + name, sha256)
            for name, sha256 in FASHION_MNIST_GZIP_SHA256.items()
        ),
        download_subdir=os.path.join("datasets", "fashion-mnist"),
        system_folders=("/usr/share/datasets/fashion-mnist",),
    ),
    "mnist": files.Dataset(
        name="mnist",
        folder="mnist",
        files_to_provide=_TO_PROVIDE,
        downloads=(
            files.Download(
                KERAS_MNIST_NPZ,
                KERAS_ORIGIN + KERAS_MNIST_NPZ,
                KERAS_MNIST_NPZ_SHA256,
            ),
        ),
        download_subdir="datasets",
    ),
}

# IDX type codes (third byte of the magic number) and their big-endian dtypes.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def load_idx_dataset(
    dataset, data_dir, download, verify_checksums, fallback=None
):
    """`load` for a `Dataset` of `DATASETS`."""

    def read_from(path):
        if path.endswith(".npz"):
            if not os.path.isfile(path):
                return None, "no such file"
            return _read_keras_npz(dataset, path, verify_checksums), None
        reason = files.missing_files(path, IDX_FILES)
        if reason is not None:
            return None, reason
        return _read_folder(dataset, path, verify_checksums), None

    def cache_places(cache_folder):
        places = [os.path.join(cache_folder, dataset.folder)]
        if dataset.name == "mnist":  # Where Keras caches its npz.
            places.insert(0, os.path.join(cache_folder, KERAS_MNIST_NPZ))
        return places

    return files.find(
        dataset, data_dir, download, read_from, cache_places, fallback
    )


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
    return _parse_idx(path, files.decompress(path))


def _read_folder(dataset, folder, verify_checksums):
    arrays = []
    for file_name in IDX_FILES:
        path = os.path.join(folder, file_name)
        data = files.decompress(path)
        if verify_checksums:
            expected = CONTENT_SHA256[dataset.name][file_name]
            holds = f"the {dataset.name} release"
            files.check_gzip_content(path, data, expected, holds)
        arrays.append(_parse_idx(path, data))
    x_train, y_train, x_test, y_test = arrays
    _check_split(dataset, folder, "train", x_train, y_train)
    _check_split(dataset, folder, "t10k", x_test, y_test)
    return (x_train, y_train), (x_test, y_test)


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


def _check_split(dataset, folder, split, images, labels):
    images_file = os.path.join(folder, f"{split}-images-idx3-ubyte.gz")
    labels_file = os.path.join(folder, f"{split}-labels-idx1-ubyte.gz")
    if images.dtype != np.uint8 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(
            f"{images_file} does not hold {dataset.name} images: expected "
            f"uint8 images of shape (N, {', '.join(map(str, IMAGE_SHAPE))}). "
            f"Received: {images.dtype} of shape {images.shape}"
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(
            f"{labels_file} does not hold {dataset.name} labels: expected a "
            f"uint8 vector. Received: {labels.dtype} of shape {labels.shape}"
        )
    if len(labels) != len(images):
        raise ValueError(
            f"{images_file} holds {len(images)} images but {labels_file} "
            f"holds {len(labels)} labels"
        )
    if labels.size and labels.max() >= NUM_CLASSES:
        raise ValueError(
            f"{labels_file} holds label {int(labels.max())}, outside 0-"
            f"{NUM_CLASSES - 1}"
        )


def _read_keras_npz(dataset, path, verify_checksums):
    if verify_checksums:
        sha256 = files.sha256_of_file(path)
        holds = f"keras.datasets.{dataset.name}"
        files.check_sha256(path, sha256, KERAS_MNIST_NPZ_SHA256, holds)
    try:
        with np.load(path, allow_pickle=False) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    except (OSError, ValueError, KeyError, zlib.error) as error:
        raise ValueError(
            f"Could not read {path}: it is truncated or not the npz file of "
            f"keras.datasets.{dataset.name} ({type(error).__name__}: "
            f"{error}). Delete it so that Keras downloads it again."
        ) from error
