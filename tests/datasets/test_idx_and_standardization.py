"""Tests of `keras_ninr.datasets`: local loading, checks, preprocessing.

The real data sets are found through `$KERAS_NINR_DATA_DIR` (CI sets it to
`../shared/data`); the tests that need them are skipped when it is unset and
no other local copy exists.
"""

import gzip
import os
import struct

import numpy as np
import pytest

from keras_ninr import datasets

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
# Read once: the `no_data_places` fixture unsets the variable.
DATA_ROOT = os.environ.get("KERAS_NINR_DATA_DIR")
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


def _load_real(name):
    try:
        return datasets.load(name, download=False)
    except FileNotFoundError as error:
        if DATA_ROOT:
            raise  # Pointed at the data and it is not there: a real failure.
        pytest.skip(
            f"{name} not found locally and KERAS_NINR_DATA_DIR is unset; set "
            "it to the project's data folder (../shared/data) to run this "
            f"test. ({str(error).splitlines()[0]})"
        )


@pytest.fixture(scope="module")
def mnist():
    return _load_real("mnist")


@pytest.fixture(scope="module")
def fashion_mnist():
    return _load_real("fashion_mnist")


def _real_folder(name):
    folder = DATA_ROOT and os.path.abspath(
        os.path.join(DATA_ROOT, name.replace("_", "-"))
    )
    if not folder or not os.path.isdir(folder):
        pytest.skip("KERAS_NINR_DATA_DIR is unset or lacks this data set")
    return folder


def _idx_bytes(array, type_code=0x08):
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    dtype = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[type_code]
    return header + array.astype(dtype).tobytes()


def _write_gz(path, data):
    with gzip.open(path, "wb") as f:
        f.write(data)


def _write_dataset(folder, num_train=7, num_test=3, seed=0):
    """Write four small MNIST-like IDX files; return the arrays written."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(
            0, 256, (num_train, 28, 28), dtype=np.uint8
        ),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, num_train, np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(
            0, 256, (num_test, 28, 28), dtype=np.uint8
        ),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, num_test, np.uint8),
    }
    for file_name, array in arrays.items():
        _write_gz(os.path.join(folder, file_name), _idx_bytes(array))
    return arrays


@pytest.fixture
def no_data_places(monkeypatch, tmp_path):
    """No environment folder and an empty Keras cache."""
    monkeypatch.delenv("KERAS_NINR_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


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
    folder = _real_folder("mnist")
    for data_dir in (folder, os.path.dirname(folder)):
        (_, y_train), _ = datasets.load(
            "mnist", data_dir=data_dir, download=False
        )
        assert np.bincount(y_train).tolist() == MNIST_TRAIN_LABEL_COUNTS


def test_recompressed_copy_verifies_by_its_content(tmp_path, no_data_places):
    # Same data, other gzip settings: the gzip hash differs, the IDX one not.
    folder = _real_folder("mnist")
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
    arrays = _write_dataset(tmp_path / "fashion-mnist")
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
        _write_gz(path, _idx_bytes(array, type_code))
        loaded = datasets.read_idx(path)
        np.testing.assert_array_equal(loaded, array)
        assert loaded.dtype == array.dtype


def test_environment_variable_folder_is_used(tmp_path, monkeypatch):
    arrays = _write_dataset(tmp_path / "mnist", seed=3)
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", str(tmp_path))
    (_, y_train), _ = datasets.load("mnist", verify_checksums=False)
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte.gz"])


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


def test_unknown_name_lists_the_known_names():
    with pytest.raises(
        ValueError, match="Unrecognized dataset name: 'cifar11'"
    ) as info:
        datasets.load("cifar11")
    assert "fashion_mnist" in str(info.value) and "mnist" in str(info.value)


def test_missing_files_message_lists_every_place(
    tmp_path, no_data_places, monkeypatch
):
    with pytest.raises(FileNotFoundError) as info:
        datasets.load("mnist", download=False)
    assert "$KERAS_NINR_DATA_DIR: not set" in str(info.value)

    partial = tmp_path / "partial"
    _write_dataset(partial / "mnist")
    os.remove(partial / "mnist" / "t10k-images-idx3-ubyte.gz")
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", str(partial))
    with pytest.raises(FileNotFoundError) as info:
        datasets.load("mnist", download=False)
    message = str(info.value)
    assert (
        f"$KERAS_NINR_DATA_DIR: {partial / 'mnist'} "
        "(missing t10k-images-idx3-ubyte.gz)"
    ) in message
    assert str(tmp_path / "keras_home" / "datasets" / "mnist.npz") in message
    assert "download=False" in message
    assert "KERAS_NINR_DATA_DIR=<dir>" in message


def test_truncated_gzip_file_is_named(tmp_path, no_data_places):
    _write_dataset(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated") as info:
        datasets.load("mnist", data_dir=tmp_path, verify_checksums=False)
    assert str(path) in str(info.value)


def test_truncated_idx_payload_is_named(tmp_path, no_data_places):
    _write_dataset(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    data = gzip.decompress(path.read_bytes())
    _write_gz(path, data[:-10])
    with pytest.raises(ValueError, match="is truncated") as info:
        datasets.load("mnist", data_dir=tmp_path, verify_checksums=False)
    assert str(path) in str(info.value)


def test_bad_magic_number_and_dimensions_are_rejected(tmp_path, no_data_places):
    path = tmp_path / "bad.gz"
    _write_gz(path, b"\x01\x02\x08\x01" + bytes(8))
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(path)

    # Well-formed IDX, but 3-dimensional labels.
    _write_dataset(tmp_path)
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    _write_gz(labels, _idx_bytes(np.zeros((7, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match="does not hold mnist labels"):
        datasets.load("mnist", data_dir=tmp_path, verify_checksums=False)


def test_image_and_label_counts_must_agree(tmp_path, no_data_places):
    _write_dataset(tmp_path)
    _write_gz(
        tmp_path / "t10k-labels-idx1-ubyte.gz",
        _idx_bytes(np.zeros(4, np.uint8)),
    )
    with pytest.raises(ValueError, match="holds 3 images but .* 4 labels"):
        datasets.load("mnist", data_dir=tmp_path, verify_checksums=False)


def test_checksum_mismatch_is_named(tmp_path, no_data_places):
    _write_dataset(tmp_path)
    with pytest.raises(ValueError, match="Checksum mismatch") as info:
        datasets.load("mnist", data_dir=tmp_path)
    assert str(tmp_path / "train-images-idx3-ubyte.gz") in str(info.value)
    assert "verify_checksums=False" in str(info.value)


# Preprocessing.


def test_standardize_uses_training_statistics_only():
    x_train = np.array([[0, 255], [0, 255]], dtype=np.uint8)
    x_test = np.full((1, 2), 255, dtype=np.uint8)
    (train, test), (mean, std) = datasets.standardize(x_train, x_test)
    assert (mean, std) == pytest.approx((0.5, 0.5))
    np.testing.assert_allclose(train, [[-1, 1], [-1, 1]])
    np.testing.assert_allclose(test, [[1, 1]])
    assert train.dtype == test.dtype == np.float32


def test_standardize_rejects_unscaled_float_images():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        datasets.standardize(np.array([[0.0, 255.0]]))
