"""Tests of `keras_ninr.robustness`: Eq. 8 corruption and corrupted accuracy."""

import inspect
import math

import keras
import numpy as np
import pytest

from keras_ninr import NINRModel
from keras_ninr import robustness
from keras_ninr.datasets import Standardization


class _RecordingModel:
    """Predicts class 1 where an input's mean exceeds `threshold`, else 0.

    `layers` stands for a model's layers (where `space="standardized"`
    looks for its `Standardization`).
    """

    def __init__(self, threshold=0.5, layers=()):
        self.threshold = threshold
        self.layers = list(layers)
        self.inputs = None

    def predict(self, x, batch_size=None, verbose=None):
        self.inputs = x
        positive = x.reshape(len(x), -1).mean(axis=1) > self.threshold
        return np.stack([~positive, positive], axis=1).astype(np.float32)


def _standardized_model(mean, std, units=3, seed=0):
    """Input -> Standardization -> Flatten -> Dense, and the same network
    without its Standardization (a model of standardised inputs, as the
    package's models were)."""
    keras.utils.set_random_seed(seed)
    dense = keras.layers.Dense(units)
    model = keras.Sequential(
        [
            keras.Input((4, 4)),
            Standardization(mean, std),
            keras.layers.Flatten(),
            dense,
        ]
    )
    plain = keras.Sequential(
        [keras.Input((4, 4)), keras.layers.Flatten(), keras.layers.Dense(units)]
    )
    plain.layers[-1].set_weights(dense.get_weights())
    return model, plain


def _plain_accuracy(plain, x_standardized, y):
    outputs = plain.predict(x_standardized, verbose=0)
    return float(np.mean(outputs.argmax(axis=-1) == y))


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


def test_corrupted_accuracy_feeds_the_model_corrupted_pixels():
    x = np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    y = np.zeros(50, dtype=np.int64)
    model = _RecordingModel()
    accuracy = robustness.corrupted_accuracy(model, x, y, 0.4, seed=5)
    pixels = x.astype(np.float32) / 255
    expected = robustness.corrupt(pixels, 0.4, seed=5)
    np.testing.assert_array_equal(model.inputs, expected)
    predicted_zero = expected.reshape(50, -1).mean(axis=1) <= 0.5
    assert accuracy == pytest.approx(predicted_zero.mean())


def test_pixel_space_gives_what_standardised_inputs_gave():
    """A model with a Standardization layer fed corrupted pixels scores as
    its network without it scored on the standardised corrupted pixels
    (the package's results were computed that way)."""
    mean, std = 0.45, 0.3
    model, plain = _standardized_model(mean, std)
    x = np.random.default_rng(1).integers(0, 256, (300, 4, 4), dtype=np.uint8)
    y = np.random.default_rng(2).integers(0, 3, 300)
    for sigma_noise in (0.0, 0.5):
        corrupted = robustness.corrupt(x / np.float32(255), sigma_noise, seed=3)
        standardized = (corrupted - np.float32(mean)) / np.float32(std)
        assert robustness.corrupted_accuracy(
            model, x, y, sigma_noise, seed=3
        ) == _plain_accuracy(plain, standardized, y)


def test_corrupted_accuracy_in_standardized_space():
    rng = np.random.default_rng(0)
    signs = rng.integers(0, 2, 2000)
    mean, std = 0.5, 0.2
    # Standardised inputs near -1 and +1, as pixels of the model's statistics.
    x = np.where(signs[:, None], 1.0, -1.0) + 0.1 * rng.standard_normal(
        (2000, 16)
    )
    pixels = (x * std + mean).astype(np.float32)
    model = _RecordingModel(layers=[Standardization(mean, std)])
    clean = robustness.corrupted_accuracy(
        model, pixels, signs, 0.0, space="standardized"
    )
    assert clean == 1.0
    np.testing.assert_allclose(model.inputs, pixels, atol=1e-6)
    noisy = robustness.corrupted_accuracy(
        model, pixels, signs, 1.0, space="standardized"
    )
    assert noisy == pytest.approx(0.5, abs=0.05)


