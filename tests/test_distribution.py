"""NINR training under data parallelism on two virtual CPU devices.

Each case runs in a subprocess, because the number of virtual devices must
be fixed before JAX or TensorFlow initialises.
"""

import json
import os
import subprocess
import sys
import textwrap

import keras
import pytest

COMMON = """
import json
import numpy as np
import keras
from keras_ninr import NINRModel


def build():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6, 6, 1))
    h = keras.layers.Conv2D(4, 2, activation="elu")(inputs)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(16, activation="relu")(h)
    base = keras.Model(inputs, keras.layers.Dense(3)(h))
    model = NINRModel.from_model(base, topology="full", noise_stddev=3.0, seed=0)
    model.compile(
        keras.optimizers.SGD(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


rng = np.random.default_rng(0)
x = rng.normal(size=(64, 6, 6, 1)).astype("float32")
y = rng.integers(0, 3, size=64).astype("int32")
"""

JAX_DATA_PARALLEL = """
devices = keras.distribution.list_devices("cpu")
keras.distribution.set_distribution(
    keras.distribution.DataParallel(devices=devices)
)
model = build()
before = model.noise_weight_norms()
history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
first = model.predict(x, verbose=0)
print(json.dumps({
    "devices": len(devices),
    "loss": history.history["loss"],
    "niw_norm": history.history["niw_norm"],
    "niw_changed": model.noise_weight_norms() != before,
    "deterministic": bool(np.array_equal(first, model.predict(x, verbose=0))),
}))
"""

TF_MIRRORED = """
import tensorflow as tf

cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = build()
before = model.noise_weight_norms()
history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
first = model.predict(x, verbose=0)
print(json.dumps({
    "devices": strategy.num_replicas_in_sync,
    "loss": history.history["loss"],
    "niw_norm": history.history["niw_norm"],
    "niw_changed": model.noise_weight_norms() != before,
    "deterministic": bool(np.array_equal(first, model.predict(x, verbose=0))),
}))
"""


def run_case(backend, body, extra_env=None):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    env.update(extra_env or {})
    script = textwrap.dedent(COMMON) + textwrap.dedent(body)
    completed = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def check(result):
    assert result["devices"] == 2
    assert len(result["niw_norm"]) == 2
    assert all(v == v and v < 1e6 for v in result["loss"])  # Finite.
    assert result["niw_changed"]
    assert result["deterministic"]


@pytest.mark.skipif(
    keras.backend.backend() != "jax", reason="DataParallel case runs under JAX"
)
def test_jax_data_parallel_on_two_cpu_devices():
    check(
        run_case(
            "jax",
            JAX_DATA_PARALLEL,
            {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"},
        )
    )


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="MirroredStrategy case runs under TensorFlow",
)
def test_tf_mirrored_strategy_on_two_cpu_devices():
    check(run_case("tensorflow", TF_MIRRORED))
