import math

import keras
import numpy as np
import pytest
from keras import ops

import keras_ninr
from keras_ninr import NoiseInjectionDense


def to_numpy(x):
    return ops.convert_to_numpy(x)


def twin_dense(noise_layer, input_dim, activation=None):
    """A keras.layers.Dense holding the same kernel and bias."""
    dense = keras.layers.Dense(noise_layer.units, activation=activation)
    dense.build((None, input_dim))
    dense.kernel.assign(to_numpy(noise_layer.kernel))
    dense.bias.assign(to_numpy(noise_layer.bias))
    return dense


@pytest.mark.parametrize("activation", [None, "relu", "tanh"])
def test_noise_free_output_is_exactly_dense(activation):
    layer = NoiseInjectionDense(
        7, noise_stddev=50.0, activation=activation, seed=1
    )
    x = np.random.default_rng(0).normal(size=(16, 5)).astype("float32")
    layer.build((None, 5))
    dense = twin_dense(layer, 5, activation)
    expected = to_numpy(dense(x))
    np.testing.assert_array_equal(to_numpy(layer(x)), expected)
    np.testing.assert_array_equal(to_numpy(layer(x, training=False)), expected)
    layer.noise_stddev = 0.0
    np.testing.assert_array_equal(to_numpy(layer(x, training=True)), expected)


def test_one_scalar_eps_per_sample_times_noise_kernel():
    layer = NoiseInjectionDense(6, noise_stddev=3.0, seed=3)
    x = np.random.default_rng(1).normal(size=(32, 4)).astype("float32")
    clean = to_numpy(layer(x))
    noisy = to_numpy(layer(x, training=True))
    noise_kernel = to_numpy(layer.noise_kernel)
    difference = noisy - clean
    eps = difference[:, 0] / noise_kernel[0]
    np.testing.assert_allclose(
        difference, eps[:, None] * noise_kernel[None, :], rtol=1e-4, atol=1e-5
    )
    # A different draw for every sample, and on the scale of sigma_eps.
    assert len(np.unique(np.round(eps, 4))) == len(eps)
    assert 1.0 < np.std(eps) < 6.0


def test_noise_is_fresh_each_call_and_reproducible_with_seed():
    x = np.ones((8, 3), "float32")
    a = NoiseInjectionDense(2, noise_stddev=1.0, seed=42)
    b = NoiseInjectionDense(2, noise_stddev=1.0, seed=42)
    a.build((None, 3))
    b.build((None, 3))
    b.set_weights(a.get_weights())
    first = to_numpy(a(x, training=True))
    second = to_numpy(a(x, training=True))
    assert not np.allclose(first, second)
    np.testing.assert_allclose(to_numpy(b(x, training=True)), first)


def draw_eps(distribution, sigma, n=20000, seed=0):
    """Draws eps through the layer itself: zero kernel, unit NIW."""
    layer = NoiseInjectionDense(
        1,
        noise_stddev=sigma,
        noise_distribution=distribution,
        use_bias=False,
        kernel_initializer="zeros",
        noise_initializer="ones",
        seed=seed,
    )
    return to_numpy(layer(np.ones((n, 2), "float32"), training=True))[:, 0]


def test_normal_statistics():
    eps = draw_eps("normal", 231.6)
    assert abs(eps.mean()) < 0.03 * 231.6
    assert eps.std() == pytest.approx(231.6, rel=0.03)


def test_uniform_statistics():
    eps = draw_eps("uniform", 10.0)
    assert eps.min() >= -10.0 and eps.max() <= 10.0
    assert eps.std() == pytest.approx(10.0 / math.sqrt(3), rel=0.03)
    assert abs(eps.mean()) < 0.2


def test_double_normal_statistics():
    eps = draw_eps("double_normal", 5.0)
    # Two narrow peaks at +-sigma, equally weighted by default.
    assert np.mean(np.abs(np.abs(eps) - 5.0) < 4 * 0.1 * 5.0) > 0.99
    assert np.mean(eps > 0) == pytest.approx(0.5, abs=0.02)
    biased = draw_eps(
        keras_ninr.noise.DoubleNormal(peak_stddev=0.2, positive_weight=0.8),
        5.0,
    )
    assert np.mean(biased > 0) == pytest.approx(0.8, abs=0.02)
    assert biased.mean() == pytest.approx(0.6 * 5.0, rel=0.05)
    assert np.std(biased[biased > 0]) == pytest.approx(1.0, rel=0.05)