def test_standardized_space_is_eq_8_on_the_standardised_pixels():
    """By hand: what the old code gave with standardised inputs and
    `space="standardized"` (Eq. 8 on them), within float tolerance."""
    mean, std = 0.3, 0.4
    pixels = np.random.default_rng(4).uniform(size=(64, 4, 4))
    pixels = pixels.astype(np.float32)
    standardized = (pixels - np.float32(mean)) / np.float32(std)
    expected = robustness.corrupt(standardized, 0.6, seed=9)
    # The model sees pixels; its Standardization makes them `expected`.
    recording = _RecordingModel(layers=[Standardization(mean, std)])
    robustness.corrupted_accuracy(
        recording, pixels, np.zeros(64), 0.6, seed=9, space="standardized"
    )
    np.testing.assert_allclose(
        (recording.inputs - mean) / std, expected, rtol=1e-5, atol=1e-5
    )
    # A Keras model with the layer scores as its network without it did on
    # the corrupted standardised inputs.
    model, plain = _standardized_model(mean, std, seed=1)
    y = plain.predict(standardized, verbose=0).argmax(axis=-1)
    accuracy = robustness.corrupted_accuracy(
        model, pixels, y, 0.6, seed=9, space="standardized"
    )
    assert accuracy == _plain_accuracy(plain, expected, y)
    assert accuracy < 1.0  # The corruption did change predictions.


def test_corrupted_accuracy_argument_checks():
    model = _RecordingModel()
    x = np.zeros((2, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="Unrecognized `space`") as info:
        robustness.corrupted_accuracy(model, x, [0, 0], 0.4, space="x")
    assert "space='x'" in str(info.value)
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        robustness.corrupted_accuracy(model, x * 255.0 + 2, [0, 0], 0.4)
    with pytest.raises(ValueError, match="sigma_noise=2"):
        robustness.corrupted_accuracy(model, x, [0, 0], 2)
    with pytest.raises(ValueError, match="as many labels"):
        robustness.corrupted_accuracy(model, x, [0, 0, 1], 0.4)
    # Standardised space needs the model's own statistics.
    plain = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2)], name="no_statistics"
    )
    with pytest.raises(ValueError, match="'no_statistics' has no such layer"):
        robustness.corrupted_accuracy(
            plain, x, [0, 0], 0.4, space="standardized"
        )
    assert model.inputs is None  # Every check before any prediction.


# Issue 23: labels are class indices or one-hot, never anything else.
LABEL_TAKERS = {
    "corrupted_accuracy": lambda m, x, y: robustness.corrupted_accuracy(m, x, y, 0.4),
    "corruption_curve": lambda m, x, y: robustness.corruption_curve(m, x, y, [0.0]),
    "adversarial_accuracy": lambda m, x, y: robustness.adversarial_accuracy(
        m, x, y, epsilons=[0.1]
    ),
    "fgsm": lambda m, x, y: robustness.fgsm(m, x, y, 0.1),
    "input_gradient": lambda m, x, y: robustness.input_gradient(m, x, y),
}


@pytest.mark.parametrize("name", LABEL_TAKERS)
def test_labels_that_are_not_class_indices_are_named(name):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    x = np.linspace(0, 1, 12, dtype="float32").reshape(4, 3)
    y = np.array([0, 1, 1, 0])
    call = LABEL_TAKERS[name]
    with pytest.raises(ValueError, match=r"class labels.*0\.5"):
        call(model, x, y + 0.5)
    with pytest.raises(ValueError, match=r"negative.*-1"):
        call(model, x, y - 1)
    # Whole-number floats and a column of labels, shape (N, 1), are
    # class indices (an argmax over one column read them all as 0).
    expected = call(model, x, y)
    for same in (y.astype("float32"), y[:, None]):
        np.testing.assert_array_equal(
            np.asarray(call(model, x, same)), np.asarray(expected)
        )


def test_corrupted_accuracy_of_a_ninr_model_is_noise_free():
    model, plain = _standardized_model(0.5, 0.25)
    model = NINRModel.from_model(model, noise_stddev=1000.0, seed=0)
    x = np.random.default_rng(0).integers(0, 256, (64, 4, 4), dtype=np.uint8)
    x_standardized = (x / np.float32(255) - 0.5) / 0.25
    y = plain.predict(x_standardized, verbose=0).argmax(axis=-1)
    # The clean accuracy is 1 and does not change from call to call.
    for _ in range(2):
        assert robustness.corrupted_accuracy(model, x, y, 0.0) == 1.0
    corrupted = robustness.corrupted_accuracy(model, x, y, 0.9, seed=1)
    again = robustness.corrupted_accuracy(model, x, y, 0.9, seed=1)
    assert corrupted == again
    assert corrupted < 1.0


