"""`datasets.load` through TensorFlow Datasets, under `tfds.testing.mock_data`."""

import os
import subprocess
import sys

import keras

import numpy as np
import pytest

from keras_ninr import datasets
from tests.datasets.writers import write_idx_dataset

tfds = pytest.importorskip("tensorflow_datasets")


def test_fashion_mnist_through_tfds_has_the_form_of_the_idx_loader():
    with tfds.testing.mock_data(num_examples=6):
        (x_train, y_train), (x_test, y_test) = datasets.load(
            "fashion_mnist", source="tfds"
        )
    for x, y in ((x_train, y_train), (x_test, y_test)):
        assert x.shape == (6, 28, 28) and x.dtype == np.uint8
        assert y.shape == (6,) and y.dtype == np.uint8
        assert y.max() < 10


def test_cifar10_through_tfds_keeps_its_channels_and_max_per_class():
    with tfds.testing.mock_data(num_examples=12):
        (x_train, y_train), _ = datasets.load("cifar10", source="tfds")
        (x_small, y_small), _ = datasets.load(
            "cifar10", source="tfds", max_per_class=1
        )
    assert x_train.shape == (12, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.dtype == np.uint8
    # One of each class drawn, in the order of the full load.
    assert sorted(y_small.tolist()) == sorted(set(y_train.tolist()))


def prepare(folder, name, shape, sizes, config=None, version="3.0.1"):
    """A real prepared TFDS data set in `folder`: random images and labels
    written by TFDS itself (`store_as_tfds_dataset`), as `tfds.load` would
    have left them."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    splits = {
        split: tf.data.Dataset.from_tensor_slices(
            {
                "image": rng.integers(0, 256, (n,) + shape, dtype=np.uint8),
                "label": rng.integers(0, 10, n),
            }
        )
        for split, n in sizes.items()
    }
    features = tfds.features.FeaturesDict(
        {
            "image": tfds.features.Image(shape=shape),
            "label": tfds.features.ClassLabel(num_classes=10),
        }
    )
    tfds.dataset_builders.store_as_tfds_dataset(
        name=name,
        version=version,
        features=features,
        split_datasets=splits,
        config=config,
        data_dir=str(folder),
    )


def test_automatic_order_reads_prepared_tfds_data_after_the_local_files(
    tmp_path, no_data_places, monkeypatch
):
    tfds_dir = tmp_path / "tensorflow_datasets"
    prepare(tfds_dir, "mnist", (28, 28, 1), {"train": 5, "test": 3})
    # Read from TFDS's files, not mocked.
    (x_train, y_train), (x_test, _) = datasets.load(
        "mnist", source="tfds", data_dir=tfds_dir
    )
    assert x_train.shape == (5, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (3, 28, 28) and y_train.dtype == np.uint8
    # No local copy: TFDS's prepared data serves, nothing downloads.
    monkeypatch.setenv("TFDS_DATA_DIR", str(tfds_dir))
    (x_auto, _), _ = datasets.load("mnist", download=False)
    np.testing.assert_array_equal(x_auto, x_train)
    # A local copy comes first.
    write_idx_dataset(tmp_path / "local" / "mnist", num_train=4, num_test=2)
    monkeypatch.setenv("KERAS_NINR_DATA_DIR", str(tmp_path / "local"))
    (x_local, _), _ = datasets.load(
        "mnist", download=False, verify_checksums=False
    )
    assert x_local.shape == (4, 28, 28)
    # Files only: TFDS is not asked.
    monkeypatch.delenv("KERAS_NINR_DATA_DIR")
    with pytest.raises(FileNotFoundError) as info:
        datasets.load("mnist", download=False, source="files")
    assert "TensorFlow Datasets" not in str(info.value)


def test_the_not_found_message_names_the_tfds_folder(no_data_places, tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        datasets.load("fashion_mnist", download=False)
    message = str(info.value)
    assert "TensorFlow Datasets: " in message
    assert str(tmp_path / "tensorflow_datasets" / "fashion_mnist") in message
    assert "tfds.load('fashion_mnist')" in message


def test_source_tfds_without_prepared_data_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="no prepared 'mnist' in"):
        datasets.load("mnist", source="tfds", data_dir=tmp_path, download=False)


def test_without_tfds_the_error_names_the_extra(monkeypatch, no_data_places):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)
    with pytest.raises(
        ImportError, match=r"pip install keras-ninr\[datasets\]"
    ):
        datasets.load("fashion_mnist", source="tfds")
    # The automatic order goes on without it, and says so.
    with pytest.raises(
        FileNotFoundError, match="TensorFlow Datasets: not installed"
    ):
        datasets.load("fashion_mnist", download=False)


def test_bad_sources_raise_value_errors():
    with pytest.raises(ValueError, match="source='kaggle'"):
        datasets.load("mnist", source="kaggle")
    with pytest.raises(ValueError, match="usps data set is not in TensorFlow"):
        datasets.load("usps", source="tfds")


def test_the_package_imports_tfds_only_when_it_is_used():
    probe = (
        "import sys\n"
        # The sweep's checks import what these two import.
        "import keras_ninr.datasets, keras_ninr.robustness\n"
        "print('tensorflow_datasets' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=dict(os.environ, KERAS_BACKEND=keras.backend.backend()),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "False"
