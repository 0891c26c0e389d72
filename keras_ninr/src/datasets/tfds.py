"""TensorFlow Datasets as a source of the data sets and the benchmarks.

`keras_ninr.datasets.load(name, source="tfds")` reads a data set with
`tfds.load(name, split=...)` and returns it in the form of the package's own
loaders (`uint8` images, `(N, 28, 28)` for Fashion-MNIST and MNIST,
`(N, 32, 32, 3)` for CIFAR-10, `uint8` labels of shape `(N,)`). In the
automatic order (`source="auto"`), TFDS comes after the local files: its
prepared data is used when it is there (`<TFDS data dir>/<name>/`), and
nothing is downloaded through it. The corruption benchmarks
(`keras_ninr.robustness.benchmarks`) read `mnist_corrupted/<corruption>` and
`cifar10_corrupted/<corruption>_<severity>` through `read_split`.

TFDS is optional (`pip install keras-ninr[datasets]`): this module imports
`tensorflow_datasets` only when a TFDS source is used. Examples are read by
iterating `tfds.as_numpy(tfds.load(...))`, not with `batch_size=-1`.
"""

import importlib.util
import os

import numpy as np

EXTRA = "datasets"
INSTALL_HINT = (
    f"`pip install keras-ninr[{EXTRA}]` (or `pip install tensorflow-datasets`)"
)
# The package's names of the data sets TFDS has, and TFDS's names of them.
TFDS_NAMES = {
    "fashion_mnist": "fashion_mnist",
    "mnist": "mnist",
    "cifar10": "cifar10",
}
# Where TFDS keeps prepared data unless told otherwise (TFDS's own default).
TFDS_DATA_DIR_VARIABLE = "TFDS_DATA_DIR"


def import_tfds():
    """The `tensorflow_datasets` module, or an `ImportError` naming the extra."""
    try:
        import tensorflow_datasets
    except ImportError as error:
        raise ImportError(
            "Loading data through TensorFlow Datasets needs the package "
            f"tensorflow-datasets: {INSTALL_HINT}."
        ) from error
    return tensorflow_datasets


def is_installed():
    """Whether `tensorflow_datasets` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec("tensorflow_datasets") is not None
    except (ImportError, ValueError):
        return False


def default_data_dir():
    """TFDS's data folder: `$TFDS_DATA_DIR`, else `~/tensorflow_datasets`."""
    folder = os.environ.get(TFDS_DATA_DIR_VARIABLE) or os.path.join(
        "~", "tensorflow_datasets"
    )
    return os.path.expanduser(folder)


def prepared_folder(name, data_dir=None):
    """Where TFDS keeps the prepared `name` (`"mnist"`, `"a/b"`) in `data_dir`."""
    folder = default_data_dir() if data_dir is None else os.fspath(data_dir)
    return os.path.join(folder, *name.split("/"))


def is_prepared(name, data_dir=None):
    """Whether `data_dir` holds TFDS's prepared `name`, judged on disk.

    TFDS keeps a prepared data set in `<data_dir>/<name>/<version>/`, with
    a `dataset_info.json`; looking for it costs no TensorFlow import.
    """
    folder = prepared_folder(name, data_dir)
    if not os.path.isdir(folder):
        return False
    return any(
        os.path.isfile(os.path.join(folder, version, "dataset_info.json"))
        for version in os.listdir(folder)
    )


def read_split(name, split, data_dir=None, download=False):
    """One split of a TFDS data set as NumPy arrays `(images, labels)`.

    Args:
        name: A TFDS name, e.g. `"fashion_mnist"` or
            `"mnist_corrupted/shot_noise"`.
        split: `"train"` or `"test"`.
        data_dir: TFDS's data folder. Defaults to `None` (TFDS's default).
        download: Whether TFDS may download and prepare the data. Defaults
            to `False`.

    Returns:
        `(images, labels, ids)`: the images stacked as TFDS stores them
        (`uint8`, `(N, H, W, C)`), the labels as `uint8`, and the examples'
        `"id"` strings (`None` for data sets without ids), in TFDS's order.

    Raises:
        ImportError: without tensorflow-datasets, naming the extra.
        FileNotFoundError: when the data is not prepared and
            `download=False`, naming the folder and how to prepare it.
    """
    tfds = import_tfds()
    # Our default, read now (TFDS reads `$TFDS_DATA_DIR` once, at import).
    folder = default_data_dir() if data_dir is None else os.fspath(data_dir)
    try:
        dataset = tfds.load(
            name,
            split=split,
            data_dir=folder,
            download=download,
            shuffle_files=False,
        )
    except AssertionError as error:  # TFDS's "could not find data in ...".
        raise FileNotFoundError(
            f"TensorFlow Datasets has no prepared {name!r} in "
            f"{prepared_folder(name, folder)} ({error}). Prepare it on a "
            f"machine with internet access with `tfds.load({name!r}, "
            "data_dir=...)` and copy the folder, or pass download=True."
        ) from error
    images, labels, ids = [], [], []
    for example in tfds.as_numpy(dataset):
        images.append(example["image"])
        labels.append(example["label"])
        if "id" in example:
            ids.append(example["id"])
    if not images:
        raise ValueError(f"TFDS's {name!r} split {split!r} holds no examples")
    images = np.stack(images).astype(np.uint8, copy=False)
    labels = np.asarray(labels).astype(np.uint8)
    return images, labels, (ids or None)


def load_tfds_dataset(key, data_dir, download):
    """`load(key, source="tfds")`: both splits in the package's form.

    Fashion-MNIST and MNIST lose TFDS's channel axis, as
    `keras.datasets` returns them. CIFAR-10 is sorted by TFDS's example
    ids (`train_00000`, ...), which restores the official files' order;
    Fashion-MNIST and MNIST have no ids and come in TFDS's order, not the
    IDX files' (same images, other order).
    """
    if key not in TFDS_NAMES:
        raise ValueError(
            f"The {key} data set is not in TensorFlow Datasets. Received: "
            f"source='tfds' for {key!r}; TFDS serves "
            f"{', '.join(TFDS_NAMES)}."
        )
    splits = []
    for split in ("train", "test"):
        images, labels, ids = read_split(
            TFDS_NAMES[key], split, data_dir=data_dir, download=download
        )
        if ids is not None:
            order = np.argsort(np.asarray(ids, dtype=object).astype(str))
            images, labels = images[order], labels[order]
        if key != "cifar10":
            images = images[..., 0]
        splits.append((np.ascontiguousarray(images), labels))
    return tuple(splits)


def fallback(key, data_dir):
    """The automatic order's TFDS step: prepared data only, no download.

    Returns `(data, None)`, or `(None, line)` with a line for the
    not-found message saying why TFDS did not serve it.
    """
    name = TFDS_NAMES[key]
    if not is_installed():
        return None, f"TensorFlow Datasets: not installed ({INSTALL_HINT})"
    folder = prepared_folder(name, data_dir)
    # Checked on disk first, so that a miss costs no TensorFlow import.
    if not is_prepared(name, data_dir):
        return None, (
            f"TensorFlow Datasets: {folder} (no prepared {name}; "
            f"`tfds.load({name!r})` prepares it)"
        )
    try:
        return load_tfds_dataset(key, data_dir, download=False), None
    except FileNotFoundError as error:
        return None, f"TensorFlow Datasets: {folder} ({error})"
