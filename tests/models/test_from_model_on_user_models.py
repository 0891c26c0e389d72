"""What `NINRModel.from_model` promises on models a user brings: state that
is not a plain weight survives, every layer that can carry a NIN gets one,
and what cannot is named; bad arguments fail at once, naming the value."""

import os
import warnings

import keras
import numpy as np
import pytest
from keras import ops

import keras_ninr
from keras_ninr import NINRModel
from keras_ninr import NoiseInjectionDense
from keras_ninr import NoiseInjectionEinsumDense

BACKEND = keras.backend.backend()


def predict(model, x):
    return model.predict(x, verbose=0)


def noise_free_equal(base, model, x):
    np.testing.assert_array_equal(predict(base, x), predict(model, x))


def captured(function, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    messages = [
        str(w.message)
        for w in caught
        if not issubclass(w.category, DeprecationWarning)
    ]
    return result, messages


# --- State that is not a plain weight ------------------------------------


def test_adapted_normalization_keeps_its_statistics():
    x = (np.random.default_rng(0).random((64, 6)) * 10 + 3).astype("float32")
    normalization = keras.layers.Normalization()
    normalization.adapt(x)
    base = keras.Sequential(
        [keras.Input((6,)), normalization, keras.layers.Dense(3)]
    )
    model = NINRModel.from_model(base, "input")
    noise_free_equal(base, model, x)


def test_adapted_discretization_keeps_its_bins():
    x = np.random.default_rng(1).normal(size=(200, 3)).astype("float32")
    discretization = keras.layers.Discretization(num_bins=4)
    discretization.adapt(x)
    inputs = keras.Input((3,))
    h = ops.cast(discretization(inputs), "float32")
    base = keras.Model(inputs, keras.layers.Dense(2)(h))
    model = NINRModel.from_model(base, "input")
    noise_free_equal(base, model, x)


def test_batch_normalization_moving_statistics_are_copied():
    rng = np.random.default_rng(2)
    x = (rng.normal(size=(64, 5)) * 4 + 2).astype("float32")
    y = rng.integers(0, 2, size=64)
    base = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(8),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(2),
        ]
    )
    base.compile("sgd", "sparse_categorical_crossentropy")
    base.fit(x, y, epochs=2, batch_size=16, verbose=0)
    moving_mean = base.layers[1].moving_mean
    assert np.abs(ops.convert_to_numpy(moving_mean)).max() > 0
    model = NINRModel.from_model(base, "full", noise_stddev=3.0)
    noise_free_equal(base, model, x)


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="lookup layers run inside a model on the TensorFlow backend only",
)
@pytest.mark.parametrize("kind", ["string", "integer", "text"])
def test_lookup_vocabularies_are_copied(kind):
    if kind == "string":
        data = np.array([["a"], ["b"], ["c"], ["a"], ["d"]])
        layer = keras.layers.StringLookup(output_mode="one_hot")
        inputs = keras.Input((1,), dtype="string")
    elif kind == "integer":
        data = np.array([[7], [3], [9], [7], [1]])
        layer = keras.layers.IntegerLookup(output_mode="one_hot")
        inputs = keras.Input((1,), dtype="int64")
    else:
        data = np.array(["the cat", "a dog", "the dog sat", "cat"])
        layer = keras.layers.TextVectorization(output_mode="multi_hot")
        inputs = keras.Input((), dtype="string")
    layer.adapt(data)
    h = layer(inputs)
    h = keras.layers.Reshape((-1,))(h)
    base = keras.Model(inputs, keras.layers.Dense(3)(h))
    model = NINRModel.from_model(base, "input", noise_stddev=2.0)
    import tensorflow as tf  # Strings reach Keras as tf tensors only.

    data = tf.constant(data)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(base(data)), ops.convert_to_numpy(model(data))
    )


# --- Layers a topology must not skip silently ----------------------------


def test_time_distributed_dense_is_converted_with_one_eps_per_sample():
    inputs = keras.Input((5, 4))
    h = keras.layers.TimeDistributed(
        keras.layers.Dense(6), name="per_step"
    )(inputs)
    h = keras.layers.Flatten()(h)
    base = keras.Model(inputs, keras.layers.Dense(3, name="out")(h))
    model, messages = captured(
        NINRModel.from_model, base, "input", noise_stddev=2.0, seed=3
    )
    assert messages == []
    assert [layer.name for layer in model.noise_layers] == ["per_step"]
    x = np.random.default_rng(3).random((4, 5, 4)).astype("float32")
    # One matmul over the sequence instead of one per step: equal up to
    # float rounding, not bit for bit.
    np.testing.assert_allclose(
        predict(base, x), predict(model, x), rtol=1e-6, atol=1e-6
    )

    # Noise is one scalar per sample, shared by its time steps.
    layer = model.get_layer("per_step")
    noisy = ops.convert_to_numpy(layer(x, training=True))
    clean = ops.convert_to_numpy(layer(x))
    eps = (noisy - clean) / ops.convert_to_numpy(layer.noise_kernel)
    np.testing.assert_allclose(eps, eps[:, :1, :1] * np.ones_like(eps), rtol=1e-4)
    assert np.unique(np.round(eps[:, 0, 0], 4)).size == 4


