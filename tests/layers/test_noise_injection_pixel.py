import keras
import numpy as np
import pytest
from keras import ops

from keras_ninr import NoiseInjectionPixel


def to_numpy(x):
    return ops.convert_to_numpy(x)


def test_identity_at_inference_and_at_zero_noise():
    layer = NoiseInjectionPixel(noise_stddev=87.5, seed=0)
    x = np.random.default_rng(0).normal(size=(4, 8, 8, 3)).astype("float32")
    np.testing.assert_array_equal(to_numpy(layer(x)), x)
    np.testing.assert_array_equal(to_numpy(layer(x, training=False)), x)
    layer.noise_stddev = 0.0
    np.testing.assert_array_equal(to_numpy(layer(x, training=True)), x)


def test_pixelwise_noise_kernel_times_one_eps_per_sample():
    layer = NoiseInjectionPixel(noise_stddev=2.8, seed=1)
    x = np.random.default_rng(1).normal(size=(16, 5, 5, 2)).astype("float32")
    noisy = to_numpy(layer(x, training=True))
    noise_kernel = to_numpy(layer.noise_kernel)
    assert noise_kernel.shape == (5, 5, 2)
    difference = noisy - x
    eps = difference[:, 0, 0, 0] / noise_kernel[0, 0, 0]
    np.testing.assert_allclose(
        difference, eps[:, None, None, None] * noise_kernel, rtol=1e-3, atol=1e-4
    )
    assert len(np.unique(np.round(eps, 4))) == 16


def test_default_initialisation():
    layer = NoiseInjectionPixel()
    layer.build((None, 28, 28, 1))
    assert np.std(to_numpy(layer.noise_kernel)) == pytest.approx(
        785**-0.5, rel=0.1
    )
    assert [w.name for w in layer.trainable_weights] == ["noise_kernel"]


def test_before_conv_and_before_dense_with_round_trip(tmp_path):
    inputs = keras.Input((8, 8, 1))
    h = NoiseInjectionPixel(noise_stddev=3.0)(inputs)
    h = keras.layers.Conv2D(4, 3, activation="elu")(h)
    h = keras.layers.Flatten()(h)
    h = NoiseInjectionPixel(noise_stddev=1.0)(h)  # Footnote 8: before Dense.
    model = keras.Model(inputs, keras.layers.Dense(3)(h))
    x = np.random.default_rng(2).normal(size=(6, 8, 8, 1)).astype("float32")
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((6, 3), "float32"), epochs=1, verbose=0)
    path = str(tmp_path / "pixel.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        to_numpy(loaded.predict(x, verbose=0)),
        to_numpy(model.predict(x, verbose=0)),
    )


def test_unknown_dimensions_rejected():
    with pytest.raises(ValueError, match=r"input_shape=\(None, None, 8, 1\)"):
        NoiseInjectionPixel(noise_stddev=1.0)(keras.Input((None, 8, 1)))


def test_config_round_trip():
    layer = NoiseInjectionPixel(
        noise_stddev=62.0, noise_distribution="uniform", seed=5
    )
    config = layer.get_config()
    assert NoiseInjectionPixel.from_config(config).get_config() == config
