"""Tests of the Fashion-MNIST and MNIST loaders: IDX files and mnist.npz."""

import gzip
import os

import numpy as np
import pytest

from keras_ninr import datasets
from tests.datasets.writers import IDX_FILES
from tests.datasets.writers import idx_bytes
from tests.datasets.writers import load_real
from tests.datasets.writers import real_folder
from tests.datasets.writers import write_gz
from tests.datasets.writers import write_idx_dataset

MNIST_TRAIN_LABEL_COUNTS = [
    5923,
    6742,
    5958,
    6131,
    5842,
    5421,
    5918,
    6265,
    5851,
    5949,
]


@pytest.fixture(scope="module")
def mnist():
    return load_real("mnist")


@pytest.fixture(scope="module")
def fashion_mnist():
    return load_real("fashion_mnist")


# Real files.


def test_mnist_shapes_labels_and_statistics(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_LABEL_COUNTS
    assert np.bincount(y_test, minlength=10).sum() == 10000

    (train, test), (mean, std) = datasets.standardize(x_train, x_test)
    assert mean == pytest.approx(0.1307, abs=5e-5)
    assert std == pytest.approx(0.3081, abs=5e-5)
    assert train.dtype == np.float32 and test.dtype == np.float32
    assert float(train.mean()) == pytest.approx(0.0, abs=1e-4)
    assert float(train.std()) == pytest.approx(1.0, abs=1e-4)
    # The test set is standardised with the training statistics.
    np.testing.assert_allclose(
        test[0], (x_test[0] / 255.0 - mean) / std, rtol=1e-5, atol=1e-5
    )


def test_fashion_mnist_shapes_and_balanced_labels(fashion_mnist):
    (x_train, y_train), (x_test, y_test) = fashion_mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10


def test_data_dir_may_hold_the_files_or_their_folder(no_data_places):
    folder = real_folder("mnist")
    for data_dir in (folder, os.path.dirname(folder)):
        (_, y_train), _ = datasets.load(
            "mnist", data_dir=data_dir, download=False
        )
        assert np.bincount(y_train).tolist() == MNIST_TRAIN_LABEL_COUNTS


def test_recompressed_copy_verifies_by_its_content(tmp_path, no_data_places):
    # Same data, other gzip settings: the gzip hash differs, the IDX one not.
    folder = real_folder("mnist")
    copy = tmp_path / "mnist"
    copy.mkdir()
    for file_name in IDX_FILES:
        os.symlink(os.path.join(folder, file_name), copy / file_name)
    labels = "train-labels-idx1-ubyte.gz"
    os.remove(copy / labels)
    with gzip.open(os.path.join(folder, labels), "rb") as f:
        data = f.read()
    with open(copy / labels, "wb") as f:
        f.write(gzip.compress(data, compresslevel=1, mtime=1))

    (_, y_train), _ = datasets.load("mnist", data_dir=tmp_path, download=False)
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_LABEL_COUNTS


# Generated files.


def test_round_trip_of_generated_files(tmp_path, no_data_places):
    arrays = write_idx_dataset(tmp_path / "fashion-mnist")
    for data_dir in (tmp_path, tmp_path / "fashion-mnist"):
        (x_train, y_train), (x_test, y_test) = datasets.load(
            "fashion_mnist", data_dir=data_dir, verify_checksums=False
        )
        loaded = (x_train, y_train, x_test, y_test)
        for file_name, array in zip(IDX_FILES, loaded):
            np.testing.assert_array_equal(array, arrays[file_name])
            assert array.dtype == np.uint8


def test_read_idx_reads_other_types(tmp_path):
    for type_code, array in (
        (0x0C, np.arange(-6, 6, dtype=np.int32).reshape(3, 4)),
        (0x0D, np.linspace(-1, 1, 10, dtype=np.float32)),
    ):
        path = tmp_path / f"array-{type_code}.gz"
        write_gz(path, idx_bytes(array, type_code))
        loaded = datasets.read_idx(path)
        np.testing.assert_array_equal(loaded, array)
        assert loaded.dtype == array.dtype


def test_keras_cache_npz_of_mnist_is_used(tmp_path, no_data_places):
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    arrays = {
        "x_train": np.ones((4, 28, 28), np.uint8),
        "y_train": np.arange(4, dtype=np.uint8),
        "x_test": np.zeros((2, 28, 28), np.uint8),
        "y_test": np.arange(2, dtype=np.uint8),
    }
    np.savez(cache / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = datasets.load(
        "mnist", download=False, verify_checksums=False
    )
    np.testing.assert_array_equal(y_train, arrays["y_train"])
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    # Not the file Keras downloads: its hash differs.
    with pytest.raises(ValueError, match="Checksum mismatch .*mnist.npz"):
        datasets.load("mnist", download=False)


# Bad input.


def test_truncated_idx_payload_is_named(tmp_path, no_data_places):
    write_idx_dataset(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    data = gzip.decompress(path.read_bytes())
    write_gz(path, data[:-10])
    with pytest.raises(ValueError, match="is truncated") as info:
        datasets.load("mnist", data_dir=tmp_path, verify_checksums=False)
    assert str(path) in str(info.value)


def test_bad_magic_number_and_dimensions_are_rejected(tmp_path, no_data_places):
    path = tmp_path / "bad.gz"
    write_gz(path, b"\x01\x02\x08\x01" + bytes(8))
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(path)

    # Well-formed IDX, but 3-dimensional labels.
    write_idx_dataset(tmp_path)
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    write_gz(labels, idx_bytes(np.zeros((7, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match="does not hold mnist labels"):
        datasets.load("mnist", data_dir=tmp_path, verify_checksums=False)


def test_image_and_label_counts_must_agree(tmp_path, no_data_places):
    write_idx_dataset(tmp_path)
    write_gz(
        tmp_path / "t10k-labels-idx1-ubyte.gz",
        idx_bytes(np.zeros(4, np.uint8)),
    )
    with pytest.raises(ValueError, match="holds 3 images but .* 4 labels"):
        datasets.load("mnist", data_dir=tmp_path, verify_checksums=False)
