"""Tests of the CIFAR-10 loader: python batches and the JPEG copy."""

import hashlib
import importlib
import os
import pickle
import zipfile

import numpy as np
import pytest

from keras_ninr import datasets
from tests.datasets.writers import color
from tests.datasets.writers import jpeg_bytes
from tests.datasets.writers import real_folder
from tests.datasets.writers import write_batches
from tests.datasets.writers import write_jpeg_zip

# The implementation module, for the decoded-cache test only.
cifar10_module = importlib.import_module("keras_ninr.src.datasets.cifar10")


@pytest.fixture(scope="module")
def cifar10_subset(tmp_path_factory):
    folder = real_folder("cifar10")
    with pytest.MonkeyPatch.context() as patch:
        keras_home = tmp_path_factory.mktemp("keras_home")
        patch.setenv("KERAS_HOME", str(keras_home))
        data = datasets.load(
            "cifar10", data_dir=folder, download=False, max_per_class=5
        )
    return data, keras_home


# CIFAR-10, real files.


def test_cifar10_subset_of_the_jpeg_copy(cifar10_subset):
    ((x_train, y_train), (x_test, y_test)), keras_home = cifar10_subset
    assert x_train.shape == (50, 32, 32, 3) and x_test.shape == (50, 32, 32, 3)
    assert x_train.dtype == x_test.dtype == np.uint8
    assert y_train.dtype == y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [5] * 10
    assert np.bincount(y_test).tolist() == [5] * 10
    assert np.all(np.diff(y_train.astype(int)) >= 0)  # Sorted by class.
    assert x_train.std() > 40  # Photographs, not blank images.
    # A subset is never cached: only the whole set is.
    assert not (keras_home / "datasets" / "keras_ninr").exists()

    # The paper's preprocessing: one scalar mean and std over all pixels.
    (train, test), (mean, std) = datasets.standardize(x_train, x_test)
    assert train.shape == x_train.shape and test.dtype == np.float32
    assert mean == pytest.approx(float(np.mean(x_train / 255.0)), abs=1e-6)
    assert std == pytest.approx(float(np.std(x_train / 255.0)), abs=1e-6)
    assert float(train.mean()) == pytest.approx(0.0, abs=1e-4)
    assert float(train.std()) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.slow
