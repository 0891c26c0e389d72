import warnings

import keras
import numpy as np
import pytest
from keras import ops

from keras_ninr import InputCorruption
from keras_ninr import NINRModel
from keras_ninr import NoiseInjectionDense
from keras_ninr import NoiseInjectionPixel


def to_numpy(x):
    return ops.convert_to_numpy(x)


def paper_fc(widths=(64, 64, 64), input_dim=20, classes=3):
    """The paper's FC shape (784-1024^3-10), scaled down for tests."""
    return keras.Sequential(
        [keras.Input((input_dim,))]
        + [keras.layers.Dense(w, activation="relu") for w in widths]
        + [keras.layers.Dense(classes)],
        name="fc",
    )


def paper_cnn():
    """Fig. 2b's CNN shape, scaled down: two conv blocks then Dense layers."""
    inputs = keras.Input((12, 12, 1))
    h = inputs
    for filters in (4, 8):
        h = keras.layers.Conv2D(filters, 2, padding="same")(h)
        h = keras.layers.ELU()(h)
        h = keras.layers.BatchNormalization()(h)
        h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(32, activation="relu")(h)
    return keras.Model(inputs, keras.layers.Dense(3)(h), name="cnn")


def kinds(model):
    return [type(layer).__name__ for layer in model.layers]


def test_input_topology_on_fc(blobs):
    x, _ = blobs
    base = paper_fc()
    model = NINRModel.from_model(base, topology="input", noise_stddev=51.8)
    assert isinstance(model, NINRModel)
    assert kinds(model)[1:] == ["NoiseInjectionDense"] + ["Dense"] * 3
    assert [layer.name for layer in model.noise_layers] == [
        base.layers[0].name
    ]
    assert model.noise_stddev == 51.8
    np.testing.assert_allclose(
        model.predict(x, verbose=0), base.predict(x, verbose=0), rtol=0, atol=0
    )


def test_full_topology_on_fc_and_cnn():
    fc = NINRModel.from_model(paper_fc(), topology="full", noise_stddev=16.4)
    # One noise source feeds the four NINs (the paper's single NIN).
    assert kinds(fc)[1:] == ["NoiseSource"] + ["NoiseInjectionDense"] * 4
    base = paper_cnn()
    cnn = NINRModel.from_model(base, topology="full", noise_stddev=0.9)
    names = [layer.name for layer in cnn.layers]
    pixels = [l for l in cnn.layers if isinstance(l, NoiseInjectionPixel)]
    assert len(pixels) == 2
    for pixel in pixels:
        conv_name = pixel.name.replace("_noise_injection", "")
        assert names.index(conv_name) == names.index(pixel.name) + 1
    assert sum(isinstance(l, NoiseInjectionDense) for l in cnn.layers) == 2
    x = np.random.default_rng(0).normal(size=(8, 12, 12, 1)).astype("float32")
    np.testing.assert_array_equal(
        to_numpy(cnn.predict(x, verbose=0)), to_numpy(base.predict(x, verbose=0))
    )


def test_input_topology_on_cnn_puts_pixel_nin_before_first_conv():
    model = NINRModel.from_model(paper_cnn(), noise_stddev=2.8)
    assert isinstance(model.layers[1], NoiseInjectionPixel)
    assert isinstance(model.layers[2], keras.layers.Conv2D)
    assert len(model.noise_layers) == 1


def test_explicit_layer_names_and_seeds():
    base = paper_fc()
    chosen = [base.layers[1].name, base.layers[3].name]
    model = NINRModel.from_model(base, topology=chosen, noise_stddev=3.0, seed=10)
    assert [layer.name for layer in model.noise_layers] == chosen
    assert [layer.seed for layer in model.noise_layers] == [10, 11]