def test_asymmetric_double_normal_is_named_biased_and_saved_by_name(tmp_path):
    # App. C.2's "asymmetric" double Gaussian: peaks at +-sigma weighted
    # 3:1, so its mean is sigma / 2 (Sec. 2.1 relaxes zero mean for it).
    eps = draw_eps("asymmetric_double_normal", 5.0)
    assert np.mean(np.abs(np.abs(eps) - 5.0) < 4 * 0.1 * 5.0) > 0.99
    assert np.mean(eps > 0) == pytest.approx(0.75, abs=0.02)
    assert eps.mean() == pytest.approx(2.5, rel=0.05)
    named = keras_ninr.noise.get("asymmetric_double_normal")
    assert named.positive_weight == 0.75
    assert keras_ninr.noise.serialize(named) == "asymmetric_double_normal"
    assert keras_ninr.noise.serialize(keras_ninr.noise.get("double_normal")) == (
        "double_normal"
    )
    layer = NoiseInjectionDense(
        2, noise_stddev=4.0, noise_distribution="asymmetric_double_normal"
    )
    assert layer.get_config()["noise_distribution"] == "asymmetric_double_normal"
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.layers[-1].noise_distribution.positive_weight == 0.75


def test_callable_distribution():
    def plus_minus_one(shape, seed_generator, dtype):
        u = keras.random.uniform(shape, dtype=dtype, seed=seed_generator)
        return ops.sign(u - 0.5)

    eps = draw_eps(plus_minus_one, 3.0, n=2000)
    np.testing.assert_allclose(np.abs(eps), 3.0)


def test_default_initialisation_follows_appendix_a():
    layer = NoiseInjectionDense(1024)
    layer.build((None, 784))
    expected = 785**-0.5
    assert np.std(to_numpy(layer.kernel)) == pytest.approx(expected, rel=0.02)
    assert np.std(to_numpy(layer.noise_kernel)) == pytest.approx(
        expected, rel=0.1
    )
    assert abs(np.mean(to_numpy(layer.kernel))) < 0.01 * expected * 30
    np.testing.assert_array_equal(to_numpy(layer.bias), 0.0)
    assert layer.noise_kernel.shape == (1024,)
    assert layer.kernel.shape == (784, 1024)


def test_weights_and_noise_stddev_variable():
    layer = NoiseInjectionDense(4, noise_stddev=300.0)
    layer.build((None, 3))
    assert [w.name for w in layer.trainable_weights] == [
        "kernel",
        "bias",
        "noise_kernel",
    ]
    assert [w.name for w in layer.non_trainable_weights] == ["noise_stddev"]
    assert layer.noise_stddev == 300.0
    layer.noise_stddev = 512.5
    assert float(to_numpy(layer.non_trainable_weights[0])) == 512.5
    assert layer.get_config()["noise_stddev"] == 512.5


@pytest.mark.parametrize(
    "value", [-1.0, float("nan"), float("inf"), "loud", None]
)
def test_bad_noise_stddev(value):
    with pytest.raises(ValueError, match="noise_stddev"):
        NoiseInjectionDense(4, noise_stddev=value)
    layer = NoiseInjectionDense(4)
    with pytest.raises(ValueError, match="noise_stddev"):
        layer.noise_stddev = value


def test_bad_arguments():
    with pytest.raises(ValueError, match="noise_distribution='cauchy'"):
        NoiseInjectionDense(4, noise_distribution="cauchy")
    with pytest.raises(ValueError, match="units=0"):
        NoiseInjectionDense(0)
    with pytest.raises(ValueError, match="positive_weight=1.5"):
        keras_ninr.noise.DoubleNormal(positive_weight=1.5)
    with pytest.raises(ValueError, match=r"input_shape=\(None, None\)"):
        NoiseInjectionDense(4)(keras.Input((None,)))


