"""`NIWNormLogger` CSV files and keys, and `NoiseScheduler` signatures."""

import csv
import functools
import math

import keras
import numpy as np
import pytest

from keras_ninr import NINRModel
from keras_ninr import NoiseInjectionDense
from keras_ninr.callbacks import NIWNormLogger
from keras_ninr.callbacks import NoiseScheduler


def tiny_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.integers(0, 2, 16).astype("int32")
    return x, y


def compiled(model):
    model.compile(
        keras.optimizers.SGD(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def one_nin_model(name="nin"):
    """A plain keras.Sequential (not a NINRModel) with one NIN."""
    return compiled(
        keras.Sequential(
            [
                keras.Input((4,)),
                NoiseInjectionDense(
                    3, noise_stddev=1.0, activation="relu", seed=0, name=name
                ),
                keras.layers.Dense(2, name="head"),
            ]
        )
    )


def two_nin_graph():
    inputs = keras.Input((4,))
    h = NoiseInjectionDense(3, noise_stddev=1.0, seed=0, name="nin_a")(inputs)
    h = NoiseInjectionDense(3, noise_stddev=1.0, seed=1, name="nin_b")(h)
    return inputs, keras.layers.Dense(2, name="head")(h)


def fit(model, callbacks, epochs=2):
    x, y = tiny_data()
    return model.fit(
        x, y, batch_size=8, epochs=epochs, verbose=0, callbacks=callbacks
    )


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


# NIWNormLogger: the CSV file.


def test_csv_is_overwritten_by_default(tmp_path):
    path = tmp_path / "niw.csv"
    fit(one_nin_model("first"), [NIWNormLogger(csv_path=path)])
    # Another model, other columns: a fresh file, not rows under the old
    # header.
    fit(one_nin_model("second"), [NIWNormLogger(csv_path=path)], epochs=3)
    rows = read_csv(path)
    assert rows[0] == [
        "epoch",
        "batch",
        "step",
        "niw_norm",
        "niw_norm/second",
        "data_weight_norm/head",
    ]
    assert [row[0] for row in rows[1:]] == ["0", "1", "2"]


def test_csv_append_with_the_same_columns(tmp_path):
    path = tmp_path / "niw.csv"
    model = one_nin_model()
    logger = NIWNormLogger(csv_path=path, append=True)
    fit(model, [logger])
    fit(model, [logger])
    rows = read_csv(path)
    assert rows[0][:4] == ["epoch", "batch", "step", "niw_norm"]
    assert rows.count(rows[0]) == 1  # One header.
    assert [row[0] for row in rows[1:]] == ["0", "1", "0", "1"]


def test_csv_append_with_other_columns_is_refused(tmp_path):
    path = tmp_path / "niw.csv"
    fit(one_nin_model("first"), [NIWNormLogger(csv_path=path)])
    before = path.read_text()
    with pytest.raises(ValueError) as info:
        fit(
            one_nin_model("second"),
            [NIWNormLogger(csv_path=path, append=True)],
        )
    message = str(info.value)
    assert f"csv_path={str(path)!r}" in message
    assert "'niw_norm/first'" in message and "'niw_norm/second'" in message
    assert path.read_text() == before  # Left as it was.


def test_csv_rows_are_flushed_every_epoch(tmp_path):
    path = tmp_path / "niw.csv"
    rows_seen = []

    class ReadBack(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            rows_seen.append(len(read_csv(path)))

    fit(one_nin_model(), [NIWNormLogger(csv_path=path), ReadBack()])
    assert rows_seen == [2, 3]  # Header plus one row per epoch so far.


def test_append_must_be_a_bool():
    with pytest.raises(ValueError, match="append='yes'"):
        NIWNormLogger(csv_path="niw.csv", append="yes")


def test_paths_must_be_paths():
    with pytest.raises(ValueError, match="csv_path=123"):
        NIWNormLogger(csv_path=123)
    with pytest.raises(ValueError, match="log_dir=4.5"):
        NIWNormLogger(log_dir=4.5)


def test_steps_go_on_after_a_resume_from_initial_epoch(tmp_path):
    path = tmp_path / "niw.csv"
    model = one_nin_model()
    x, y = tiny_data()
    for start, end in ((0, 2), (2, 4)):
        model.fit(
            x, y, batch_size=8, epochs=end, initial_epoch=start, verbose=0,
            callbacks=[NIWNormLogger(csv_path=path, append=True, every_n_batches=1)],
        )
    rows = read_csv(path)[1:]
    epoch_rows = [row for row in rows if row[1] == ""]
    # Two steps per epoch: epoch k ends at step 2 (k + 1), resumed or not.
    assert [(row[0], row[2]) for row in epoch_rows] == [
        ("0", "2"), ("1", "4"), ("2", "6"), ("3", "8"),
    ]
    assert [row[2] for row in rows if row[1] != ""] == list("12345678")


# NIWNormLogger: the keys.


def test_one_nin_in_a_plain_model_logs_niw_norm():
    model = one_nin_model()
    history = fit(model, [NIWNormLogger()])
    norm = model.get_layer("nin").noise_weight_norm()
    assert history.history["niw_norm"][-1] == pytest.approx(norm)
    assert history.history["niw_norm/nin"][-1] == pytest.approx(norm)


def test_keys_are_the_same_whatever_the_model_class():
    logs = {}
    for model_class in (keras.Model, NINRModel):
        keras.utils.set_random_seed(0)
        model = compiled(model_class(*two_nin_graph()))
        logs[model_class] = fit(model, [NIWNormLogger()]).history
    plain, ninr = logs[keras.Model], logs[NINRModel]
    assert set(plain) == set(ninr)
    norms = [plain[f"niw_norm/{name}"][-1] for name in ("nin_a", "nin_b")]
    # All NIWs as one vector, as NINRModel.fit computes it.
    assert plain["niw_norm"][-1] == pytest.approx(math.hypot(*norms))


def test_a_csv_logger_listed_first_still_gets_niw_norm(tmp_path):
    # Keras calls callbacks in list order with one logs dict per epoch; the
    # logger goes first whatever the order it is listed in.
    path = tmp_path / "train.csv"
    model = compiled(keras.Model(*two_nin_graph()))
    logger = NIWNormLogger()
    fit(model, [keras.callbacks.CSVLogger(str(path)), logger])
    rows = read_csv(path)
    assert "niw_norm" in rows[0] and "niw_norm/nin_b" in rows[0]
    column = rows[0].index("niw_norm")
    assert float(rows[-1][column]) == pytest.approx(logger.records[-1]["niw_norm"])


# NoiseScheduler: the schedule's signature.


def test_type_error_inside_a_schedule_propagates():
    def schedule(epoch, noise_stddev):
        raise TypeError("boom")

    with pytest.raises(TypeError, match="^boom$"):
        fit(one_nin_model(), [NoiseScheduler(schedule)], epochs=1)


def test_one_and_two_argument_schedules():
    calls = {}

    def recorder(key, value=0.5):
        def record(*args):
            calls.setdefault(key, []).append(args)
            return value

        return record

    class OneArgument:
        def __call__(self, epoch):
            return recorder("object")(epoch)

    def three(epoch, noise_stddev, scale):
        return recorder("partial")(epoch, noise_stddev)

    def optional_second(epoch, noise_stddev=None):
        return recorder("default")(epoch, noise_stddev)

    schedules = [
        lambda epoch: recorder("one")(epoch),
        lambda epoch, noise_stddev: recorder("two")(epoch, noise_stddev),
        recorder("varargs"),
        OneArgument(),
        functools.partial(three, scale=2.0),
        optional_second,
    ]
    fit(one_nin_model(), [NoiseScheduler(s) for s in schedules])
    assert calls["one"] == [(0,), (1,)]
    assert calls["object"] == [(0,), (1,)]
    for key in ("two", "varargs", "partial", "default"):
        assert [len(args) for args in calls[key]] == [2, 2], key
        assert calls[key][1] == (1, 0.5), key  # The sigma in force.


@pytest.mark.parametrize(
    "schedule",
    [
        lambda: 1.0,
        lambda epoch, noise_stddev, extra: 1.0,
        lambda epoch, *, scale: 1.0,
    ],
    ids=["no-argument", "three-arguments", "required-keyword"],
)
def test_schedule_with_a_wrong_signature_is_refused_at_once(schedule):
    with pytest.raises(ValueError, match="schedule=") as info:
        NoiseScheduler(schedule)
    assert "schedule(epoch, noise_stddev)" in str(info.value)
