"""Tests of `keras_ninr.robustness`: Eq. 8 corruption and corrupted accuracy."""

import math

import keras
import numpy as np
import pytest

from keras_ninr import NINRModel
from keras_ninr import robustness


class _RecordingModel:
    """Predicts class 1 where an input's mean is positive, else class 0."""

    def __init__(self):
        self.inputs = None

    def predict(self, x, batch_size=None, verbose=None):
        self.inputs = x
        positive = x.reshape(len(x), -1).mean(axis=1) > 0
        return np.stack([~positive, positive], axis=1).astype(np.float32)


@pytest.mark.parametrize("sigma_noise", [0.0, 0.4, 1.0])
def test_corrupt_preserves_unit_variance(sigma_noise):
    x = np.random.default_rng(1).standard_normal((1000, 784), dtype=np.float32)
    corrupted = robustness.corrupt(x, sigma_noise, seed=2)
    assert corrupted.shape == x.shape and corrupted.dtype == np.float32
    assert float(corrupted.mean()) == pytest.approx(0.0, abs=5e-3)
    assert float(corrupted.var()) == pytest.approx(1.0, abs=5e-3)
    # The clean signal keeps the weight sqrt(1 - sigma_noise**2).
    correlation = np.corrcoef(x.ravel(), corrupted.ravel())[0, 1]
    assert correlation == pytest.approx(math.sqrt(1 - sigma_noise**2), abs=5e-3)


def test_corrupt_is_exactly_eq_8():
    x = np.linspace(-2.0, 2.0, 12).reshape(3, 4)
    delta = np.random.default_rng(7).standard_normal(x.shape)
    expected = math.sqrt(1 - 0.6**2) * x + 0.6 * delta
    np.testing.assert_allclose(robustness.corrupt(x, 0.6, seed=7), expected)


def test_corrupt_is_seeded_and_leaves_its_input_alone():
    x = np.zeros((4, 5), dtype=np.uint8)
    first = robustness.corrupt(x, 0.5, seed=3)
    assert first.dtype == np.float32
    np.testing.assert_array_equal(first, robustness.corrupt(x, 0.5, seed=3))
    assert not np.array_equal(first, robustness.corrupt(x, 0.5, seed=4))
    assert not x.any()
    np.testing.assert_array_equal(robustness.corrupt(x, 0.0), x)


@pytest.mark.parametrize("sigma_noise", [-0.1, 1.1, float("nan"), "0.4", True])
def test_corrupt_rejects_sigma_noise_outside_unit_interval(sigma_noise):
    with pytest.raises(ValueError, match="sigma_noise") as info:
        robustness.corrupt(np.zeros(3), sigma_noise)
    assert repr(sigma_noise) in str(info.value)


def test_corrupted_accuracy_standardises_corrupted_pixels():
    x = np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    y = np.zeros(50, dtype=np.int64)
    model = _RecordingModel()
    mean, std = 0.3, 0.4
    accuracy = robustness.corrupted_accuracy(
        model, x, y, 0.4, mean, std, seed=5
    )
    pixels = x.astype(np.float32) / 255
    expected = (robustness.corrupt(pixels, 0.4, seed=5) - mean) / std
    np.testing.assert_allclose(model.inputs, expected, rtol=1e-5, atol=1e-5)
    predicted_zero = expected.reshape(50, -1).mean(axis=1) <= 0
    assert accuracy == pytest.approx(predicted_zero.mean())


def test_corrupted_accuracy_in_standardized_space():
    rng = np.random.default_rng(0)
    signs = rng.integers(0, 2, 2000)
    x = np.where(signs[:, None], 1.0, -1.0) + 0.1 * rng.standard_normal(
        (2000, 16)
    )
    model = _RecordingModel()
    clean = robustness.corrupted_accuracy(
        model, x, signs, 0.0, space="standardized"
    )
    assert clean == 1.0
    np.testing.assert_array_equal(model.inputs, x)
    noisy = robustness.corrupted_accuracy(
        model, x, signs, 1.0, space="standardized"
    )
    assert noisy == pytest.approx(0.5, abs=0.05)


