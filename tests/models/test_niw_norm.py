"""The NIW norm is one number, wherever it is read."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_ninr import NINRModel
from keras_ninr.callbacks import NIWNormLogger
from keras_ninr.src.norms import l2_norm
from keras_ninr.src.utils import combined_norms
from keras_ninr.src.utils import noise_layer_pairs


def test_l2_norm_is_the_norm_of_all_tensors_as_one_vector():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4)).astype("float32")
    b = rng.normal(size=(5,)).astype("float32")
    joint = np.linalg.norm(np.concatenate([a.ravel(), b.ravel()]))
    assert l2_norm([a, b]) == pytest.approx(joint, rel=1e-6)
    assert l2_norm([]) == 0.0
    stacked = rng.normal(size=(2, 3, 4)).astype("float32")
    per_replica = l2_norm([stacked, stacked[:, 0]], per_replica=True)
    for k in range(2):
        expected = l2_norm([stacked[k], stacked[k, 0]])
        assert per_replica[k] == pytest.approx(expected, rel=1e-12)


def test_layer_model_logs_and_logger_agree(blobs):
    x, y = blobs
    base = keras.Sequential(
        [
            keras.Input((20,)),
            keras.layers.Dense(16, activation="relu", name="hidden"),
            keras.layers.Dense(3, name="head"),
        ]
    )
    model = NINRModel.from_model(base, "full", noise_stddev=2.0, seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    logger = NIWNormLogger()
    history = model.fit(x, y, epochs=1, verbose=0, callbacks=[logger])
    kernels = [ops.convert_to_numpy(l.noise_kernel) for l in model.noise_layers]
    expected = np.linalg.norm(np.concatenate([k.ravel() for k in kernels]))
    logged = history.history["niw_norm"][-1]
    assert logged == pytest.approx(expected, rel=1e-6)
    assert logger.records[-1]["niw_norm"] == logged
    pairs = noise_layer_pairs(model, "test")
    assert combined_norms(pairs)["niw_norm"] == logged
    assert history.history["niw_norm/hidden"][-1] == (
        model.get_layer("hidden").noise_weight_norm()
    )
