import csv
import importlib.util
import os

import keras
import numpy as np
import pytest

from keras_ninr import NoiseInjectionDense
from keras_ninr import NoiseInjectionPixel
from keras_ninr.callbacks import NIWNormLogger
from keras_ninr.callbacks import NoiseScheduler
from keras_ninr.callbacks import StopAtTrainAccuracy


def plain_model(noise_stddev=5.0, seed=0):
    """An ordinary keras.Model (not a NINRModel) with two NINs inside."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((20,))
    h = NoiseInjectionPixel(noise_stddev=noise_stddev, seed=seed)(inputs)
    h = keras.layers.Dense(16, activation="relu", name="hidden")(h)
    h = NoiseInjectionDense(
        16, noise_stddev=noise_stddev, activation="relu", seed=seed, name="nin"
    )(h)
    model = keras.Model(inputs, keras.layers.Dense(3, name="head")(h))
    model.compile(
        keras.optimizers.SGD(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def test_niw_norm_logger_history_csv_and_batches(tmp_path, blobs):
    x, y = blobs
    model = plain_model()
    path = tmp_path / "logs" / "niw.csv"
    logger = NIWNormLogger(every_n_batches=4, csv_path=path)
    history = model.fit(
        x, y, batch_size=64, epochs=2, verbose=0, callbacks=[logger]
    )
    pixel, nin = [l for l in model.layers if "noise" in type(l).__name__.lower()]
    keys = {
        f"niw_norm/{pixel.name}",
        "data_weight_norm/hidden",  # The Dense fed by the pixel NIN.
        "niw_norm/nin",
        "data_weight_norm/head",  # Fig. 3's |W^(l_NI + 1)|.
    }
    assert keys <= set(history.history)
    assert history.history["niw_norm/nin"][-1] == pytest.approx(
        nin.noise_weight_norm()
    )
    # 8 batches an epoch: records at steps 4, 8 (+ epoch end), 12, 16 (+ end).
    assert [r["step"] for r in logger.records] == [4, 8, 8, 12, 16, 16]
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6
    assert float(rows[-1]["niw_norm/nin"]) == pytest.approx(
        nin.noise_weight_norm()
    )
    # The batch-level values move during training.
    assert rows[0]["niw_norm/nin"] != rows[-1]["niw_norm/nin"]


@pytest.mark.skipif(
    importlib.util.find_spec("tensorboard") is None,
    reason="TensorBoard output needs the tensorboard package",
)
def test_niw_norm_logger_tensorboard(tmp_path, blobs):
    x, y = blobs
    model = plain_model()
    logger = NIWNormLogger(log_dir=tmp_path)
    model.fit(x, y, batch_size=128, epochs=1, verbose=0, callbacks=[logger])
    events = os.listdir(tmp_path / "niw")
    assert any(name.startswith("events.out.tfevents") for name in events)


def test_callbacks_reject_model_without_nin(blobs):
    x, y = blobs
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(3)])
    model.compile("sgd", "mse")
    for callback in (NIWNormLogger(), NoiseScheduler(lambda e: 1.0)):
        with pytest.raises(ValueError, match="no Noise Injection Node"):
            model.fit(x, np.zeros((512, 3)), epochs=1, verbose=0,
                      callbacks=[callback])


def test_noise_scheduler_sets_sigma_each_epoch(blobs):
    x, y = blobs
    model = plain_model(noise_stddev=1.0)
    schedule = [231.6, 51.8, 0.0]
    history = model.fit(
        x,
        y,
        batch_size=128,
        epochs=3,
        verbose=0,
        callbacks=[NoiseScheduler(lambda epoch, current: schedule[epoch])],
    )
    assert history.history["noise_stddev"] == schedule
    assert model.get_layer("nin").noise_stddev == 0.0


def test_noise_scheduler_takes_effect_in_compiled_training(blobs):
    """A run scheduled to sigma=0 equals a run that never had noise."""
    x, y = blobs
    scheduled = plain_model(noise_stddev=1000.0)
    scheduled.fit(x, y, batch_size=64, epochs=2, verbose=0, shuffle=False,
                  callbacks=[NoiseScheduler(lambda epoch: 0.0)])
    quiet = plain_model(noise_stddev=0.0)
    quiet.fit(x, y, batch_size=64, epochs=2, verbose=0, shuffle=False)
    for a, b in zip(scheduled.get_weights(), quiet.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_noise_scheduler_bad_input(blobs):
    with pytest.raises(ValueError, match="schedule=3"):
        NoiseScheduler(3)
    x, y = blobs
    model = plain_model()
    with pytest.raises(ValueError, match="-5"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[NoiseScheduler(lambda epoch: -5.0)])


def test_stop_at_train_accuracy(blobs):
    x, y = blobs
    model = plain_model(noise_stddev=0.0)
    stopper = StopAtTrainAccuracy(target=0.05)
    history = model.fit(x, y, epochs=20, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 1
    assert stopper.stopped_epoch == 0
    never = StopAtTrainAccuracy(target=1.0)
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[never])
    assert len(history.history["loss"]) == 2
    assert never.stopped_epoch is None
    for target in (0.0, 1.5, "high"):
        with pytest.raises(ValueError, match="target="):
            StopAtTrainAccuracy(target=target)
