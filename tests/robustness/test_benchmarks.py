"""Tests of `keras_ninr.robustness.corruption_benchmark`: MNIST-C and
CIFAR-10-C in the original releases' layouts, and Hendrycks and
Dietterich's mCE, on fixture arrays written here."""

import json

import keras
import numpy as np
import pytest

from keras_ninr import robustness

# Pixel values whose image mean sits below, between and above the two
# models' thresholds (0.5 and 0.7).
DARK, MID, BRIGHT = 30, 150, 230


def threshold_model(input_shape, threshold):
    """Predicts class 0 when the image's mean pixel exceeds `threshold`,
    else class 1 (logits: mean - threshold, 0, then -1s)."""
    size = int(np.prod(input_shape))
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )
    kernel = np.zeros((size, 10), "float32")
    kernel[:, 0] = 1.0 / size
    bias = np.full(10, -1.0, "float32")
    bias[0], bias[1] = -threshold, 0.0
    model.layers[-1].set_weights([kernel, bias])
    return model


def images(levels, shape):
    """One constant uint8 image per level."""
    return np.stack([np.full(shape, v, np.uint8) for v in levels])


LABELS = np.array([0, 0, 1, 1], np.uint8)
MNIST_C_LEVELS = {
    "identity": [BRIGHT, MID, DARK, DARK],
    "shot_noise": [MID, MID, DARK, DARK],
    "impulse_noise": [MID, DARK, MID, DARK],
    "glass_blur": [DARK, DARK, MID, BRIGHT],
}


def write_mnist_c(folder):
    for name, levels in MNIST_C_LEVELS.items():
        (folder / name).mkdir(parents=True)
        np.save(folder / name / "test_images.npy", images(levels, (28, 28, 1)))
        np.save(folder / name / "test_labels.npy", LABELS)
    return folder


def test_mnist_c_accuracy_and_mce_by_hand(tmp_path):
    write_mnist_c(tmp_path / "mnist_c")
    names = ["shot_noise", "impulse_noise", "glass_blur"]
    # An FC network on (28, 28): the release's (N, 28, 28, 1) fits it.
    model = threshold_model((28, 28), 0.5)
    baseline_model = threshold_model((28, 28), 0.7)
    baseline = robustness.corruption_benchmark(
        baseline_model, "mnist_c", data_dir=tmp_path, corruptions=names
    )
    results = robustness.corruption_benchmark(
        model,
        "mnist-c",
        data_dir=tmp_path,
        corruptions=names,
        baseline=baseline,
    )
    assert results["accuracy"] == {
        "shot_noise": 1.0,
        "impulse_noise": 0.5,
        "glass_blur": 0.0,
    }
    assert baseline["accuracy"] == {
        "shot_noise": 0.5,
        "impulse_noise": 0.5,
        "glass_blur": 0.25,
    }
    assert results["mean_corruption_accuracy"] == pytest.approx(0.5)
    # The clean accuracy from the release's identity/ folder.
    assert results["clean_accuracy"] == 1.0
    assert baseline["clean_accuracy"] == 0.75
    # CE_c = E_c / E_c^base: 0 / 0.5, 0.5 / 0.5, 1 / 0.75.
    assert results["corruption_errors"] == pytest.approx(
        {"shot_noise": 0.0, "impulse_noise": 1.0, "glass_blur": 4 / 3}
    )
    assert results["mce"] == pytest.approx(7 / 9)
    # Relative: (E_c - 0) / (E_c^base - 0.25): 0 / 0.25, 0.5 / 0.25, 1 / 0.5.
    assert results["relative_corruption_errors"] == pytest.approx(
        {"shot_noise": 0.0, "impulse_noise": 2.0, "glass_blur": 2.0}
    )
    assert results["relative_mce"] == pytest.approx(4 / 3)
    assert results["images"] == {name: 4 for name in names}
    assert results["severities"] == []
    # Written as JSON and read back, the same results.
    assert json.loads(json.dumps(results)) == results


def test_cifar10_c_sums_errors_over_severities(tmp_path):
    folder = tmp_path / "CIFAR-10-C"
    folder.mkdir()
    labels = np.array([0, 1], np.uint8)
    levels = [
        [BRIGHT, DARK],
        [MID, DARK],
        [MID, MID],
        [DARK, BRIGHT],
        [DARK, MID],
    ]
    # Five severities of two images, in order, and the labels five times.
    flat = [level for severity in levels for level in severity]
    np.save(folder / "elastic_transform.npy", images(flat, (32, 32, 3)))
    np.save(folder / "labels.npy", np.tile(labels, 5))
    clean = (images([BRIGHT, MID], (32, 32, 3)), labels)
    model = threshold_model((32, 32, 3), 0.5)
    baseline = robustness.corruption_benchmark(
        threshold_model((32, 32, 3), 0.7),
        "cifar10_c",
        data_dir=tmp_path,
        corruptions="elastic",  # TFDS's name of elastic_transform.
        clean=clean,
    )
    results = robustness.corruption_benchmark(
        model,
        "cifar10_c",
        data_dir=folder,
        corruptions=["elastic_transform"],
        clean=clean,
        baseline=baseline,
    )
    assert results["accuracy_by_severity"] == {
        "elastic_transform": {"1": 1.0, "2": 1.0, "3": 0.5, "4": 0.0, "5": 0.0}
    }
    assert baseline["accuracy_by_severity"]["elastic_transform"] == {
        "1": 1.0,
        "2": 0.5,
        "3": 0.5,
        "4": 0.0,
        "5": 0.5,
    }
    assert results["accuracy"] == {
        "elastic_transform": pytest.approx(0.5 * 0 + 0.5)
    }
    assert (
        results["clean_accuracy"] == 0.5 and baseline["clean_accuracy"] == 1.0
    )
    # Errors 0, 0, .5, 1, 1 (sum 2.5) against 0, .5, .5, 1, .5 (sum 2.5): a
    # CE of 1, though severity 1 alone would be 0 / 0.
    assert results["mce"] == pytest.approx(1.0)
    # Relative: sum(E - 0.5) = 0 against sum(E - 0) = 2.5.
    assert results["relative_mce"] == pytest.approx(0.0)
    assert results["summary_corruptions"] == ["elastic_transform"]


