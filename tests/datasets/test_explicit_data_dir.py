"""An explicit `data_dir` is the only place `datasets.load` looks.

A `data_dir` missing a file must not be quietly replaced by the complete
copy under `$KERAS_NINR_DATA_DIR`, in the Keras cache or from a download:
the error names the folder and the files missing there.
"""

import gzip
import os
import pickle
import shutil
import struct

import keras
import numpy as np
import pytest

from keras_ninr import datasets

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
CIFAR10_BATCH_FILES = (
    "data_batch_1",
    "data_batch_2",
    "data_batch_3",
    "data_batch_4",
    "data_batch_5",
    "test_batch",
)


@pytest.fixture(autouse=True)
def _no_downloads(monkeypatch, tmp_path):
    """Every download fails loudly, and the Keras cache is empty."""
    downloads = []

    def refuse(*args, **kwargs):
        downloads.append(args)
        raise RuntimeError("downloads are switched off in the tests")

    monkeypatch.setattr(keras.utils, "get_file", refuse)
    for module in ("mnist", "fashion_mnist", "cifar10"):
        monkeypatch.setattr(
            getattr(keras.datasets, module), "load_data", refuse
        )
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    return downloads


def _write_idx(folder, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    arrays = (
        rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, 5, dtype=np.uint8),
        rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, 2, dtype=np.uint8),
    )
    for file_name, array in zip(IDX_FILES, arrays):
        header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
        header += struct.pack(f">{array.ndim}I", *array.shape)
        with gzip.open(os.path.join(folder, file_name), "wb") as f:
            f.write(header + array.tobytes())
    return arrays


def _write_usps(folder, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    for file_name, size in (("zip.train.gz", 4), ("zip.test.gz", 3)):
        pixels = np.round(rng.uniform(-1, 1, (size, 256)), 3)
        lines = "".join(
            " ".join([str(label % 10)] + [f"{v:.3f}" for v in row]) + "\n"
            for label, row in enumerate(pixels)
        )
        with gzip.open(os.path.join(folder, file_name), "wt") as f:
            f.write(lines)


def _write_batches(folder, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    for file_name in CIFAR10_BATCH_FILES:
        batch = {
            b"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8),
            b"labels": [int(v) for v in rng.integers(0, 10, 2)],
        }
        with open(os.path.join(folder, file_name), "wb") as f:
            pickle.dump(batch, f, protocol=2)


def _complete_environment_folder(tmp_path, monkeypatch):
    """A complete copy of every data set under `$KERAS_NINR_DATA_DIR`.

    Generated, so the tests load it only with `verify_checksums=False`: a
    loader that fell back to it would return its arrays without a word.
    """
    root = tmp_path / "complete"
    _write_idx(root / "fashion-mnist")
    _write_idx(root / "mnist")
    _write_usps(root / "usps")
    _write_batches(root / "cifar10")
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", str(root))
    return root


def test_idx_data_dir_missing_a_file_names_it(tmp_path, monkeypatch):
    environment = _complete_environment_folder(tmp_path, monkeypatch)
    data_dir = tmp_path / "partial"
    data_dir.mkdir()
    for file_name in IDX_FILES[:3]:
        shutil.copy(environment / "fashion-mnist" / file_name, data_dir)
    with pytest.raises(FileNotFoundError) as info:
        datasets.load(
            "fashion_mnist", data_dir=data_dir, verify_checksums=False
        )
    message = str(info.value)
    assert (
        f"data_dir: {data_dir} (missing t10k-labels-idx1-ubyte.gz)" in message
    )
    assert f"{data_dir / 'fashion-mnist'} (no such folder)" in message
    assert "data_dir=None" in message
    # Nothing else was looked in.
    assert str(environment) not in message
    assert "keras_home" not in message


def test_explicit_data_dir_is_never_replaced_by_a_download(
    tmp_path, monkeypatch, _no_downloads
):
    missing = tmp_path / "no_such_folder"
    for name in ("mnist", "usps", "cifar10"):
        with pytest.raises(FileNotFoundError, match="no such folder") as info:
            datasets.load(name, data_dir=missing, download=True)
        assert f"data_dir={str(missing)!r}" in str(info.value)
    assert _no_downloads == []


def test_explicit_data_dir_is_used_over_the_environment(tmp_path, monkeypatch):
    _complete_environment_folder(tmp_path, monkeypatch)
    own = _write_idx(tmp_path / "own" / "mnist", seed=1)
    (x_train, _), _ = datasets.load(
        "mnist", data_dir=tmp_path / "own", verify_checksums=False
    )
    np.testing.assert_array_equal(x_train, own[0])


def test_usps_data_dir_missing_a_file_names_it(tmp_path, monkeypatch):
    environment = _complete_environment_folder(tmp_path, monkeypatch)
    data_dir = tmp_path / "partial"
    (data_dir / "usps").mkdir(parents=True)
    shutil.copy(environment / "usps" / "zip.train.gz", data_dir / "usps")
    with pytest.raises(FileNotFoundError) as info:
        datasets.load("usps", data_dir=data_dir, verify_checksums=False)
    message = str(info.value)
    assert f"data_dir: {data_dir / 'usps'} (missing zip.test.gz)" in message
    assert str(environment) not in message
    # And through the USPS-as-MNIST helper, which passes data_dir on.
    with pytest.raises(FileNotFoundError, match="missing zip.test.gz"):
        datasets.load_usps_as_mnist(
            data_dir=data_dir, verify_checksums=False
        )


def test_cifar10_data_dir_missing_a_file_names_it(tmp_path, monkeypatch):
    environment = _complete_environment_folder(tmp_path, monkeypatch)
    data_dir = tmp_path / "partial"
    shutil.copytree(environment / "cifar10", data_dir)
    os.remove(data_dir / "test_batch")
    with pytest.raises(FileNotFoundError) as info:
        datasets.load("cifar10", data_dir=data_dir, verify_checksums=False)
    message = str(info.value)
    assert f"{data_dir} lacks test_batch" in message
    assert f"data_dir={str(data_dir)!r}" in message
    assert str(environment) not in message