def test_units_may_be_a_numpy_integer_as_seed_may():
    layer = NoiseInjectionDense(np.int64(3), seed=np.int64(1))
    assert layer.units == 3 and type(layer.units) is int
    assert layer.get_config()["units"] == 3
    with pytest.raises(ValueError, match=r"units=np.int64\(0\)|units=0"):
        NoiseInjectionDense(np.int64(0))


def test_config_round_trip():
    layer = NoiseInjectionDense(
        5,
        noise_stddev=16.4,
        noise_distribution=keras_ninr.noise.DoubleNormal(0.3, 0.7),
        activation="relu",
        kernel_regularizer="l2",
        seed=7,
    )
    config = layer.get_config()
    clone = NoiseInjectionDense.from_config(config)
    assert clone.get_config() == config
    assert clone.noise_distribution.positive_weight == 0.7
    assert clone.noise_stddev == 16.4


def build_models(layer_factory):
    inputs = keras.Input((6,))
    functional = keras.Model(inputs, layer_factory()(inputs))
    sequential = keras.Sequential([keras.Input((6,)), layer_factory()])

    class Subclassed(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = layer_factory()

        def call(self, x, training=False):
            return self.inner(x, training=training)

    subclassed = Subclassed()
    subclassed(np.zeros((1, 6), "float32"))
    return {"functional": functional, "sequential": sequential}, subclassed


def test_in_sequential_functional_subclassed_and_keras_round_trip(tmp_path):
    x = np.random.default_rng(0).normal(size=(10, 6)).astype("float32")
    models, subclassed = build_models(
        lambda: NoiseInjectionDense(3, noise_stddev=9.0, activation="relu")
    )
    for kind, model in models.items():
        path = str(tmp_path / f"{kind}.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        np.testing.assert_array_equal(
            to_numpy(loaded.predict(x, verbose=0)),
            to_numpy(model.predict(x, verbose=0)),
        )
        assert loaded.layers[-1].noise_stddev == 9.0
        assert isinstance(loaded.layers[-1], NoiseInjectionDense)
    noisy = to_numpy(subclassed(x, training=True))
    assert not np.allclose(noisy, to_numpy(subclassed(x)))
    assert keras_ninr.find_noise_layers(subclassed) == [subclassed.inner]


def test_noise_weights_get_gradients_and_decay(blobs):
    """At a decay-phase sigma_eps the NIW shrinks (Sec. 2.2).

    sigma_eps = 15 is below App. B's catapult estimate for this layer,
    sqrt(2 d / eta) = sqrt(2 * 21 / 0.05) = 29.
    """
    x, y = blobs
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((20,)),
            NoiseInjectionDense(
                64, noise_stddev=15.0, activation="relu", seed=0
            ),
            keras.layers.Dense(3),
        ]
    )
    model.compile(
        keras.optimizers.SGD(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    layer = model.layers[0]
    before = layer.noise_weight_norm()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    after_one = layer.noise_weight_norm()
    assert after_one != before  # The NIW is trained.
    model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    assert layer.noise_weight_norm() < 0.6 * before


TRAIN_ON_TENSORFLOW = """
import numpy as np, keras, keras_ninr
x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
model = keras.Sequential([
    keras.Input((8,)),
    keras_ninr.NoiseInjectionDense(8, noise_stddev=1.0, activation="relu", seed=0),
    keras.layers.Dense(8, activation="relu"),
    keras.layers.Dense(2),
])
model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x, (x[:, 0] > 0).astype("int32"), batch_size=32, epochs=1, verbose=0)
"""


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="a message of TensorFlow's graph optimizer",
)
def test_training_on_tensorflow_logs_no_graph_optimizer_error():
    # Issue 23: with the noise added after the bias, TensorFlow's oneDNN
    # rewrite of matmul + bias + add + ReLU left a node without an op, and
    # every run logged "E0000 ... tfg_optimizer_hook ... empty op name".
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", TRAIN_ON_TENSORFLOW],
        env=dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="0"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "tfg_optimizer" not in result.stderr
    assert "empty op name" not in result.stderr