def test_the_corruption_lists_are_the_benchmarks():
    assert len(robustness.MNIST_C_CORRUPTIONS) == 15
    assert "identity" not in robustness.MNIST_C_CORRUPTIONS
    assert len(robustness.CIFAR10_C_CORRUPTIONS) == 19
    assert len(robustness.CIFAR10_C_BENCHMARK_CORRUPTIONS) == 15


def test_the_corruption_names_are_those_of_tfds():
    tfds = pytest.importorskip("tensorflow_datasets")
    mnist_c = tfds.builder_cls("mnist_corrupted").BUILDER_CONFIGS
    assert {c.name for c in mnist_c} - {"identity"} == set(
        robustness.MNIST_C_CORRUPTIONS
    )
    cifar10_c = tfds.builder_cls("cifar10_corrupted").BUILDER_CONFIGS
    tfds_names = {c.name.rsplit("_", 1)[0] for c in cifar10_c}
    ours = {
        robustness.CIFAR10_C_TFDS_NAMES.get(c, c)
        for c in robustness.CIFAR10_C_CORRUPTIONS
    }
    assert tfds_names == ours


def test_missing_data_says_where_it_looked_and_how_to_get_it(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tensorflow_datasets"))
    write_mnist_c(tmp_path / "mnist_c")
    model = threshold_model((28, 28), 0.5)
    with pytest.raises(FileNotFoundError) as info:
        robustness.corruption_benchmark(
            model, "mnist_c", data_dir=tmp_path, corruptions="zigzag"
        )
    message = str(info.value)
    assert "MNIST-C data of corruption 'zigzag'" in message
    assert f"{tmp_path / 'mnist_c'} (missing zigzag/test_images.npy" in message
    assert "https://zenodo.org/record/3239543/files/mnist_c.zip" in message
    assert "'mnist_corrupted/zigzag'" in message
    monkeypatch.delenv("KERAS_NINR_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError) as info:
        robustness.corruption_benchmark(model, "cifar10_c", source="files")
    message = str(info.value)
    assert "$KERAS_NINR_DATA_DIR: not set" in message
    assert "https://zenodo.org/record/2535967/files/CIFAR-10-C.tar" in message
    assert "'cifar10_corrupted/gaussian_noise_1'" in message


def test_files_of_the_wrong_shape_and_bad_arguments(tmp_path):
    (tmp_path / "shot_noise").mkdir()
    np.save(
        tmp_path / "shot_noise" / "test_images.npy",
        np.zeros((2, 32, 32), np.uint8),
    )
    np.save(tmp_path / "shot_noise" / "test_labels.npy", np.zeros(2, np.uint8))
    model = threshold_model((28, 28), 0.5)
    with pytest.raises(ValueError, match="does not hold MNIST-C images"):
        robustness.corruption_benchmark(
            model, "mnist_c", data_dir=tmp_path, corruptions="shot_noise"
        )
    with pytest.raises(
        ValueError, match="Unrecognized benchmark: 'imagenet_c'"
    ):
        robustness.corruption_benchmark(model, "imagenet_c")
    with pytest.raises(ValueError, match="Unrecognized MNIST-C corruption"):
        robustness.corruption_benchmark(model, "mnist_c", corruptions="snow")
    with pytest.raises(ValueError, match="max_images=0"):
        robustness.corruption_benchmark(model, "mnist_c", max_images=0)


def test_mnist_c_through_mocked_tfds(tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    model = threshold_model((28, 28), 0.5)
    with tfds.testing.mock_data(num_examples=3):
        results = robustness.corruption_benchmark(
            model, "mnist_c", source="tfds", corruptions=["fog", "zigzag"]
        )
    assert results["images"] == {"fog": 3, "zigzag": 3}
    assert results["sources"]["fog"].startswith("TensorFlow Datasets")
    assert 0.0 <= results["mean_corruption_accuracy"] <= 1.0


def test_mnist_c_from_prepared_tfds_data_in_the_automatic_order(
    tmp_path, monkeypatch
):
    pytest.importorskip("tensorflow_datasets")
    from tests.datasets.test_tfds import prepare

    tfds_dir = tmp_path / "tensorflow_datasets"
    for config in ("fog", "identity"):
        prepare(
            tfds_dir,
            "mnist_corrupted",
            (28, 28, 1),
            {"test": 4},
            config=config,
            version="1.0.0",
        )
    monkeypatch.setenv("TFDS_DATA_DIR", str(tfds_dir))
    monkeypatch.delenv("KERAS_NINR_DATA_DIR", raising=False)
    model = threshold_model((28, 28), 0.5)
    results = robustness.corruption_benchmark(
        model, "mnist_c", corruptions="fog"
    )
    assert results["images"] == {"fog": 4}
    assert results["sources"] == {"fog": "TensorFlow Datasets mnist_corrupted"}
    assert results["clean_accuracy"] is not None  # From TFDS's identity.
