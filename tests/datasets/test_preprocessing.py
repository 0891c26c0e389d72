"""Tests of the paper's preprocessing: `scale_pixels`, `standardize`, and the
`Standardization` layer that puts it inside a model."""

import os

import keras
import numpy as np
import pytest

from keras_ninr import datasets
from keras_ninr.datasets import Standardization
from keras_ninr.src.datasets.preprocessing import find_standardization


def _pixels(seed=0, shape=(300, 28, 28)):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _standardizing_model(mean, std, shape=(28, 28)):
    inputs = keras.Input(shape)
    return keras.Model(inputs, Standardization(mean, std)(inputs))


# NumPy.


def test_scale_pixels_takes_uint8_or_unit_floats():
    x = np.array([[0, 51, 255]], np.uint8)
    np.testing.assert_array_equal(
        datasets.scale_pixels(x), np.float32([[0.0, 0.2, 1.0]])
    )
    assert datasets.scale_pixels(x).dtype == np.float32
    floats = np.array([0.0, 0.5, 1.0], np.float64)
    np.testing.assert_array_equal(datasets.scale_pixels(floats), floats)
    assert datasets.scale_pixels(floats).dtype == np.float32
    with pytest.raises(ValueError, match="values in \\[0.0, 255.0\\]"):
        datasets.scale_pixels(np.array([0.0, 255.0]))
    with pytest.raises(ValueError, match="dtype int64"):
        datasets.scale_pixels(np.array([0, 1], np.int64))


def test_standardize_uses_training_statistics_only():
    x_train = np.array([[0, 255], [0, 255]], dtype=np.uint8)
    x_test = np.full((1, 2), 255, dtype=np.uint8)
    (train, test), (mean, std) = datasets.standardize(x_train, x_test)
    assert (mean, std) == pytest.approx((0.5, 0.5))
    np.testing.assert_allclose(train, [[-1, 1], [-1, 1]])
    np.testing.assert_allclose(test, [[1, 1]])
    assert train.dtype == test.dtype == np.float32
    assert isinstance(mean, float) and isinstance(std, float)


def test_standardize_rejects_unscaled_or_constant_images():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        datasets.standardize(np.array([[0.0, 255.0]]))
    with pytest.raises(ValueError, match="the same value"):
        datasets.standardize(np.full((3, 4), 7, np.uint8))


# The layer.


def test_layer_computes_exactly_what_standardize_computes():
    x = _pixels()
    (expected, _), (mean, std) = datasets.standardize(x)
    pixels = datasets.scale_pixels(x)
    model = _standardizing_model(mean, std)
    # Eager, and compiled as `predict` runs it (XLA for JAX and TF).
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model(pixels)), expected
    )
    model.compile(jit_compile="auto")
    np.testing.assert_array_equal(
        model.predict(pixels, batch_size=128, verbose=0), expected
    )


def test_layer_state_config_and_saved_model(tmp_path):
    mean, std = 0.1307, 0.3081
    layer = Standardization(mean, std, name="standardization")
    model = _standardizing_model(mean, std)
    layer = model.layers[-1]
    assert [w.name for w in layer.weights] == ["mean", "std"]
    assert layer.trainable_weights == []
    assert all(w.dtype == "float32" for w in layer.weights)
    config = layer.get_config()
    assert (config["mean"], config["std"]) == (mean, std)
    clone = Standardization.from_config(config)
    assert (clone.mean, clone.std) == (mean, std)

    # A saved model needs nothing else to standardise pixels.
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    pixels = datasets.scale_pixels(_pixels(seed=1, shape=(4, 28, 28)))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(pixels)),
        (pixels - np.float32(mean)) / np.float32(std),
    )
    found = find_standardization(loaded)
    assert (found.mean, found.std) == (mean, std)


def test_layer_keeps_float32_statistics_under_mixed_precision():
    layer = Standardization(0.5, 0.25, dtype="mixed_float16")
    out = layer(np.array([[0.0, 1.0]], np.float32))
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), [[-2, 2]])
    assert all(w.dtype == "float32" for w in layer.weights)


@pytest.mark.parametrize(
    "mean, std, match",
    [
        (float("nan"), 1.0, "mean=nan"),
        ("0.1", 1.0, "mean='0.1'"),
        (True, 1.0, "mean=True"),
        (0.0, 0.0, "std=0.0"),
        (0.0, -1.0, "std=-1.0"),
        (0.0, float("inf"), "std=inf"),
    ],
)
def test_bad_statistics_are_rejected(mean, std, match):
    with pytest.raises(ValueError, match=match):
        Standardization(mean, std)


def test_find_standardization_looks_into_nested_models():
    inner = keras.Sequential(
        [keras.Input((4,)), Standardization(0.5, 0.2), keras.layers.Dense(2)]
    )
    inputs = keras.Input((4,))
    outer = keras.Model(inputs, keras.layers.Dense(1)(inner(inputs)))
    assert find_standardization(outer) is inner.layers[0]
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    assert find_standardization(plain) is None


def test_pixel_statistics_are_those_standardize_uses():
    from keras_ninr import datasets

    x = np.random.default_rng(5).integers(0, 256, (40, 6, 6)).astype("uint8")
    _, expected = datasets.standardize(x)
    assert datasets.pixel_statistics(x) == expected
    with pytest.raises(ValueError, match="same value"):
        datasets.pixel_statistics(np.zeros((3, 4), "uint8"))