def test_corruption_curve_falls_from_clean_to_pure_noise():
    rng = np.random.default_rng(0)
    # Bright images are class 1, dark ones class 0: clean accuracy is 1,
    # and at sigma_noise = 1 the image is gone and accuracy is chance.
    y = rng.integers(0, 2, 400)
    x = np.where(y[:, None, None] == 1, 0.9, 0.1) * np.ones((400, 8, 8))
    model = _RecordingModel()
    curve = robustness.corruption_curve(model, x, y)
    assert list(curve) == list(robustness.DEFAULT_SIGMAS)
    assert curve[0.0] == 1.0
    assert 0.35 < curve[1.0] < 0.65
    assert curve[0.0] >= curve[0.5] >= curve[1.0]
    # Each point is corrupted_accuracy at its sigma_noise, same seed.
    assert curve[0.5] == robustness.corrupted_accuracy(model, x, y, 0.5)
    with pytest.raises(ValueError, match="sigma_noise=2"):
        robustness.corruption_curve(model, x, y, sigmas=[0.1, 2])


# The contract: models take [0, 1] pixels, so no evaluation takes the
# training statistics.
SIGNATURES = {
    robustness.corrupt: ["x", "sigma_noise", "seed"],
    robustness.corrupted_accuracy: [
        "model", "x", "y", "sigma_noise", "seed", "space", "batch_size"
    ],
    robustness.corruption_curve: [
        "model", "x", "y", "sigmas", "seed", "space", "batch_size"
    ],
    robustness.fgsm: [
        "model", "x", "y", "epsilon", "clip_min", "clip_max", "loss_fn",
        "from_logits", "batch_size",
    ],
    robustness.pgd: [
        "model", "x", "y", "epsilon", "steps", "step_size", "random_start",
        "seed", "clip_min", "clip_max", "norm", "loss_fn", "from_logits",
        "batch_size",
    ],
    robustness.adversarial_accuracy: [
        "model", "x", "y", "attack", "epsilons", "batch_size", "attack_kwargs"
    ],
    robustness.domain_shift_accuracy: ["model", "data_dir", "variant", "split"],
    robustness.corruptions.corruption_accuracy: [
        "model", "x", "y", "corruptions", "severities", "seed", "batch_size"
    ],
}


@pytest.mark.parametrize(
    "function", list(SIGNATURES), ids=lambda function: function.__name__
)
def test_signatures_take_no_mean_or_std(function):
    parameters = inspect.signature(function).parameters
    assert "mean" not in parameters and "std" not in parameters
    assert list(parameters) == SIGNATURES[function]
    defaults = {
        name: p.default
        for name, p in parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    if "clip_min" in defaults:  # Pixels are clipped to [0, 1].
        assert (defaults["clip_min"], defaults["clip_max"]) == (0.0, 1.0)
    if "space" in defaults:
        assert defaults["space"] == "pixel"


@pytest.mark.skipif(
    not __import__("os").environ.get("KERAS_NINR_DATA_DIR"),
    reason="needs MNIST and USPS from $KERAS_NINR_DATA_DIR",
)
def test_domain_shift_mnist_to_usps():
    from keras_ninr import datasets

    (x_train, y_train), _ = datasets.load("mnist", max_per_class=200)
    (_, _), (mean, std) = datasets.standardize(x_train)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            Standardization(mean, std),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    pixels = datasets.scale_pixels(x_train)
    model.fit(pixels, y_train, batch_size=64, epochs=3, verbose=0)
    accuracy = robustness.domain_shift_accuracy(model)
    assert 0.3 < accuracy <= 1.0  # Far above chance, as in Table 1.
    # The model standardises USPS with MNIST's statistics: the same as
    # predicting on USPS standardised by hand.
    x_usps, y_usps = datasets.load_usps_as_mnist()
    by_hand = keras.Sequential(model.layers[1:])  # No Standardization.
    outputs = by_hand.predict(
        (x_usps - np.float32(mean)) / np.float32(std), verbose=0
    )
    assert accuracy == float(np.mean(outputs.argmax(axis=-1) == y_usps))
    padded = robustness.domain_shift_accuracy(model, variant="pad")
    assert 0.0 <= padded <= 1.0