def test_corrupted_accuracy_argument_checks():
    model = _RecordingModel()
    x = np.zeros((2, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="needs the training `mean` and `std`"):
        robustness.corrupted_accuracy(model, x, [0, 0], 0.4)
    with pytest.raises(ValueError, match="Unrecognized `space`"):
        robustness.corrupted_accuracy(
            model, x, [0, 0], 0.4, 0.5, 0.5, space="x"
        )
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        robustness.corrupted_accuracy(
            model, x * 255.0 + 2, [0, 0], 0.4, 0.5, 0.5
        )
    with pytest.raises(ValueError, match="sigma_noise=2"):
        robustness.corrupted_accuracy(model, x, [0, 0], 2, 0.5, 0.5)


def test_corrupted_accuracy_of_a_ninr_model_is_noise_free():
    keras.utils.set_random_seed(0)
    base = keras.Sequential(
        [keras.Input((4, 4)), keras.layers.Flatten(), keras.layers.Dense(3)]
    )
    model = NINRModel.from_model(base, noise_stddev=1000.0, seed=0)
    x = np.random.default_rng(0).integers(0, 256, (64, 4, 4), dtype=np.uint8)
    x_standardized = (x / 255.0 - 0.5) / 0.25
    y = base.predict(x_standardized, verbose=0).argmax(axis=-1)
    # The clean accuracy is 1 and does not change from call to call.
    for _ in range(2):
        assert robustness.corrupted_accuracy(model, x, y, 0.0, 0.5, 0.25) == 1.0
    corrupted = robustness.corrupted_accuracy(
        model, x, y, 0.9, 0.5, 0.25, seed=1
    )
    again = robustness.corrupted_accuracy(model, x, y, 0.9, 0.5, 0.25, seed=1)
    assert corrupted == again
    assert corrupted < 1.0


def test_corruption_curve_falls_from_clean_to_pure_noise():
    rng = np.random.default_rng(0)
    # Bright images are class 1, dark ones class 0: clean accuracy is 1,
    # and at sigma_noise = 1 the image is gone and accuracy is chance.
    y = rng.integers(0, 2, 400)
    x = np.where(y[:, None, None] == 1, 0.9, 0.1) * np.ones((400, 8, 8))
    model = _RecordingModel()
    curve = robustness.corruption_curve(model, x, y, mean=0.5, std=0.4)
    assert list(curve) == list(robustness.DEFAULT_SIGMAS)
    assert curve[0.0] == 1.0
    assert 0.35 < curve[1.0] < 0.65
    assert curve[0.0] >= curve[0.5] >= curve[1.0]
    with pytest.raises(ValueError, match="sigma_noise=2"):
        robustness.corruption_curve(model, x, y, 0.5, 0.4, sigmas=[0.1, 2])


@pytest.mark.skipif(
    not __import__("os").environ.get("KERAS_NINR_DATA_DIR"),
    reason="needs MNIST and USPS from $KERAS_NINR_DATA_DIR",
)
def test_domain_shift_mnist_to_usps():
    from keras_ninr import datasets
    from keras_ninr.experiments import zoo

    (x_train, y_train), _ = datasets.load("mnist", max_per_class=200)
    (x_train, _), (mean, std) = datasets.standardize(x_train)
    keras.utils.set_random_seed(0)
    model = zoo.build("fc", hidden_units=(64,), seed=0)
    zoo.compile_model(model, "fc")
    model.fit(x_train, y_train, batch_size=64, epochs=3, verbose=0)
    accuracy = robustness.domain_shift_accuracy(model, mean, std)
    assert 0.3 < accuracy <= 1.0  # Far above chance, as in Table 1.
    padded = robustness.domain_shift_accuracy(model, mean, std, variant="pad")
    assert 0.0 <= padded <= 1.0