def test_einsum_dense_is_converted_and_round_trips(tmp_path):
    inputs = keras.Input((7, 8))
    h = keras.layers.EinsumDense(
        "abc,cd->abd", output_shape=(7, 16), bias_axes="d", name="proj"
    )(inputs)
    h = keras.layers.Flatten()(h)
    base = keras.Model(inputs, keras.layers.Dense(2)(h))
    model = NINRModel.from_model(base, "input", noise_stddev=1.5, seed=0)
    proj = model.get_layer("proj")
    assert isinstance(proj, NoiseInjectionEinsumDense)
    assert tuple(proj.noise_kernel.shape) == (1, 16)
    x = np.random.default_rng(4).random((3, 7, 8)).astype("float32")
    noise_free_equal(base, model, x)

    path = os.path.join(tmp_path, "einsum.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(predict(model, x), predict(loaded, x))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(loaded.get_layer("proj").noise_kernel),
        ops.convert_to_numpy(proj.noise_kernel),
    )


def test_input_topology_puts_one_nin_on_each_input_branch():
    first = keras.Input((4,), name="first")
    second = keras.Input((3,), name="second")
    a = keras.layers.Dense(5, name="branch_a")(first)
    b = keras.layers.Dense(5, name="branch_b")(second)
    merged = keras.layers.Concatenate()([a, b])
    base = keras.Model(
        [first, second], keras.layers.Dense(2, name="out")(merged)
    )
    model = NINRModel.from_model(base, "input", noise_stddev=1.0)
    assert [layer.name for layer in model.noise_layers] == [
        "branch_a",
        "branch_b",
    ]
    x = [np.ones((2, 4), "float32"), np.ones((2, 3), "float32")]
    noise_free_equal(base, model, x)


def test_input_that_meets_the_merge_first_gets_the_layer_after_it():
    first = keras.Input((4,), name="first")
    second = keras.Input((3,), name="second")
    a = keras.layers.Dense(5, name="branch_a")(first)
    merged = keras.layers.Concatenate()([a, second])
    base = keras.Model(
        [first, second], keras.layers.Dense(2, name="out")(merged)
    )
    model = NINRModel.from_model(base, "input")
    assert [layer.name for layer in model.noise_layers] == ["branch_a", "out"]


def test_input_topology_names_the_layers_it_passes_over():
    inputs = keras.Input((5,), dtype="int32")
    h = keras.layers.Embedding(10, 4, name="tokens")(inputs)
    h = keras.layers.GRU(3, name="recurrent")(h)
    base = keras.Model(inputs, keras.layers.Dense(2, name="out")(h))
    model, messages = captured(NINRModel.from_model, base, "input")
    assert [layer.name for layer in model.noise_layers] == ["out"]
    assert len(messages) == 1
    assert "'tokens' (Embedding)" in messages[0]
    assert "'recurrent' (GRU)" in messages[0]
    assert "'out'" in messages[0]


def test_full_topology_names_the_layers_it_skips():
    inputs = keras.Input((5,), dtype="int32")
    h = keras.layers.Embedding(10, 4, name="tokens")(inputs)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(6, name="hidden")(h)
    base = keras.Model(inputs, keras.layers.Dense(2, name="out")(h))
    model, messages = captured(NINRModel.from_model, base, "full")
    assert [layer.name for layer in model.noise_layers] == ["hidden", "out"]
    assert len(messages) == 1 and "'tokens' (Embedding)" in messages[0]


def test_input_with_no_layer_that_can_carry_a_nin_is_named():
    first = keras.Input((4,), name="first")
    second = keras.Input((4,), name="second")
    h = keras.layers.Dense(4, name="hidden")(first)
    out = keras.layers.Add()([h, second])
    base = keras.Model([first, second], out)
    _, messages = captured(NINRModel.from_model, base, "input")
    assert len(messages) == 1 and "['second']" in messages[0]


def test_a_frozen_layer_warns_that_its_niw_is_frozen():
    base = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="frozen"), keras.layers.Dense(2)]
    )
    base.get_layer("frozen").trainable = False
    model, messages = captured(NINRModel.from_model, base, "input", noise_stddev=1.0)
    assert isinstance(model.get_layer("frozen"), NoiseInjectionDense)
    assert len(messages) == 1
    assert "'frozen'" in messages[0] and "trainable=False" in messages[0]

    base.get_layer("frozen").trainable = True
    _, messages = captured(NINRModel.from_model, base, "input", noise_stddev=1.0)
    assert messages == []


# --- Arguments ------------------------------------------------------------


def small_model():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])


@pytest.mark.parametrize(
    "arguments, pattern",
    [
        ({"seed": "x"}, "seed='x'"),
        ({"seed": 1.5}, "seed=1.5"),
        ({"seed": True}, "seed=True"),
        ({"noise_stddev": "1.5"}, "noise_stddev='1.5'"),
        ({"noise_stddev": True}, "noise_stddev=True"),
        ({"noise_stddev": 1e39}, "noise_stddev=1e\\+39"),
        ({"noise_stddev": -1.0}, "noise_stddev=-1.0"),
    ],
)
def test_bad_arguments_are_named(arguments, pattern):
    with pytest.raises(ValueError, match=pattern):
        NINRModel.from_model(small_model(), "input", **arguments)


@pytest.mark.parametrize("value", ["1.5", True, 1e39])
def test_layers_refuse_a_bad_noise_stddev(value):
    with pytest.raises(ValueError, match="noise_stddev="):
        NoiseInjectionDense(3, noise_stddev=value)
    layer = NoiseInjectionDense(3, noise_stddev=1.0)
    with pytest.raises(ValueError, match="noise_stddev="):
        layer.noise_stddev = value


def test_numpy_numbers_are_accepted():
    model = NINRModel.from_model(
        small_model(), "input", noise_stddev=np.float32(2.5), seed=np.int64(4)
    )
    assert model.noise_stddev == 2.5
    assert model.noise_layers[0].seed == 4
    assert keras_ninr.NoiseInjectionPixel(seed=np.int32(1)).seed == 1
