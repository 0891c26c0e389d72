"""Compiled multi-step training and data on the device (issue 15): faster,
and the same weights as one step per call on NumPy batches."""

import keras
import numpy as np
import pytest

from keras_ninr import NoiseInjectionDense
from keras_ninr.callbacks import NIWNormLogger
from keras_ninr.callbacks import PhaseMonitor
from keras_ninr.experiments import execution
from keras_ninr.experiments import sweep
from keras_ninr.experiments import zoo
from keras_ninr.experiments.replicas import EpochBatches
from keras_ninr.experiments.replicas import fit_replicas
from keras_ninr.src.experiments.sweep.data import DataCache
from tests.experiments.test_sweep import TINY
from tests.experiments.test_sweep import easy_images

TORCH = keras.backend.backend() == "torch"
needs_multi_step = pytest.mark.skipif(
    TORCH, reason="Keras allows steps_per_execution=1 only on PyTorch"
)


def images(n=150):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 10, n).astype("int32")
    x = rng.uniform(0.0, 0.3, size=(n, 28, 28))
    x[np.arange(n), 3 + 2 * y] = 1.0
    return x.astype("float32"), y


def in_ninr_network(seed=3):
    """A NINR model: a NoiseInjectionDense on the input layer (a NIN draw
    per sample at every step, from the layer's seed generator)."""
    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    model = zoo.build(
        "fc", "in-ninr", noise_stddev=5.0, seed=seed, hidden_units=(16, 8),
        pixel_mean=0.2, pixel_std=0.3,
    )
    return zoo.compile_model(model, "fc")


def weights(model):
    return [keras.ops.convert_to_numpy(v) for v in model.weights]


@pytest.fixture(scope="module")
def per_step():
    """One step per call on NumPy batches, as a sweep run trained before:
    the weights and history after 2 epochs."""
    x, y = images()
    model = in_ninr_network()
    history = model.fit(
        EpochBatches(x, y, 32, 3), epochs=2, shuffle=False, verbose=0
    )
    return weights(model), history.history


@pytest.mark.parametrize(
    "steps",
    [
        1,
        pytest.param(4, marks=needs_multi_step),
        pytest.param(32, marks=needs_multi_step),
    ],
)
def test_device_data_and_several_steps_per_call_give_the_same_weights(
    steps, per_step
):
    # 150 images in batches of 32: 5 steps an epoch, the last partial; with
    # 4 steps per call the second call of an epoch runs one step; with 32
    # one call runs the epoch. On JAX the calls are scanned (`ScanSteps`),
    # on TensorFlow one graph loop computes the positions of each step.
    x, y = images()
    expected, expected_history = per_step

    model = in_ninr_network()
    trainer = execution.DeviceDataModel(model, x, y, seed=3)
    zoo.compile_model(trainer, "fc", steps_per_execution=steps)
    history = trainer.fit(batch_size=32, epochs=2, verbose=0)

    # Exact on every backend: each step computes what it computed alone,
    # and the NIN's draws come from its seed generator in the same order.
    for got, want in zip(weights(model), expected):
        np.testing.assert_array_equal(got, want)
    assert history.history["loss"] == expected_history["loss"]
    assert history.history["niw_norm"] == expected_history["niw_norm"]


@needs_multi_step
def test_a_second_fit_with_another_batch_size_gives_the_same_weights():
    # The TensorFlow loop computes a step's positions from the batch size:
    # a fit with another one must not reuse the first fit's loop.
    x, y = images()
    runs = []
    for steps in (1, 4):
        model = in_ninr_network()
        trainer = execution.DeviceDataModel(model, x, y, seed=3)
        zoo.compile_model(trainer, "fc", steps_per_execution=steps)
        trainer.fit(batch_size=32, epochs=1, verbose=0)
        trainer.fit(batch_size=16, epochs=2, initial_epoch=1, verbose=0)
        runs.append(weights(model))
    for got, want in zip(*runs):
        np.testing.assert_array_equal(got, want)


