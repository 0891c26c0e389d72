"""Tests of `keras_ninr.robustness.attacks`: input gradients, FGSM (Eq. 17) and PGD."""

import keras
import numpy as np
import pytest

from keras_ninr import NoiseInjectionDense
from keras_ninr import robustness as attacks
from keras_ninr.datasets import Standardization

EPSILON = 0.15  # In pixels; the blobs' classes are about 0.5 apart per pixel.


def _pixel_blobs(n, seed):
    """Three separable Gaussian blobs of 10 "pixels" in [0, 1]."""
    centers = np.random.default_rng(0).uniform(0.2, 0.8, size=(3, 10))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n).astype("int32")
    x = centers[y] + 0.05 * rng.standard_normal((n, 10))
    return np.clip(x, 0.0, 1.0).astype("float32"), y


@pytest.fixture(scope="module")
def trained():
    """A small classifier of [0, 1] pixels, close to 100% accurate.

    It standardises its pixels in its first layer, as the zoo's networks
    do; `network` is the same network without that layer (a model of
    standardised inputs).
    """
    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    x_train, y_train = _pixel_blobs(384, seed=1)
    x_test, y_test = _pixel_blobs(192, seed=2)
    mean, std = float(x_train.mean()), float(x_train.std())
    network = keras.Sequential(
        [
            keras.Input((10,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(3),
        ]
    )
    model = keras.Sequential(
        [keras.Input((10,)), Standardization(mean, std), network]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x_train, y_train, epochs=6, batch_size=64, verbose=0)
    return model, network, x_test, y_test, mean, std


def _accuracy(model, x_pixels, y):
    outputs = model.predict(x_pixels, verbose=0)
    return float(np.mean(outputs.argmax(axis=-1) == y))


def _cross_entropy(logits, y):
    """Per-sample cross-entropy from logits, in float64 NumPy."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -log_softmax[np.arange(len(y)), y]


def _finite_difference(model, x, y, samples, coordinates, step):
    """Central differences of sample losses along single coordinates."""
    offset = np.zeros_like(x[samples])
    offset[np.arange(len(samples)), coordinates] = step
    plus = model.predict(x[samples] + offset, verbose=0)
    minus = model.predict(x[samples] - offset, verbose=0)
    y = y[samples]
    return (_cross_entropy(plus, y) - _cross_entropy(minus, y)) / (2 * step)


def _smooth_model(*hidden_layers):
    """Tanh network with 3 logits: smooth, so finite differences are exact."""
    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(16, activation="tanh"),
            *hidden_layers,
            keras.layers.Dense(3),
        ]
    )


def _assert_matches_finite_differences(model, gradient, x, y):
    rng = np.random.default_rng(4)
    samples = rng.choice(len(x), size=8, replace=False)
    coordinates = rng.integers(0, x.shape[1], size=8)
    estimate = _finite_difference(model, x, y, samples, coordinates, 1e-2)
    np.testing.assert_allclose(
        gradient[samples, coordinates], estimate, rtol=1e-2, atol=1e-4
    )


def test_input_gradient_matches_finite_differences():
    model = _smooth_model()
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 6)).astype("float32")
    y = rng.integers(0, 3, size=40)
    gradient = attacks.input_gradient(model, x, y, batch_size=16)
    assert gradient.shape == x.shape and gradient.dtype == np.float32
    assert np.abs(gradient).max() > 1e-2
    _assert_matches_finite_differences(model, gradient, x, y)


def test_input_gradient_is_exact_for_a_linear_model():
    """Softmax regression: d(CE)/dx = W (softmax(x W + b) - onehot(y))."""
    rng = np.random.default_rng(6)
    kernel = rng.standard_normal((5, 3)).astype("float32")
    bias = rng.standard_normal(3).astype("float32")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    model.layers[0].set_weights([kernel, bias])
    x = rng.standard_normal((10, 5)).astype("float32")
    y = rng.integers(0, 3, size=10)
    logits = x.astype(np.float64) @ kernel + bias
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    expected = (softmax - np.eye(3)[y]) @ kernel.T
    np.testing.assert_allclose(
        attacks.input_gradient(model, x, y), expected, rtol=1e-4, atol=1e-6
    )
    # One-hot labels give the same; so does a model ending in a softmax
    # with from_logits=False.
    np.testing.assert_allclose(
        attacks.input_gradient(model, x, np.eye(3)[y]), expected, atol=1e-5
    )
    probabilities = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(3, activation="softmax")]
    )
    probabilities.layers[0].set_weights([kernel, bias])
    np.testing.assert_allclose(
        attacks.input_gradient(probabilities, x, y, from_logits=False),
        expected,
        rtol=1e-3,
        atol=1e-5,
    )
    # A custom loss: the first logit alone has gradient kernel[:, 0].
    first_logit = attacks.input_gradient(
        model, x, y, loss_fn=lambda y_true, y_pred: y_pred[:, 0]
    )
    np.testing.assert_allclose(
        first_logit, np.tile(kernel[:, 0], (10, 1)), rtol=1e-6
    )


def test_input_gradient_is_per_sample_whatever_the_batch_size():
    model = _smooth_model()
    x = np.random.default_rng(7).standard_normal((23, 6)).astype("float32")
    y = np.arange(23) % 3
    whole = attacks.input_gradient(model, x, y, batch_size=64)
    np.testing.assert_allclose(
        attacks.input_gradient(model, x, y, batch_size=5), whole, atol=1e-6
    )
    np.testing.assert_allclose(
        attacks.input_gradient(model, x[3:4], y[3:4]), whole[3:4], atol=1e-6
    )


def test_input_gradient_of_a_nin_model_is_noise_free():
    keras.utils.set_random_seed(8)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            NoiseInjectionDense(
                16, noise_stddev=1000.0, activation="tanh", seed=1
            ),
            keras.layers.Dense(3),
        ]
    )
    plain = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(16, activation="tanh"),
            keras.layers.Dense(3),
        ]
    )
    nin_layer, dense = model.layers
    plain.layers[0].set_weights(
        [nin_layer.kernel.numpy(), nin_layer.bias.numpy()]
    )
    plain.layers[1].set_weights(dense.get_weights())
    x = np.random.default_rng(9).uniform(size=(32, 6)).astype("float32")
    y = np.arange(32) % 3
    first = attacks.input_gradient(model, x, y)
    np.testing.assert_array_equal(attacks.input_gradient(model, x, y), first)
    # Exactly the gradient of the same network without its NIN.
    np.testing.assert_allclose(
        first, attacks.input_gradient(plain, x, y), rtol=1e-5, atol=1e-7
    )
    _assert_matches_finite_differences(model, first, x, y)
    x_adv = attacks.fgsm(model, x, y, 0.1)
    np.testing.assert_array_equal(attacks.fgsm(model, x, y, 0.1), x_adv)


def test_input_gradient_uses_inference_mode_batch_norm_and_dropout():
    model = _smooth_model(
        keras.layers.BatchNormalization(), keras.layers.Dropout(0.5)
    )
    batch_norm = model.layers[1]
    rng = np.random.default_rng(10)
    # Moving statistics far from those of any batch, so that batch
    # statistics would give a different gradient.
    batch_norm.moving_mean.assign(rng.uniform(-0.5, 0.5, 16))
    batch_norm.moving_variance.assign(rng.uniform(0.2, 3.0, 16))
    moving_mean = batch_norm.moving_mean.numpy().copy()
    x = rng.standard_normal((24, 6)).astype("float32")
    y = np.arange(24) % 3
    first = attacks.input_gradient(model, x, y)
    np.testing.assert_array_equal(attacks.input_gradient(model, x, y), first)
    # Per sample: a batch of one gives the same (batch statistics would not).
    np.testing.assert_allclose(
        attacks.input_gradient(model, x, y, batch_size=1), first, atol=1e-6
    )
    # The gradient of what `predict` computes, and the statistics untouched.
    _assert_matches_finite_differences(model, first, x, y)
    np.testing.assert_array_equal(batch_norm.moving_mean.numpy(), moving_mean)


def test_fgsm_and_pgd_reduce_accuracy(trained):
    model, _, x, y, _, _ = trained
    clean = _accuracy(model, x, y)
    assert clean >= 0.95
    x_fgsm = attacks.fgsm(model, x, y, EPSILON)
    x_pgd = attacks.pgd(model, x, y, EPSILON, steps=5)
    fgsm_accuracy = _accuracy(model, x_fgsm, y)
    pgd_accuracy = _accuracy(model, x_pgd, y)
    assert fgsm_accuracy <= clean - 0.3
    assert pgd_accuracy <= fgsm_accuracy
    for x_adv in (x_fgsm, x_pgd):
        assert x_adv.shape == x.shape and x_adv.dtype == np.float32
        assert np.abs(x_adv - x).max() <= EPSILON + 1e-6
        # Clipped to [0, 1] by default.
        assert x_adv.min() >= 0.0 and x_adv.max() <= 1.0
    # FGSM moves every pixel by exactly epsilon unless clipped.
    inside = (x > EPSILON) & (x < 1 - EPSILON)
    np.testing.assert_allclose(np.abs(x_fgsm - x)[inside], EPSILON, rtol=1e-5)
    # Without bounds nothing is clipped.
    unclipped = attacks.fgsm(model, x, y, 0.3, clip_min=None, clip_max=None)
    np.testing.assert_allclose(np.abs(unclipped - x), 0.3, rtol=1e-5)


def _reference_pgd(network, x, y, epsilon, mean, std, steps, step_size):
    """The former pixel-space PGD (`mean=`, `std=`): gradients of the
    network of standardised inputs at `(x_adv - mean) / std`, steps and
    projection in pixels."""
    lower, upper = np.clip(x - epsilon, 0, 1), np.clip(x + epsilon, 0, 1)
    x_adv = x.copy()
    for _ in range(steps):
        standardized = (x_adv - np.float32(mean)) / np.float32(std)
        gradient = attacks.input_gradient(network, standardized, y)
        x_adv += np.float32(step_size) * np.sign(gradient)
        np.clip(x_adv, lower, upper, out=x_adv)
    return x_adv


def test_attacks_through_standardization_match_the_former_pixel_attacks(
    trained,
):
    """The gradient through the Standardization layer has the sign of the
    gradient at the standardised inputs (std > 0): the attacks are those
    the package ran on pixels before, with the statistics passed in."""
    model, network, x, y, mean, std = trained
    fgsm = attacks.fgsm(model, x, y, EPSILON)
    np.testing.assert_allclose(
        fgsm,
        _reference_pgd(network, x, y, EPSILON, mean, std, 1, EPSILON),
        atol=1e-6,
    )
    pgd = attacks.pgd(model, x, y, EPSILON, steps=3)
    np.testing.assert_allclose(
        pgd,
        _reference_pgd(network, x, y, EPSILON, mean, std, 3, 2.5 * EPSILON / 3),
        atol=1e-6,
    )
    # And so are the accuracies.
    accuracies = attacks.adversarial_accuracy(
        model, x, y, "pgd", epsilons=[EPSILON], steps=3
    )
    standardized = (pgd - np.float32(mean)) / np.float32(std)
    assert accuracies[EPSILON] == _accuracy(network, standardized, y)


def test_adversarial_accuracy_per_epsilon(trained):
    model, _, x, y, _, _ = trained
    fgsm = attacks.adversarial_accuracy(
        model, x, y, "fgsm", epsilons=[0.0, 0.1, 0.2]
    )
    pgd = attacks.adversarial_accuracy(
        model, x, y, "pgd", epsilons=[0, 0.2], steps=5
    )
    assert list(fgsm) == [0.0, 0.1, 0.2] and list(pgd) == [0.0, 0.2]
    assert fgsm[0.0] == pgd[0.0] == _accuracy(model, x, y)
    assert fgsm[0.0] > fgsm[0.1] > fgsm[0.2]
    assert pgd[0.2] <= fgsm[0.2]
    assert fgsm[0.1] == _accuracy(model, attacks.fgsm(model, x, y, 0.1), y)


def _darken(model, x, y, epsilon, *, batch_size, clip_min=0.0, clip_max=1.0):
    """A toy attack: every pixel `epsilon` darker."""
    return np.clip(x - np.float32(epsilon), clip_min, clip_max)


def test_an_attack_registered_by_one_entry_is_run_by_name(trained, monkeypatch):
    model, _, x, y, _, _ = trained
    monkeypatch.setitem(
        attacks.ATTACKS,
        "darken",
        attacks.Attack(_darken, "Darken", "L∞", "every pixel darker"),
    )
    accuracies = attacks.adversarial_accuracy(
        model, x, y, "darken", epsilons=[0.0, 1.0]
    )
    assert accuracies == {
        0.0: _accuracy(model, x, y),
        1.0: _accuracy(model, np.zeros_like(x), y),
    }
    with pytest.raises(ValueError, match="'darken'"):
        attacks.adversarial_accuracy(model, x, y, "cw", epsilons=[0.1])


def test_uint8_images_are_scaled_to_pixels(trained):
    model, _, x, y, _, _ = trained
    x_uint8 = np.round(x * 255).astype("uint8")
    pixels = x_uint8.astype("float32") / np.float32(255)
    np.testing.assert_array_equal(
        attacks.fgsm(model, x_uint8, y, 0.1), attacks.fgsm(model, pixels, y, 0.1)
    )
    assert attacks.adversarial_accuracy(
        model, x_uint8, y, epsilons=[0.1]
    ) == attacks.adversarial_accuracy(model, pixels, y, epsilons=[0.1])


def test_pgd_random_start_stays_in_ball_and_is_seeded(trained):
    model, _, x, y, _, _ = trained
    kwargs = dict(steps=2)
    first = attacks.pgd(model, x, y, 0.1, random_start=True, seed=1, **kwargs)
    np.testing.assert_array_equal(
        attacks.pgd(model, x, y, 0.1, random_start=True, seed=1, **kwargs),
        first,
    )
    assert not np.array_equal(
        attacks.pgd(model, x, y, 0.1, random_start=True, seed=2, **kwargs),
        first,
    )
    assert np.abs(first - x).max() <= 0.1 + 1e-6
    assert first.min() >= 0.0 and first.max() <= 1.0


def test_epsilon_zero_leaves_inputs_unchanged(trained):
    model, _, x, y, _, _ = trained
    np.testing.assert_array_equal(attacks.fgsm(model, x, y, 0.0), x)
    np.testing.assert_array_equal(
        attacks.pgd(model, x, y, 0, random_start=True), x
    )


def test_bad_arguments_raise_naming_the_argument(trained):
    model, _, x, y, _, _ = trained
    bad_calls = {
        "epsilon=-0.1": lambda: attacks.fgsm(model, x, y, -0.1),
        "epsilon=nan": lambda: attacks.fgsm(model, x, y, float("nan")),
        "epsilon=True": lambda: attacks.fgsm(model, x, y, True),
        "steps=0": lambda: attacks.pgd(model, x, y, 0.1, steps=0),
        "step_size=-1": lambda: attacks.pgd(model, x, y, 0.1, step_size=-1),
        "norm='l2'": lambda: attacks.pgd(model, x, y, 0.1, norm="l2"),
        "clip_min=1": lambda: attacks.fgsm(
            model, x, y, 0.1, clip_min=1, clip_max=0
        ),
        "clip_max=nan": lambda: attacks.fgsm(
            model, x, y, 0.1, clip_max=float("nan")
        ),
        "dtype int32": lambda: attacks.fgsm(
            model, (x * 255).astype("int32"), y, 0.1
        ),
        "values in [": lambda: attacks.pgd(model, (x - 0.5) * 4, y, 0.1),
        "labels": lambda: attacks.fgsm(model, x, y[:-1], 0.1),
        "attack='cw'": lambda: attacks.adversarial_accuracy(
            model, x, y, "cw", epsilons=[0.1]
        ),
        "epsilon=-1.0": lambda: attacks.adversarial_accuracy(
            model, x, y, epsilons=[0.1, -1.0]
        ),
        "epsilons=0.1": lambda: attacks.adversarial_accuracy(
            model, x, y, epsilons=0.1
        ),
        "batch_size=0": lambda: attacks.input_gradient(
            model, x, y, batch_size=0
        ),
    }
    for argument, call in bad_calls.items():
        with pytest.raises(ValueError) as info:
            call()
        assert argument in str(info.value), argument
