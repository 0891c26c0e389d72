"""N training steps in one compiled call on JAX (issue 24): `ScanSteps`
gives the weights, and the phase records, of one step per call."""

import warnings

import keras
import numpy as np
import pytest

from keras_ninr import NINRModel
from keras_ninr import phases
from keras_ninr.callbacks import PhaseMonitor
from keras_ninr.experiments import zoo
from keras_ninr.experiments.replicas import fit_replicas
from tests.experiments.test_replicas import build
from tests.experiments.test_replicas import images

JAX = keras.backend.backend() == "jax"
needs_multi_step = pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="Keras allows steps_per_execution=1 only on PyTorch",
)
# Elsewhere Keras's own loop runs: one call back per N steps.
needs_scan = pytest.mark.skipif(
    not JAX, reason="only JAX's scanned calls keep every step"
)


def blob_data(n):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n).astype("int32")
    x = rng.normal(size=(n, 8)) + 0.5 * y[:, None]
    return x.astype("float32"), y


def ninr_model(noise_stddev=3.0, steps_per_execution=1):
    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    base = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(6, activation="relu"),
        keras.layers.Dense(3),
    ])
    model = NINRModel.from_model(base, noise_stddev=noise_stddev, seed=0)
    model.compile(
        keras.optimizers.SGD(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


def weights(model):
    return [keras.ops.convert_to_numpy(v) for v in model.weights]


@needs_multi_step
def test_thirty_two_steps_per_call_give_the_weights_of_one():
    # 158 samples in batches of 4: 40 steps, the last of 2 samples; with
    # 32 steps per call the second call runs 7 full steps and a short one.
    x, y = blob_data(158)
    runs = {}
    for steps in (1, 32):
        model = ninr_model(steps_per_execution=steps)
        history = model.fit(
            x, y, batch_size=4, epochs=1, shuffle=False, verbose=0
        )
        runs[steps] = (weights(model), history.history, model)
    (got, history, model), (expected, expected_history, _) = (
        runs[32], runs[1]
    )
    for value, want in zip(got, expected):
        np.testing.assert_array_equal(value, want)
    assert history == expected_history
    if JAX:  # The second call's 8 steps ran in one compiled loop.
        assert model.last_call.count == 8


@needs_scan
@pytest.mark.parametrize("noise_stddev", [3.0, 1e5])
def test_phase_monitor_records_every_step_of_a_scanned_call(noise_stddev):
    # 10 steps an epoch; records every 3rd step, across call boundaries.
    x, y = blob_data(80)
    runs = {}
    for steps in (1, 4):
        model = ninr_model(noise_stddev, steps_per_execution=steps)
        monitor = PhaseMonitor(every_n_batches=3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            model.fit(x, y, batch_size=8, epochs=2, shuffle=False,
                      verbose=0, callbacks=[monitor])
        messages = [str(w.message) for w in caught
                    if w.category is RuntimeWarning]
        runs[steps] = (monitor.records, monitor.phase, messages)
    (one, phase_1, messages_1), (four, phase_4, messages_4) = runs[1], runs[4]
    if noise_stddev == 3.0:
        assert [r["step"] for r in one] == [0, 3, 6, 9, 12, 15, 18]
    else:  # Stopped at the same step, with the same message.
        assert phase_1 == "divergent" and len(messages_1) == 1
    assert (phase_4, messages_4) == (phase_1, messages_1)
    assert [(r["epoch"], r["step"]) for r in four] == [
        (r["epoch"], r["step"]) for r in one
    ]
    # The start loss is the first step's, as with one step per call;
    # the norms, summed inside the compiled loop, up to float32 rounding.
    np.testing.assert_array_equal(
        [r["loss"] for r in four], [r["loss"] for r in one]
    )
    for key in ("niw_norm", "data_weight_norm"):
        np.testing.assert_allclose(
            [r[key] for r in four], [r[key] for r in one], rtol=1e-6
        )


@needs_scan
def test_finder_trials_and_replica_traces_match_one_step_per_call():
    x, y = blob_data(96)
    trials = {}
    for steps in (1, 4):
        found = phases.find_phase_boundaries(
            lambda sigma: ninr_model(sigma, steps), x, y,
            sigmas=[1.0, 1e5], steps=12, batch_size=8, record_every=3,
            refine=0,
        )
        trials[steps] = [(t.phase, t.steps, t.records) for t in found.trials]
    for (phase, count, records), (phase_1, count_1, records_1) in zip(
        trials[4], trials[1]
    ):
        assert (phase, count) == (phase_1, count_1)
        assert [r["step"] for r in records] == [r["step"] for r in records_1]
        np.testing.assert_array_equal(  # NaN where divergent.
            [r["loss"] for r in records], [r["loss"] for r in records_1]
        )
    assert trials[1][1][0] == "divergent"  # Found at the same step.

    # Replicas: a healthy and a divergent one, 5 steps an epoch.
    x, y = images("fc")
    traces = {}
    for steps in (1, 4):
        keras.utils.clear_session()
        models = [build("fc", "in-ninr", s, sigma)
                  for s, sigma in ((0, 2.0), (1, 1e7))]
        runs = fit_replicas(
            models, x, y, [0, 1], optimizer=zoo.make_optimizer("sgd", "fc"),
            batch_size=32, epochs=2, every_n_batches=2,
            steps_per_execution=steps,
        )
        traces[steps] = [run.trace.records for run in runs]
    for got, want in zip(traces[4], traces[1]):
        assert [r["step"] for r in got] == [r["step"] for r in want]
        np.testing.assert_array_equal(
            [r["loss"] for r in got], [r["loss"] for r in want]
        )
        for record, reference in zip(got, want):
            np.testing.assert_allclose(
                record["niw_norm"], reference["niw_norm"], 1e-6
            )


def test_trace_norms_takes_only_the_models_variables():
    model = ninr_model()
    stranger = keras.Variable(np.ones(3), name="stranger")
    with pytest.raises(ValueError, match="niw_norm=.*stranger"):
        model.trace_norms("mine", {"niw_norm": [stranger]})
