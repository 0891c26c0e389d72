import json
import math
import warnings

import keras
import numpy as np
import pytest

from keras_ninr import NoiseInjectionDense
from keras_ninr import phases
from keras_ninr.callbacks import PhaseMonitor


def trajectory(loss, niw, weights=None):
    history = {"loss": list(loss), "niw_norm": list(niw)}
    if weights is not None:
        history["data_weight_norm"] = list(weights)
    return history


def test_classify_each_phase():
    steps = np.arange(50)
    falling_loss = 2.3 * np.exp(-steps / 30)
    decoupled = phases.classify(trajectory(falling_loss, 1.0 + 0.01 * np.sin(steps)))
    assert decoupled.phase == "decoupled"
    decay = phases.classify(trajectory(falling_loss, np.exp(-steps / 10)))
    assert decay.phase == "decay" and decay.evidence["niw_ratio"] < 0.01
    spike = np.concatenate([2.3 * np.exp(steps[:10] / 3), 0.5 * np.ones(40)])
    catapult = phases.classify(
        trajectory(spike, np.exp(-steps / 5), 1.0 + 0.3 * ((steps > 0) & (steps < 10)))
    )
    assert catapult.phase == "catapult"
    assert catapult.evidence["weight_growth"] == pytest.approx(1.3)
    stuck = phases.classify(trajectory(2.3 * np.exp(steps / 5), np.ones(50)))
    assert stuck.phase == "divergent"
    nan = phases.classify(trajectory([2.3, 5.0, math.nan], [1.0, 2.0, 3.0]))
    assert nan.phase == "divergent" and nan.evidence["first_non_finite"] == 2
    assert [p for p in phases.PHASES] == [
        "decoupled", "decay", "catapult", "divergent"
    ]


def test_classify_reads_histories_and_records():
    records = [
        {"loss": 2.0, "niw_norm/a": 3.0, "niw_norm/b": 4.0},
        {"loss": 1.0, "niw_norm/a": 0.3, "niw_norm/b": 0.4},
    ]
    report = phases.classify(records)
    assert report.phase == "decay"
    assert report.evidence["niw_ratio"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="niw_norm"):
        phases.classify({"loss": [1.0, 0.5]})
    with pytest.raises(ValueError, match="history=str"):
        phases.classify("loss")


