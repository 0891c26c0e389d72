"""jit_compile, steps_per_execution and mixed precision (issue: core package)."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_ninr import NINRModel
from keras_ninr import NoiseInjectionDense
from keras_ninr import NoiseInjectionPixel


def small_cnn_fc():
    inputs = keras.Input((6, 6, 1))
    h = keras.layers.Conv2D(4, 2, activation="elu")(inputs)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(16, activation="relu")(h)
    return keras.Model(inputs, keras.layers.Dense(3)(h))


def data(n=64):
    rng = np.random.default_rng(0)
    return (
        rng.normal(size=(n, 6, 6, 1)).astype("float32"),
        rng.integers(0, 3, size=n).astype("int32"),
    )


def compile_ninr(jit_compile="auto", steps_per_execution=1):
    model = NINRModel.from_model(
        small_cnn_fc(), topology="full", noise_stddev=3.0, seed=0
    )
    model.compile(
        keras.optimizers.SGD(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
    )
    return model


@pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="jit_compile=True is not supported by Keras on the torch backend",
)
def test_jit_compile():
    x, y = data()
    model = compile_ninr(jit_compile=True)
    before = model.noise_weight_norms()
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert model.noise_weight_norms() != before


@pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="Keras requires steps_per_execution=1 on the torch backend",
)
def test_steps_per_execution():
    x, y = data()
    model = compile_ninr(steps_per_execution=2)
    before = model.noise_weight_norms()
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert len(history.history["niw_norm"]) == 2
    assert model.noise_weight_norms() != before


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision(policy):
    keras.config.set_dtype_policy(policy)
    compute_dtype = policy.split("_")[1]
    dense = NoiseInjectionDense(4, noise_stddev=231.6, seed=0)
    pixel = NoiseInjectionPixel(noise_stddev=87.5, seed=0)
    x = np.ones((8, 3), "float32")
    y = dense(x, training=True)
    assert keras.backend.standardize_dtype(y.dtype) == compute_dtype
    eps = dense.draw_noise(ops.cast(x, compute_dtype))
    assert keras.backend.standardize_dtype(eps.dtype) == compute_dtype
    # Variables stay float32; sigma_eps is not rounded to the compute dtype.
    assert keras.backend.standardize_dtype(dense.noise_kernel.dtype) == "float32"
    assert dense.noise_stddev == 231.6
    z = pixel(np.ones((8, 5), "float32"), training=True)
    assert keras.backend.standardize_dtype(z.dtype) == compute_dtype
    xs, ys = data(32)
    model = compile_ninr()
    history = model.fit(xs, ys, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    predictions = model.predict(xs, verbose=0)
    np.testing.assert_array_equal(predictions, model.predict(xs, verbose=0))