def test_whole_jpeg_copy_and_its_decoded_cache(tmp_path, monkeypatch):
    folder = real_folder("cifar10")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = datasets.load(
        "cifar10", data_dir=folder, download=False
    )
    assert x_train.shape == (50000, 32, 32, 3)
    assert x_test.shape == (10000, 32, 32, 3)
    assert np.bincount(y_train).tolist() == [5000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    # The official files' channel means, (0.4914, 0.4822, 0.4465): the JPEG
    # copy holds the same photographs.
    np.testing.assert_allclose(
        x_train.reshape(-1, 3).mean(axis=0) / 255.0,
        [0.4914, 0.4822, 0.4465],
        atol=2e-3,
    )
    assert len(os.listdir(tmp_path / "datasets" / "keras_ninr")) == 1
    (cached_x, _), (_, cached_y) = datasets.load(
        "cifar10", data_dir=folder, download=False
    )
    np.testing.assert_array_equal(cached_x, x_train)
    np.testing.assert_array_equal(cached_y, y_test)


# CIFAR-10, generated files.


def test_jpeg_zip_round_trip_in_sorted_order(tmp_path, no_data_places):
    write_jpeg_zip(tmp_path / "cifar10-jpeg.zip")
    (x_train, y_train), (x_test, y_test) = datasets.load(
        "cifar10", data_dir=tmp_path, verify_checksums=False
    )
    assert x_train.shape == (30, 32, 32, 3) and x_test.shape == (20, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert y_train.tolist() == np.repeat(np.arange(10), 3).tolist()
    assert y_test.tolist() == np.repeat(np.arange(10), 2).tolist()
    for split_id, x, per_class in ((0, x_train, 3), (1, x_test, 2)):
        expected = [
            color(split_id, class_id, index)
            for class_id in range(10)
            for index in range(per_class)
        ]
        np.testing.assert_allclose(
            x.mean(axis=(1, 2)), np.array(expected, float), atol=3
        )

    (x_small, y_small), _ = datasets.load(
        "cifar10", data_dir=tmp_path, verify_checksums=False, max_per_class=1
    )
    assert y_small.tolist() == list(range(10))
    np.testing.assert_array_equal(x_small, x_train[::3])


def test_decoded_jpeg_zip_is_cached(tmp_path, no_data_places, monkeypatch):
    zip_path = write_jpeg_zip(tmp_path / "cifar10-jpeg.zip", per_class=(2, 1))
    first = datasets.load("cifar10", data_dir=tmp_path, verify_checksums=False)
    cache = tmp_path / "keras_home" / "datasets" / "keras_ninr"
    sha256 = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    assert os.listdir(cache) == [f"cifar10_jpeg_{sha256[:16]}.npz"]

    def fail(*args, **kwargs):
        raise AssertionError("decoded again instead of read from the cache")

    with monkeypatch.context() as patch:
        patch.setattr(cifar10_module, "_decode_cifar10_zip", fail)
        second = datasets.load(
            "cifar10", data_dir=tmp_path, verify_checksums=False
        )
    for (x1, y1), (x2, y2) in zip(first, second):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)

    # A damaged cache file is decoded again and replaced.
    (cache / os.listdir(cache)[0]).write_bytes(b"not an npz file")
    (x_train, _), _ = datasets.load(
        "cifar10", data_dir=tmp_path, verify_checksums=False
    )
    np.testing.assert_array_equal(x_train, first[0][0])
    assert os.listdir(cache) == [f"cifar10_jpeg_{sha256[:16]}.npz"]
    with np.load(cache / os.listdir(cache)[0]) as f:
        assert str(f["zip_sha256"]) == sha256


def test_python_batches_round_trip(tmp_path, no_data_places):
    folder = tmp_path / "cifar10" / "cifar-10-batches-py"
    written = write_batches(folder)
    for data_dir in (tmp_path, folder):
        (x_train, y_train), (x_test, y_test) = datasets.load(
            "cifar10", data_dir=data_dir
        )
        assert x_train.shape == (20, 32, 32, 3)
        assert x_test.shape == (4, 32, 32, 3)
        assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
        data, labels = written["data_batch_2"]
        np.testing.assert_array_equal(y_train[4:8], labels)
        # Row-major planes of red, green and blue.
        image = x_train[5]
        assert image[3, 7, 0] == data[1, 0 * 1024 + 3 * 32 + 7]
        assert image[3, 7, 2] == data[1, 2 * 1024 + 3 * 32 + 7]
        np.testing.assert_array_equal(y_test, written["test_batch"][1])


def test_python_batches_in_the_keras_cache_come_before_a_zip(
    tmp_path, no_data_places
):
    keras_folder = (
        tmp_path / "keras_home" / "datasets" / "cifar-10-batches-py-target"
    )
    written = write_batches(keras_folder / "cifar-10-batches-py")
    _, (_, y_test) = datasets.load("cifar10", download=False)
    np.testing.assert_array_equal(y_test, written["test_batch"][1])

    # Lossless official files first when a folder holds both.
    write_jpeg_zip(keras_folder / "cifar10-jpeg.zip")
    _, (x_test, _) = datasets.load("cifar10", download=False)
    assert x_test.shape == (4, 32, 32, 3)


# CIFAR-10, bad input.


def test_corrupt_jpeg_is_named(tmp_path, no_data_places):
    good = jpeg_bytes((1, 2, 3))
    for name, data in (
        ("train/cat/9999.jpg", b"not a jpeg"),
        ("test/dog/9999.jpg", good[: len(good) // 2]),
    ):
        path = tmp_path / name.replace("/", "_") / "cifar10-jpeg.zip"
        path.parent.mkdir()
        write_jpeg_zip(path, per_class=(1, 1), extra_entries=[(name, data)])
        with pytest.raises(ValueError, match="Could not decode") as info:
            datasets.load(
                "cifar10", data_dir=path.parent, verify_checksums=False
            )
        assert name in str(info.value) and str(path) in str(info.value)


def test_misshapen_zip_is_rejected(tmp_path, no_data_places):
    # (A truncated one: see test_loaders.)
    path = tmp_path / "cifar10-jpeg.zip"
    write_jpeg_zip(
        path, per_class=(1, 1), extra_entries=[("train/cats/0.jpg", b"")]
    )
    with pytest.raises(ValueError, match="unknown class folder 'cats'"):
        datasets.load("cifar10", data_dir=tmp_path, verify_checksums=False)

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train/cat/0000.jpg", jpeg_bytes((0, 0, 0)))
    with pytest.raises(ValueError, match="no images test/"):
        datasets.load("cifar10", data_dir=tmp_path, verify_checksums=False)


def test_bad_python_batches_are_named(tmp_path, no_data_places):
    write_batches(tmp_path)
    path = tmp_path / "data_batch_3"
    # (A truncated one: see test_loaders.)
    # A pickle that would run code is refused, not run.
    path.write_bytes(pickle.dumps({b"data": os.getcwd}))
    with pytest.raises(ValueError, match="refusing to load"):
        datasets.load("cifar10", data_dir=tmp_path)

    with open(path, "wb") as f:
        batch = {b"data": np.zeros((2, 1024), np.uint8), b"labels": [0, 1]}
        pickle.dump(batch, f)
    with pytest.raises(ValueError, match="does not hold CIFAR-10 images"):
        datasets.load("cifar10", data_dir=tmp_path)
