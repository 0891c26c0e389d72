"""Tiny data set files in the real layouts, for the loader tests.

And where the real files are: `$KERAS_NINR_DATA_DIR` (CI sets it to the
project's data folder); the tests that need them are skipped when it is
unset, and fail when it is set and lacks them.
"""

import gzip
import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

from keras_ninr import datasets

# Read once, at import: the `no_data_places` fixture unsets the variable.
DATA_ROOT = os.environ.get("KERAS_NINR_DATA_DIR")

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
USPS_FILES = ("zip.train.gz", "zip.test.gz")
BATCH_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


def real_folder(name):
    """The real data set's folder (`"mnist"`, `"usps"`, ...), or a skip."""
    folder = DATA_ROOT and os.path.abspath(os.path.join(DATA_ROOT, name))
    if not folder or not os.path.isdir(folder):
        pytest.skip(
            f"KERAS_NINR_DATA_DIR is unset or lacks {name}/; set it to the "
            "project's data folder (../shared/data) to run this test"
        )
    return folder


def load_real(name, **kwargs):
    """`datasets.load(name)` of the real files, or a skip without them."""
    try:
        return datasets.load(name, download=False, **kwargs)
    except FileNotFoundError as error:
        if DATA_ROOT:
            raise  # Pointed at the data and it is not there: a real failure.
        pytest.skip(
            f"{name} not found locally and KERAS_NINR_DATA_DIR is unset; set "
            "it to the project's data folder (../shared/data) to run this "
            f"test. ({str(error).splitlines()[0]})"
        )


def write_gz(path, data):
    with gzip.open(path, "wb") as f:
        f.write(data)


def idx_bytes(array, type_code=0x08):
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    dtype = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[type_code]
    return header + array.astype(dtype).tobytes()


def write_idx_dataset(folder, num_train=7, num_test=3, seed=0):
    """Four small MNIST-like IDX files; the arrays written, by file name."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    arrays = dict(
        zip(
            IDX_FILES,
            (
                rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8),
                rng.integers(0, 10, num_train, np.uint8),
                rng.integers(0, 256, (num_test, 28, 28), dtype=np.uint8),
                rng.integers(0, 10, num_test, np.uint8),
            ),
        )
    )
    for file_name, array in arrays.items():
        write_gz(os.path.join(folder, file_name), idx_bytes(array))
    return arrays


def usps_lines(labels, pixels, label_format="{:d}"):
    return "".join(
        " ".join([label_format.format(label)] + [f"{v:.4g}" for v in row])
        + " \n"
        for label, row in zip(labels, pixels.reshape(len(labels), -1))
    )


def write_usps(folder, num_train=12, num_test=5, seed=0):
    """Small USPS files; the (pixels in [-1, 1], labels) written, by file."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    written = {}
    for file_name, size, label_format in (
        ("zip.train.gz", num_train, "{:.4f}"),  # The real train file's way.
        ("zip.test.gz", num_test, "{:d}"),
    ):
        labels = np.arange(size) % 10
        pixels = np.round(rng.uniform(-1, 1, (size, 16, 16)), 3)
        pixels[:, 0, 0] = -1.0  # Exact ends of the range.
        pixels[:, 8, 8] = 1.0
        with gzip.open(os.path.join(folder, file_name), "wt") as f:
            f.write(usps_lines(labels, pixels, label_format))
        written[file_name] = (pixels, labels)
    return written


def write_batches(folder, per_batch=4, seed=0):
    """Tiny CIFAR-10 python batches; the (data, labels) written, by file."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    written = {}
    for file_name in BATCH_FILES:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, per_batch)]
        batch = {b"batch_label": b"x", b"data": data, b"labels": labels}
        with open(os.path.join(folder, file_name), "wb") as f:
            pickle.dump(batch, f, protocol=2)  # As the official files.
        written[file_name] = (data, np.array(labels, np.uint8))
    return written


def jpeg_bytes(color, quality=95):
    Image = pytest.importorskip("PIL.Image")
    buffer = io.BytesIO()
    image = Image.new("RGB", (32, 32), tuple(int(c) for c in color))
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def color(split_id, class_id, index):
    """The colour of a generated image: says where it comes from."""
    return (20 * class_id + 10, 40 * index + 20, 60 + 100 * split_id)


def write_jpeg_zip(path, per_class=(3, 2), extra_entries=()):
    """A tiny zip in the layout of the project's JPEG copy of CIFAR-10."""
    entries = []
    for split_id, split in enumerate(("train", "test")):
        entries.append((f"{split}/", None))
        for class_id, class_name in enumerate(datasets.CIFAR10_CLASS_NAMES):
            entries.append((f"{split}/{class_name}/", None))
            for index in range(per_class[split_id]):
                entries.append(
                    (
                        f"{split}/{class_name}/{index:04d}.jpg",
                        jpeg_bytes(color(split_id, class_id, index)),
                    )
                )
    entries += list(extra_entries)
    # Written out of order: the loader sorts.
    entries = entries[::-1]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in entries:
            if data is None:
                archive.writestr(zipfile.ZipInfo(name), b"")
            else:
                archive.writestr(name, data)
    return path
