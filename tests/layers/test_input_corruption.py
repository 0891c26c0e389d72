"""Tests of `InputCorruption`: CDT, paper Eq. 8 on [0, 1] pixels in training."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from keras_ninr import InputCorruption
from keras_ninr.datasets import Standardization

MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST's training statistics.


def to_numpy(x):
    return ops.convert_to_numpy(x)


def _pixels(shape=(4000, 28, 28), seed=0):
    return np.random.default_rng(seed).uniform(size=shape).astype("float32")


def _first_noise(shape, seed):
    """The first draw of a layer whose `SeedGenerator` has `seed`."""
    generator = keras.random.SeedGenerator(seed)
    return to_numpy(keras.random.normal(shape, dtype="float32", seed=generator))


def test_identity_at_inference_and_at_zero_noise():
    x = _pixels((8, 6, 6))
    for space in ("pixel", "standardized"):
        layer = InputCorruption(0.4, MEAN, STD, space=space, seed=0)
        np.testing.assert_array_equal(to_numpy(layer(x)), x)
        np.testing.assert_array_equal(to_numpy(layer(x, training=False)), x)
        clean = InputCorruption(0.0, MEAN, STD, space=space, seed=0)
        np.testing.assert_array_equal(to_numpy(clean(x, training=True)), x)


def test_pixel_space_is_eq_8_on_the_pixels():
    x = _pixels((16, 5, 5))
    layer = InputCorruption(0.4, seed=3)
    out = to_numpy(layer(x, training=True))
    expected = math.sqrt(1 - 0.4**2) * x + 0.4 * _first_noise(x.shape, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
    # Statistically, on many pixels: the residual is N(0, sigma_noise**2).
    x = _pixels()
    out = to_numpy(InputCorruption(0.4, seed=0)(x, training=True))
    residual = out - math.sqrt(1 - 0.4**2) * x
    assert residual.mean() == pytest.approx(0.0, abs=2e-3)
    assert residual.std() == pytest.approx(0.4, rel=0.01)


def test_standardized_space_is_eq_8_on_standardised_pixels():
    x = _pixels((200, 784), seed=1)
    layer = InputCorruption(0.7, MEAN, STD, space="standardized", seed=0)
    out = to_numpy(layer(x, training=True))
    standardized = (x - MEAN) / STD
    expected = math.sqrt(1 - 0.49) * standardized + 0.7 * _first_noise(
        x.shape, 0
    )
    # Pixels out: standardised by the model's next layer they are Eq. 8.
    np.testing.assert_allclose((out - MEAN) / STD, expected, atol=2e-5)
    # Eq. 8 keeps the variance of unit-variance inputs.
    unit = np.random.default_rng(2).normal(size=(200, 784)).astype("float32")
    out = to_numpy(layer(unit * STD + MEAN, training=True))
    assert ((out - MEAN) / STD).var() == pytest.approx(1.0, rel=0.02)


@pytest.mark.parametrize("space", ["pixel", "standardized"])
def test_before_standardization_it_corrupts_as_the_former_layer(space):
    """Input -> InputCorruption -> Standardization gives, within float
    tolerance, what the former layer gave on standardised inputs (it mapped
    them back to pixels for `space="pixel"`), with the same noise."""
    x = _pixels((32, 10, 10), seed=4)
    model = keras.Sequential(
        [
            keras.Input((10, 10)),
            InputCorruption(0.5, MEAN, STD, space=space, seed=7),
            Standardization(MEAN, STD),
        ]
    )
    out = to_numpy(model(x, training=True))
    standardized = (x - np.float32(MEAN)) / np.float32(STD)
    delta = _first_noise(x.shape, 7)
    if space == "pixel":  # The former layer's computation.
        pixels = standardized * STD + MEAN
        former = (math.sqrt(0.75) * pixels + 0.5 * delta - MEAN) / STD
    else:
        former = math.sqrt(0.75) * standardized + 0.5 * delta
    np.testing.assert_allclose(out, former, rtol=1e-5, atol=1e-5)
    # At inference the model only standardises, as NumPy did.
    np.testing.assert_array_equal(model.predict(x, verbose=0), standardized)


def test_fresh_noise_every_call_and_seeded():
    x = _pixels((4, 8, 8))
    layer = InputCorruption(0.3, seed=5)
    first = to_numpy(layer(x, training=True))
    assert not np.array_equal(first, to_numpy(layer(x, training=True)))
    again = to_numpy(InputCorruption(0.3, seed=5)(x, training=True))
    np.testing.assert_array_equal(first, again)


def test_config_and_keras_round_trip(tmp_path):
    layer = InputCorruption(0.4, MEAN, STD, space="standardized", seed=3)
    config = layer.get_config()
    assert {
        key: config[key] for key in ("sigma_noise", "mean", "std", "space")
    } == {"sigma_noise": 0.4, "mean": MEAN, "std": STD, "space": "standardized"}
    assert config["seed"] == 3
    restored = InputCorruption.from_config(config)
    assert restored.get_config() == config
    pixel = InputCorruption(0.2).get_config()
    assert (pixel["mean"], pixel["std"], pixel["space"]) == (None, None, "pixel")

    inputs = keras.Input((6,))
    h = InputCorruption(0.4, seed=1, name="cdt")(inputs)
    h = Standardization(MEAN, STD)(h)
    model = keras.Model(inputs, keras.layers.Dense(2)(h))
    x = _pixels((8, 6))
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    path = str(tmp_path / "cdt.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.get_layer("cdt").get_config() == model.get_layer(
        "cdt"
    ).get_config()
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )


def test_bad_arguments_raise_naming_them():
    bad = {
        "space='raw'": dict(sigma_noise=0.2, space="raw"),
        "sigma_noise=1.5": dict(sigma_noise=1.5),
        "mean=None, std=None": dict(sigma_noise=0.2, space="standardized"),
        "std=None": dict(sigma_noise=0.2, mean=0.5, space="standardized"),
        "std=0.0": dict(sigma_noise=0.2, mean=0.5, std=0.0),
        "mean=nan": dict(sigma_noise=0.2, mean=float("nan"), std=0.3),
        "mean=True": dict(sigma_noise=0.2, mean=True, std=0.3),
    }
    for message, kwargs in bad.items():
        with pytest.raises(ValueError) as info:
            InputCorruption(**kwargs)
        assert message in str(info.value), message
