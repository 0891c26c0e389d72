"""One Noise Injection Node shared by every NIN layer (paper Secs. 3.1, 4).

full-NINR couples a single NIN to every layer: one eps per sample, seen by
each layer through its own NIW. `shared_noise=False` keeps independent
draws per layer.
"""

import warnings

import keras
import numpy as np
import pytest
from keras import ops

from keras_ninr import NINRModel
from keras_ninr import NoiseInjectionDense
from keras_ninr import NoiseInjectionPixel
from keras_ninr import NoiseSource


def to_numpy(x):
    return ops.convert_to_numpy(x)


def two_branches():
    """Two parallel Dense branches on one input: the issue's acceptance."""
    inputs = keras.Input((6,))
    a = keras.layers.Dense(5, name="branch_a")(inputs)
    b = keras.layers.Dense(4, name="branch_b")(inputs)
    return keras.Model(inputs, [a, b], name="branches")


def eps_per_branch(model, x):
    """(noisy - clean) / NIW of each branch in one training-mode call:
    `(batch, units)` arrays whose rows hold one eps_i each."""
    clean = [to_numpy(t) for t in model(x, training=False)]
    noisy = [to_numpy(t) for t in model(x, training=True)]
    eps = []
    for name, noisy_out, clean_out in zip(("branch_a", "branch_b"), noisy, clean):
        kernel = to_numpy(model.get_layer(name).noise_kernel)
        eps.append((noisy_out - clean_out) / kernel)
    return eps


def assert_one_eps_per_sample(eps_a, eps_b, same):
    # Each row is one scalar eps_i (relative rounding of the difference).
    for eps in (eps_a, eps_b):
        np.testing.assert_allclose(
            eps, np.repeat(eps[:, :1], eps.shape[1], axis=1), rtol=1e-3, atol=1e-4
        )
    if same:
        np.testing.assert_allclose(eps_a[:, 0], eps_b[:, 0], rtol=1e-3, atol=1e-4)
    else:
        assert np.max(np.abs(eps_a[:, 0] - eps_b[:, 0])) > 0.1


@pytest.fixture
def x():
    return np.random.default_rng(0).normal(size=(16, 6)).astype("float32")


def test_full_topology_shares_one_eps_per_sample_by_default(x, tmp_path):
    model = NINRModel.from_model(
        two_branches(), topology="full", noise_stddev=3.0, seed=1
    )
    assert [type(l).__name__ for l in model.layers].count("NoiseSource") == 1
    assert_one_eps_per_sample(*eps_per_branch(model, x), same=True)
    # The .keras file keeps the shared node.
    path = tmp_path / "shared.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, NINRModel)
    assert_one_eps_per_sample(*eps_per_branch(loaded, x), same=True)
    for out, expected in zip(loaded.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(out, expected)


def test_independent_draws_with_shared_noise_false(x, tmp_path):
    model = NINRModel.from_model(
        two_branches(),
        topology="full",
        noise_stddev=3.0,
        seed=1,
        shared_noise=False,
    )
    assert not any(isinstance(l, NoiseSource) for l in model.layers)
    assert_one_eps_per_sample(*eps_per_branch(model, x), same=False)
    path = tmp_path / "independent.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert_one_eps_per_sample(*eps_per_branch(loaded, x), same=False)


def test_explicit_layer_list_shares_and_a_single_nin_needs_no_source(x):
    listed = NINRModel.from_model(
        two_branches(), topology=["branch_a", "branch_b"], noise_stddev=2.0
    )
    assert_one_eps_per_sample(*eps_per_branch(listed, x), same=True)
    single = NINRModel.from_model(
        two_branches(), topology=["branch_a"], noise_stddev=2.0
    )
    assert not any(isinstance(l, NoiseSource) for l in single.layers)


def test_cnn_full_topology_feeds_every_nin_from_one_source():
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(4, 2, name="conv")(inputs)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(6, activation="relu", name="hidden")(h)
    base = keras.Model(inputs, keras.layers.Dense(3, name="logits")(h))
    model = NINRModel.from_model(base, topology="full", noise_stddev=0.9, seed=0)
    sources = [l for l in model.layers if isinstance(l, NoiseSource)]
    assert len(sources) == 1
    # Every NIN layer is called with the source's output as `unit_noise`.
    fed = [
        layer["name"]
        for layer in model.get_config()["layers"]
        if sources[0].name in str(layer.get("inbound_nodes"))
    ]
    assert sorted(fed) == sorted(l.name for l in model.noise_layers)
    x = np.random.default_rng(1).uniform(size=(4, 8, 8, 1)).astype("float32")
    np.testing.assert_array_equal(
        model.predict(x, verbose=0), base.predict(x, verbose=0)
    )
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, np.array([0, 1, 2, 0]), epochs=1, verbose=0)


def test_noise_source_by_hand_and_its_config():
    inputs = keras.Input((5,))
    u = NoiseSource(noise_distribution="uniform", seed=3, name="source")(inputs)
    first = NoiseInjectionDense(4, noise_stddev=2.0, seed=7, name="first")
    pixel = NoiseInjectionPixel(noise_stddev=2.0, name="pixel")
    h = first(inputs, unit_noise=u)
    outputs = pixel(h, unit_noise=u)
    model = NINRModel(inputs, [h, outputs])
    x = np.ones((6, 5), "float32")
    h_clean = to_numpy(first(x))
    h_noisy, out_noisy = (to_numpy(t) for t in model(x, training=True))
    eps_first = (h_noisy - h_clean) / to_numpy(first.noise_kernel)
    eps_pixel = (out_noisy - h_noisy) / to_numpy(pixel.noise_kernel)
    np.testing.assert_allclose(eps_first, eps_pixel, rtol=1e-3, atol=1e-4)
    # Uniform unit draws times sigma_eps = 2: within [-2, 2].
    assert np.all(np.abs(eps_first) <= 2.0 + 1e-4)
    outputs_eval = model(x, training=False)
    np.testing.assert_array_equal(to_numpy(outputs_eval[1]), h_clean)
    config = model.get_layer("source").get_config()
    assert config["noise_distribution"] == "uniform" and config["seed"] == 3
    assert NoiseSource.from_config(config).seed == 3


def test_nested_model_nins_draw_apart_with_a_warning():
    inner_in = keras.Input((4,))
    inner = keras.Model(
        inner_in,
        keras.layers.Dense(3, name="inner_2")(
            keras.layers.Dense(4, name="inner_1")(inner_in)
        ),
        name="inner",
    )
    inputs = keras.Input((4,))
    h = keras.layers.Dense(4, name="outer")(inputs)
    base = keras.Model(inputs, inner(h))
    with pytest.warns(UserWarning, match="nested model"):
        model = NINRModel.from_model(base, topology="full", noise_stddev=1.0)
    assert len(model.noise_layers) == 3
    nested = model.get_layer("inner")
    assert any(isinstance(l, NoiseSource) for l in nested.layers)


def test_a_flat_model_converts_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        NINRModel.from_model(two_branches(), topology="full", noise_stddev=1.0)


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_bad_shared_noise(value):
    with pytest.raises(ValueError, match=f"shared_noise={value!r}"):
        NINRModel.from_model(two_branches(), topology="full", shared_noise=value)