def tiny_model(noise_stddev, learning_rate=0.05):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((20,)),
            NoiseInjectionDense(
                32, noise_stddev=noise_stddev, activation="relu", seed=0
            ),
            keras.layers.Dense(3),
        ]
    )
    model.compile(
        keras.optimizers.SGD(learning_rate),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def test_phase_monitor_stops_a_divergent_run_in_the_first_epoch(blobs):
    x, y = blobs
    model = tiny_model(noise_stddev=1e4)
    monitor = PhaseMonitor(every_n_batches=2)
    with pytest.warns(RuntimeWarning, match="noise_stddev=10000") as caught:
        history = model.fit(x, y, batch_size=16, epochs=5, verbose=0,
                            callbacks=[monitor])
    assert len(history.history["loss"]) == 1  # Stopped within epoch 1.
    assert monitor.diverged and monitor.phase == "divergent"
    assert monitor.records[-1]["step"] < 32
    message = next(
        str(w.message) for w in caught if w.category is RuntimeWarning
    )
    assert "smaller noise_stddev" in message
    assert "suggest_noise_stddev" in message
    assert history.history["phase_id"] == [phases.PHASES.index("divergent")]


def test_phase_monitor_labels_a_healthy_run(blobs):
    x, y = blobs
    model = tiny_model(noise_stddev=15.0)
    monitor = PhaseMonitor(every_n_batches=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        history = model.fit(x, y, batch_size=32, epochs=8, verbose=0,
                            callbacks=[monitor])
    assert not monitor.diverged
    assert monitor.phase in ("decay", "catapult"), monitor.report
    assert len(history.history["phase_id"]) == 8
    assert monitor.records[0]["step"] == 0
    with pytest.raises(ValueError, match="every_n_batches=0"):
        PhaseMonitor(every_n_batches=0)


def test_phase_monitor_resumes_its_trace_from_its_state(blobs):
    # A run stopped after its first epoch and resumed (a kit's backup)
    # keeps the trace of a run never stopped.
    x, y = blobs
    fit = dict(batch_size=32, epochs=3, shuffle=False, verbose=0)
    whole = PhaseMonitor(every_n_batches=4)
    tiny_model(noise_stddev=15.0).fit(x, y, callbacks=[whole], **fit)

    model = tiny_model(noise_stddev=15.0)
    first = PhaseMonitor(every_n_batches=4)
    model.fit(x, y, callbacks=[first], **{**fit, "epochs": 1})
    state = json.loads(json.dumps(first.get_state()))
    resumed = PhaseMonitor(every_n_batches=4)
    resumed.set_state(state)
    assert resumed.records == first.records
    assert (resumed.phase, resumed.report) == (first.phase, first.report)
    model.fit(x, y, callbacks=[resumed], initial_epoch=1, **fit)
    assert resumed.records == whole.records
    assert len(whole.records) == 1 + 3 * 4
    assert (resumed.phase, resumed.report) == (whole.phase, whole.report)
    # The next fit starts a trace of its own.
    model.fit(x, y, callbacks=[resumed], **{**fit, "epochs": 1})
    assert resumed.records[0]["step"] == 0 and len(resumed.records) == 5


def test_find_phase_boundaries_on_a_tiny_model(blobs):
    x, y = blobs
    result = phases.find_phase_boundaries(
        tiny_model, x, y, sigmas=[1.0, 30.0, 3000.0], steps=30, batch_size=16,
        refine=1,
    )
    for name, (below, above) in result.boundaries.items():
        lower, upper = name.split("/")
        assert {t.noise_stddev: t.phase for t in result.trials}[below] == lower
        assert {t.noise_stddev: t.phase for t in result.trials}[above] == upper
    labels = {t.noise_stddev: t.phase for t in result.trials}
    assert labels[1.0] in ("decoupled", "decay")
    assert labels[3000.0] == "divergent"
    order = [phases.PHASES.index(t.phase) for t in result.trials]
    assert order == sorted(order)  # Phases come in order of sigma_eps.
    below, above = list(result.boundaries.values())[-1]
    assert labels[above] == "divergent" and below < above
    assert result.largest_safe() == below
    assert 0 < result.cost_fraction(30 * 10) < 10
    assert "| sigma_eps |" in result.table()
    # Each trial restarts from the same state: a repeat gives the same label.
    again = phases.find_phase_boundaries(
        tiny_model, x, y, sigmas=[30.0], steps=30, batch_size=16, refine=0
    )
    assert again.trials[0].evidence == next(
        t.evidence for t in result.trials if t.noise_stddev == 30.0
    )


def test_suggest_noise_stddev_and_bad_inputs(blobs):
    x, y = blobs
    suggestion = phases.suggest_noise_stddev(
        tiny_model, x, y, sigmas=[1.0, 3000.0], steps=20, batch_size=16,
        refine=2, safety=0.5,
    )
    safe = suggestion["boundaries"].largest_safe()
    assert suggestion["catapult"] == pytest.approx(0.5 * safe)
    with pytest.raises(ValueError, match="steps=1"):
        phases.find_phase_boundaries(tiny_model, x, y, steps=1)
    with pytest.raises(ValueError, match="sigmas="):
        phases.find_phase_boundaries(tiny_model, x, y, sigmas=[-1.0])
    with pytest.raises(ValueError, match="build_model="):
        phases.find_phase_boundaries(None, x, y)
    with pytest.raises(ValueError, match="safety=2"):
        phases.suggest_noise_stddev(tiny_model, x, y, safety=2)


def test_windowed_loss_recovers_window_means_from_running_means():
    from keras_ninr.src.phases.windowed_loss import WindowedLoss

    losses = [2.0, 2.0, 9.0, 11.0, 1.0, 1.0]
    running = np.cumsum(losses) / np.arange(1, 7)
    windowed = WindowedLoss()
    assert windowed.update(1, running[1]) == pytest.approx(2.0)
    assert windowed.update(3, running[3]) == pytest.approx(10.0)  # The spike.
    assert windowed.update(5, running[5]) == pytest.approx(1.0)
    assert windowed.update(0, 5.0) == pytest.approx(5.0)  # A new epoch.