def nin_model(inputs, steps_per_execution, seed=0):
    """A NoiseInjectionDense model on flat inputs, as a user builds one."""
    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((inputs,)),
        NoiseInjectionDense(16, noise_stddev=3.0, activation="relu", seed=0),
        keras.layers.Dense(10),
    ])
    model.compile(
        keras.optimizers.SGD(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        steps_per_execution=steps_per_execution,
    )
    return model


@needs_multi_step
def test_fit_on_arrays_with_several_steps_per_call_gives_the_same_weights():
    x, y = images()
    x = x.reshape(len(x), -1)
    results = []
    for steps in (1, 4):
        model = nin_model(784, steps)
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        results.append(weights(model))
    for got, want in zip(*results):
        np.testing.assert_array_equal(got, want)


def test_the_kit_keeps_one_step_per_call_for_phase_traces_and_on_torch():
    # Except on JAX, whose scanned calls keep every step (`ScanSteps`).
    for backend in execution.BACKENDS:
        for device in execution.DEVICE_KINDS:
            assert execution.steps_per_execution(
                phase_trace=True, backend=backend, device=device
            ) == (
                execution.STEPS_PER_EXECUTION[backend, device]
                if backend == "jax" else 1
            )
    assert execution.steps_per_execution(backend="torch", device="cpu") == 1
    assert execution.steps_per_execution(backend="torch", device="gpu") == 1
    chosen = execution.steps_per_execution()
    assert chosen == execution.STEPS_PER_EXECUTION.get(
        (keras.backend.backend(), execution.device_kind()), 1
    )
    assert chosen >= 1 and (chosen == 1 or not TORCH)


@pytest.mark.parametrize(
    "arguments,message",
    [
        (dict(phase_trace="yes"), "phase_trace='yes'"),
        (dict(backend="numpy"), "backend='numpy'"),
        (dict(device="npu"), "device='npu'"),
    ],
)
def test_steps_per_execution_names_a_bad_argument(arguments, message):
    with pytest.raises(ValueError, match=message):
        execution.steps_per_execution(**arguments)


def test_device_data_model_and_fit_replicas_name_a_bad_value():
    x, y = images(8)
    trainer = execution.DeviceDataModel(in_ninr_network(), x, y, seed=0)
    with pytest.raises(ValueError, match="batch_size=0"):
        trainer.fit(batch_size=0)
    with pytest.raises(ValueError, match=r"len\(x\)=8, len\(y\)=7"):
        execution.DeviceDataModel(in_ninr_network(), x, y[:7], seed=0)
    with pytest.raises(ValueError, match="steps_per_execution=0"):
        fit_replicas(
            [in_ninr_network()], x, y, [0], optimizer=zoo.make_optimizer(),
            batch_size=4, epochs=1, steps_per_execution=0,
        )


@needs_multi_step
def test_batch_records_fall_on_the_same_steps_with_several_steps_per_call(
    blobs,
):
    x, y = blobs  # 512 samples: 16 steps of 32 an epoch.
    runs = {}
    for steps in (1, 2):
        model = nin_model(20, steps)
        monitor = PhaseMonitor(every_n_batches=4)
        logger = NIWNormLogger(every_n_batches=6)
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0,
                  callbacks=[monitor, logger])
        runs[steps] = (monitor.records, logger.records)
    (monitor_1, logger_1), (monitor_2, logger_2) = runs[1], runs[2]
    # Every 4th step of 32, as one step per call gives them; the windowed
    # losses and norms are the same: only the start loss (the mean of the
    # first call's steps) differs.
    assert [r["step"] for r in monitor_2] == [r["step"] for r in monitor_1]
    assert [r["step"] for r in monitor_1] == [0] + list(range(4, 33, 4))
    for got, want in zip(monitor_2[1:], monitor_1[1:]):
        np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)
        assert got["niw_norm"] == want["niw_norm"]
    # Every 6th step: 2 steps per call divide it, so the same steps too.
    assert [(r["epoch"], r["step"]) for r in logger_2] == [
        (r["epoch"], r["step"]) for r in logger_1
    ]
    assert [r["step"] for r in logger_1 if r["batch"] is not None] == [
        6, 12, 18, 24, 30,
    ]


@needs_multi_step
def test_a_short_last_call_counts_the_steps_it_ran(blobs):
    # 480 samples in batches of 32: 15 steps an epoch, so with 4 steps per
    # call an epoch's last call runs 3, which Keras reports as index 15.
    x, y = blobs
    model = nin_model(20, 4)
    logger = NIWNormLogger(every_n_batches=5)
    model.fit(x[:480], y[:480], batch_size=32, epochs=2, shuffle=False,
              verbose=0, callbacks=[logger])
    batches = [(r["epoch"], r["batch"], r["step"]) for r in logger.records
               if r["batch"] is not None]
    # The first call at or after each multiple of 5; the last call of an
    # epoch ends at its 15th step, not a 16th.
    assert batches == [
        (0, 7, 8), (0, 11, 12), (0, 14, 15), (1, 7, 23), (1, 11, 27),
        (1, 14, 30),
    ]
    epochs = [r["step"] for r in logger.records if r["batch"] is None]
    assert epochs == [15, 30]


def test_a_sweep_run_gives_the_record_of_one_step_per_call(
    tmp_path, monkeypatch
):
    key = (keras.backend.backend(), execution.device_kind())
    if not TORCH:  # Several steps per call, also where the table says 1.
        monkeypatch.setitem(execution.STEPS_PER_EXECUTION, key, 3)
    config = sweep.RunConfig(**TINY, regularization="none")
    (record,) = sweep.run_sweep(
        [config], tmp_path / "r.jsonl", progress=False, load_data=easy_images
    )

    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    data = DataCache(None, easy_images).prepare(config)
    model = zoo.build(
        "fc", "none", seed=0, hidden_units=(16,), pixel_mean=data.mean,
        pixel_std=data.std,
    )
    zoo.compile_model(model, "fc")
    history = model.fit(
        EpochBatches(data.x_train, data.y_train, 128, 0), epochs=2,
        shuffle=False, verbose=0,
    ).history
    assert record["history"]["loss"] == history["loss"]
    assert record["history"]["accuracy"] == history["accuracy"]
