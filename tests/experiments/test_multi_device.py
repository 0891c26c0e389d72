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
@pytest.mark.slow_on_jax
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


REPLICAS = """
from keras_ninr.experiments import zoo
from keras_ninr.src.experiments.replicas.batches import EpochBatches
from keras_ninr.src.experiments.replicas.training import fit_replicas

rng = np.random.default_rng(1)
xr = rng.uniform(size=(96, 28, 28, 1)).astype("float32")  # [0, 1] pixels.
yr = rng.integers(0, 10, size=96).astype("int32")
seeds, sigmas = [0, 1], [1.0, 3.0]


def zoo_model(seed, sigma):
    keras.utils.set_random_seed(seed)
    return zoo.build("cnn", "full-ninr", noise_stddev=sigma, seed=seed,
                     pixel_mean=0.5, pixel_std=0.29, filters=(2, 4),
                     dense_units=8)


def train_together():
    models = [zoo_model(s, g) for s, g in zip(seeds, sigmas)]
    runs = fit_replicas(models, xr, yr, seeds,
                        optimizer=zoo.make_optimizer("sgd", "cnn"),
                        batch_size=32, epochs=2)
    return models, runs


def train_alone(seed, sigma):
    model = zoo_model(seed, sigma)
    zoo.compile_model(model, "cnn")
    model.fit(EpochBatches(xr, yr, 32, seed), epochs=2, shuffle=False,
              verbose=0)
    return model


def largest_difference(models):
    return max(
        float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
        for model, seed, sigma in zip(models, seeds, sigmas)
        for a, b in zip(model.weights, train_alone(seed, sigma).weights)
    )
"""

JAX_REPLICAS = """
devices = keras.distribution.list_devices("cpu")
keras.distribution.set_distribution(
    keras.distribution.DataParallel(devices=devices)
)
models, runs = train_together()
keras.distribution.set_distribution(None)
print(json.dumps({
    "devices": len(devices),
    "niw_norm": [run.history["niw_norm"] for run in runs],
    "difference": largest_difference(models),
}))
"""

TF_REPLICAS = """
import tensorflow as tf

cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    models, runs = train_together()
    # Compared with runs alone under the same strategy: TF's batch norm
    # normalises each device's part of the batch on its own.
    difference = largest_difference(models)
print(json.dumps({
    "devices": strategy.num_replicas_in_sync,
    "niw_norm": [run.history["niw_norm"] for run in runs],
    "difference": difference,
}))
"""


def check_replicas(result):
    assert result["devices"] == 2
    assert all(len(norms) == 2 for norms in result["niw_norm"])
    # Data-parallel replica training ends where each run alone ends
    # (on one device for JAX, under the same strategy for TF).
    assert result["difference"] < 1e-4


@pytest.mark.skipif(
    keras.backend.backend() != "jax", reason="DataParallel case runs under JAX"
)
@pytest.mark.slow  # ~35 s; test_jax_data_parallel_on_two_cpu_devices stays
def test_jax_data_parallel_trains_replicas_as_runs_alone():
    check_replicas(
        run_case(
            "jax",
            REPLICAS + JAX_REPLICAS,
            {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"},
        )
    )


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="MirroredStrategy case runs under TensorFlow",
)
def test_tf_mirrored_strategy_trains_replicas_as_runs_alone():
    check_replicas(run_case("tensorflow", REPLICAS + TF_REPLICAS))