def test_original_model_is_untouched(blobs):
    x, y = blobs
    base = paper_fc()
    before = [w.copy() for w in base.get_weights()]
    model = NINRModel.from_model(base, topology="full", noise_stddev=5.0)
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(True))
    model.fit(x, y, epochs=1, verbose=0)
    for old, new in zip(before, base.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert not np.array_equal(
        to_numpy(model.get_layer(base.layers[0].name).kernel),
        base.layers[0].get_weights()[0],
    )


def test_fit_logs_niw_norm_and_inference_is_deterministic(blobs):
    x, y = blobs
    model = NINRModel.from_model(paper_fc(), topology="full", noise_stddev=5.0)
    model.compile(
        keras.optimizers.SGD(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    norms = model.noise_weight_norms()
    assert set(norms) == {layer.name for layer in model.noise_layers}
    assert len(history.history["niw_norm"]) == 2
    assert history.history["niw_norm"][-1] == pytest.approx(
        np.sqrt(sum(v**2 for v in norms.values()))
    )
    for name, value in norms.items():
        assert history.history[f"niw_norm/{name}"][-1] == pytest.approx(value)
    first = model.predict(x, verbose=0)
    np.testing.assert_array_equal(first, model.predict(x, verbose=0))
    np.testing.assert_array_equal(
        to_numpy(model(x)), to_numpy(model(x, training=False))
    )
    loss = model.evaluate(x, y, verbose=0)[0]
    assert loss == pytest.approx(model.evaluate(x, y, verbose=0)[0])


def test_noise_stddev_setter():
    model = NINRModel.from_model(paper_fc(), topology="full", noise_stddev=1.0)
    model.noise_stddev = 200.0
    assert all(layer.noise_stddev == 200.0 for layer in model.noise_layers)
    first = model.noise_layers[0].name
    model.noise_stddev = {first: 3.0}
    assert model.noise_stddev[first] == 3.0
    with pytest.raises(ValueError, match="noise_stddev=-2"):
        model.noise_stddev = -2
    with pytest.raises(ValueError, match="nope"):
        model.noise_stddev = {"nope": 1.0}


def test_direct_functional_construction_and_keras_round_trip(tmp_path, blobs):
    x, y = blobs
    inputs = keras.Input((20,))
    h = NoiseInjectionDense(16, noise_stddev=7.0, activation="relu")(inputs)
    model = NINRModel(inputs, keras.layers.Dense(3)(h))
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(True))
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "ninr.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, NINRModel)
    assert loaded.noise_stddev == 7.0
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )


def test_nested_functional_model_is_converted():
    inner = paper_fc(widths=(8,), classes=4)
    inner = keras.Model(inner.inputs[0], inner.outputs[0], name="inner")
    inputs = keras.Input((20,))
    outer = keras.Model(inputs, keras.layers.Dense(2)(inner(inputs)))
    with pytest.warns(UserWarning, match="draw apart"):
        model = NINRModel.from_model(outer, topology="full", noise_stddev=1.0)
    assert len(model.noise_layers) == 3
    x = np.ones((2, 20), "float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0), outer.predict(x, verbose=0), atol=0
    )


def test_bad_inputs():
    with pytest.raises(ValueError, match="topology='middle'"):
        NINRModel.from_model(paper_fc(), topology="middle")
    with pytest.raises(ValueError, match="not_a_layer"):
        NINRModel.from_model(paper_fc(), topology=["not_a_layer"])
    with pytest.raises(ValueError, match="noise_stddev=nan"):
        NINRModel.from_model(paper_fc(), noise_stddev=float("nan"))
    with pytest.raises(ValueError, match="noise_distribution='laplace'"):
        NINRModel.from_model(paper_fc(), noise_distribution="laplace")
    no_weights = keras.Sequential(
        [keras.Input((4, 4)), keras.layers.Flatten(), keras.layers.ReLU()]
    )
    with pytest.raises(ValueError, match="at least one Dense, EinsumDense or convolution"):
        NINRModel.from_model(no_weights)

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    subclassed = Subclassed()
    subclassed(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match="Subclassed"):
        NINRModel.from_model(subclassed)
    with pytest.raises(ValueError, match="model="):
        NINRModel.from_model("not a model")


def test_seed_out_of_the_seed_generators_range_is_named():
    # JAX keeps a seed as uint32, PyTorch as int32: -1 failed on JAX with
    # an OverflowError naming no argument, 2**31 on PyTorch.
    for bad in (-1, 2**31):
        with pytest.raises(ValueError, match=f"0 to 2147483647.*seed={bad}"):
            NINRModel.from_model(paper_fc(), seed=bad)
        with pytest.raises(ValueError, match=f"seed={bad}"):
            NoiseInjectionDense(2, seed=bad)
        with pytest.raises(ValueError, match=f"seed={bad}"):
            InputCorruption(0.4, seed=bad)
    assert NoiseInjectionDense(2, seed=2**31 - 1).seed == 2**31 - 1


def divergent_fit(callbacks=()):
    model = NINRModel.from_model(paper_fc(), noise_stddev=1e30, seed=0)
    model.compile(
        keras.optimizers.SGD(0.01),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    x = np.random.default_rng(0).normal(size=(32, 20)).astype("float32")
    y = np.arange(32) % 3
    return model.fit(
        x, y, batch_size=16, epochs=3, verbose=0, callbacks=list(callbacks)
    )


def test_a_divergent_run_is_named_once_and_goes_on():
    with pytest.warns(RuntimeWarning) as warned:
        history = divergent_fit()
    messages = [
        str(w.message) for w in warned if "suggest_noise_stddev" in str(w.message)
    ]
    assert len(messages) == 1
    assert "noise_stddev (sigma_eps) = 1e+30" in messages[0]
    assert "divergent phase" in messages[0]
    assert len(history.history["loss"]) == 3  # Not stopped.
    # Asked to stop, it stops, with no second word.
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*suggest_noise_stddev")
        history = divergent_fit([keras.callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1
