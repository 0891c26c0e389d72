"""Data sets of the paper's experiments, and their preprocessing (Sec. 3).

`load(name)` returns the data set as NumPy arrays, the way
`keras.datasets.<name>.load_data()` does, but from local files first, so
that tests, examples and benchmarks run on machines without internet access.
`standardize` applies the paper's preprocessing: subtract the mean and divide
by the standard deviation of the training data (Sec. 3).

Where `load` looks, in order:

1. `data_dir`, if given: a folder holding the data set's files, or a folder
   holding the data set's sub-folder (`fashion-mnist/`, `mnist/`).
2. `$KERAS_NINR_DATA_DIR`, laid out the same way.
3. System folders of Linux packages (`/usr/share/datasets/fashion-mnist/` of
   Debian's `dataset-fashion-mnist`).
4. The Keras download cache (`$KERAS_HOME/datasets/`, else
   `~/.keras/datasets/`, else `/tmp/.keras/datasets/`).
5. A download through `keras.datasets.<name>.load_data()`.

Files with a known SHA-256 are verified before use.
"""

import dataclasses
import gzip
import hashlib
import math
import os
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

KNOWN_DATASETS = tuple(sorted(_IDX_DATASETS))


def load(name, data_dir=None, download=True, verify_checksums=True):
    """Load a data set as `(x_train, y_train), (x_test, y_test)`.

    Same arrays as `keras.datasets.<name>.load_data()`: images `uint8` of
    shape `(N, 28, 28)` with values 0-255, labels `uint8` of shape `(N,)`
    with values 0-9. The places looked in are listed in this module's
    docstring.

    Args:
        name: `"fashion_mnist"` or `"mnist"`.
        data_dir: Optional folder holding the four IDX files
            (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
            `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`), or a
            folder holding them in a `fashion-mnist/` or `mnist/`
            sub-folder. Looked in first. Defaults to `None`.
        download: Whether to download through `keras.datasets` when no
            local copy is found. Defaults to `True`.
        verify_checksums: Whether to check the SHA-256 of files whose
            hash is known. Defaults to `True`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`, NumPy arrays.

    Raises:
        ValueError: for an unknown `name`, a corrupt or truncated file, or a
            checksum mismatch.
        FileNotFoundError: when no place holds the data and the download
            failed or was switched off; the message lists every place looked
            in and how to provide the data.
    """
    spec = _get_spec(name)
    looked = []
    for label, folder in _local_folders(spec, data_dir):
        missing = _missing_files(folder)
        if missing == []:
            return _read_idx_dataset(spec, folder, verify_checksums)
        looked.append(_describe(label, folder, missing))

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
    if key not in _IDX_DATASETS:
        raise ValueError(
            f"Unrecognized dataset name: {name!r}. Known names: "
            f"{', '.join(KNOWN_DATASETS)}"
        )
    return _IDX_DATASETS[key]


def _local_folders(spec, data_dir):
    """(label, folder) pairs of the local places to look, in order."""
    folders = []
    if data_dir is not None:
        data_dir = os.fspath(data_dir)
        folders.append(("data_dir", data_dir))
        folders.append(("data_dir", os.path.join(data_dir, spec.folder)))
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


def _missing_files(folder):
    """The IDX files missing from `folder`; `None` if there is no folder."""
    if folder is None or not os.path.isdir(folder):
        return None  # The folder itself is missing.
    return [f for f in IDX_FILES if not os.path.isfile(os.path.join(folder, f))]


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
        f"To provide it, put the four files {', '.join(IDX_FILES)} in a "
        f"folder <dir>/{spec.folder}/ and set the environment variable "
        f"{ENVIRONMENT_VARIABLE}=<dir> (or pass data_dir=<dir> to "
        "`keras_ninr.datasets.load`), or run once on a machine with internet "
        "access so that Keras downloads and caches it."
    )


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
    expected_idx = IDX_SHA256.get(spec.name, {}).get(file_name)
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
