"""Replica-batched training: K runs together end as K runs alone."""

import math

import keras
import numpy as np
import pytest

from keras_ninr.experiments import sweep
from keras_ninr.experiments import zoo
from keras_ninr.src.experiments.replicas.batches import EpochBatches
from keras_ninr.src.experiments.replicas.batches import epoch_order
from keras_ninr.src.experiments.replicas.model import ReplicaModel
from keras_ninr.src.experiments.replicas.training import fit_replicas
from keras_ninr.src.utils import find_noise_layers
from tests.experiments.test_sweep import TINY
from tests.experiments.test_sweep import easy_images

SIZE = {
    "fc": dict(hidden_units=(24, 16)),
    "cnn": dict(filters=(3, 4), dense_units=16),
}
SHAPE = {"fc": (28, 28), "cnn": (28, 28, 1)}


# The [0, 1] pixel statistics of `images` (roughly): the models
# standardise their pixels with them, as the sweep's do.
MEAN, STD = 0.2, 0.25


def images(architecture, n=160):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 10, n).astype("int32")
    x = rng.uniform(0.0, 0.3, size=(n,) + SHAPE[architecture])
    x[np.arange(n), 3 + 2 * y] = 1.0  # A bright row gives the class.
    return x.astype("float32"), y


def build(architecture, regularization, seed, sigma, **kwargs):
    keras.utils.set_random_seed(seed)
    kwargs = {"pixel_mean": MEAN, "pixel_std": STD, **kwargs}
    return zoo.build(
        architecture,
        regularization,
        noise_stddev=sigma,
        seed=seed,
        input_shape=SHAPE[architecture],
        **SIZE[architecture],
        **kwargs,
    )


def train_alone(
    architecture,
    regularization,
    seed,
    sigma,
    x,
    y,
    epochs,
    batch_size,
    optimizer="sgd",
    target=None,
    **kwargs
):
    keras.utils.clear_session()
    model = build(architecture, regularization, seed, sigma, **kwargs)
    zoo.compile_model(model, architecture, optimizer)
    callbacks = [keras.callbacks.TerminateOnNaN()]
    if target is not None:
        from keras_ninr.callbacks import StopAtTrainAccuracy

        callbacks.append(StopAtTrainAccuracy(target))
    history = model.fit(
        EpochBatches(x, y, batch_size, seed),
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=callbacks,
    )
    return model, history.history


def niw_norm(model):
    return math.sqrt(
        sum(
            float(np.sum(np.square(keras.ops.convert_to_numpy(l.noise_kernel))))
            for l in find_noise_layers(model)
        )
    )


def assert_same_weights(model, reference, rtol=1e-4, atol=2e-5):
    for variable, expected in zip(model.weights, reference.weights):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(variable),
            keras.ops.convert_to_numpy(expected),
            rtol=rtol,
            atol=atol,
            err_msg=variable.path,
        )


CASES = [
    # (architecture, regularization, sigmas): replicas differ in seed and sigma.
    ("fc", "in-ninr", (3.0, 30.0)),
    # One NoiseSource feeding every NIN (shared_noise, the default).
    ("fc", "full-ninr", (3.0, 30.0)),
    ("fc", "dropout", (None, None)),
    ("fc", "l2", (None, None)),
    ("fc", "cdt", (None, None)),
    ("cnn", "full-ninr", (0.5, 4.0)),
    ("cnn", "dropout", (None, None)),
]


@pytest.mark.parametrize(
    "architecture,regularization,sigmas,conv",
    # The CNN cases of the "auto" layout take ~40 s each: the grouped CNN
    # case stays in the default run (but on JAX, where compiling it takes
    # 20-30 s: its slow job), the others behind the slow marker.
    [
        pytest.param(*case, "auto", marks=pytest.mark.slow)
        if case[0] == "cnn"
        else case + ("auto",)
        for case in CASES
    ]
    + [pytest.param("cnn", "full-ninr", (0.5, 4.0), "grouped", marks=pytest.mark.slow_on_jax)],
)
def test_replicas_match_runs_alone(architecture, regularization, sigmas, conv):
    x, y = images(architecture)
    seeds = [0, 7]
    epochs, batch_size = 2, 64  # 3 steps an epoch, the last one partial.
    sigmas = [s if s is not None else "decay" for s in sigmas]
    alone = [
        train_alone(
            architecture, regularization, seed, sigma, x, y, epochs, batch_size
        )
        for seed, sigma in zip(seeds, sigmas)
    ]
    keras.utils.clear_session()
    models = [
        build(architecture, regularization, seed, sigma)
        for seed, sigma in zip(seeds, sigmas)
    ]
    runs = fit_replicas(
        models,
        x,
        y,
        seeds,
        optimizer=zoo.make_optimizer("sgd", architecture),
        batch_size=batch_size,
        epochs=epochs,
        conv=conv,
    )
    for model, run, (reference, history) in zip(models, runs, alone):
        assert_same_weights(model, reference)
        np.testing.assert_allclose(
            run.history["accuracy"], history["accuracy"], atol=1e-6
        )
        if regularization != "l2":  # Keras's loss adds the L2 penalty.
            np.testing.assert_allclose(
                run.history["loss"], history["loss"], rtol=1e-4
            )
        if "ninr" in regularization:
            assert run.history["niw_norm"][-1] == pytest.approx(
                niw_norm(reference), rel=1e-4
            )
            assert run.history["niw_norm"][-1] > 0


def test_replicas_with_adam_and_noise_distributions():
    x, y = images("fc")
    seeds = [1, 2]
    distributions = ["uniform", "double_normal"]
    alone = []
    for seed, distribution in zip(seeds, distributions):
        alone.append(
            train_alone(
                "fc",
                "in-ninr",
                seed,
                20.0,
                x,
                y,
                1,
                32,
                "adam",
                noise_distribution=distribution,
            )[0]
        )
    keras.utils.clear_session()
    models = [
        build("fc", "in-ninr", seed, 20.0, noise_distribution=distribution)
        for seed, distribution in zip(seeds, distributions)
    ]
    fit_replicas(
        models,
        x,
        y,
        seeds,
        optimizer=zoo.make_optimizer("adam", "fc"),
        batch_size=32,
        epochs=1,
    )
    for model, reference in zip(models, alone):
        assert_same_weights(model, reference, rtol=1e-3, atol=1e-4)


def test_each_replica_keeps_its_stopping_rule_and_divergence():
    x, y = images("fc")
    seeds = [0, 1]
    sigmas = [2.0, 1e7]  # The second diverges at once.
    keras.utils.clear_session()
    models = [
        build("fc", "in-ninr", s, sigma) for s, sigma in zip(seeds, sigmas)
    ]
    initial = [w.copy() for w in models[1].get_weights()]
    runs = fit_replicas(
        models,
        x,
        y,
        seeds,
        optimizer=zoo.make_optimizer("sgd", "fc"),
        batch_size=32,
        epochs=6,
        target_accuracy=0.5,
    )
    healthy, diverged = runs
    assert diverged.diverged and diverged.epochs_run == 1
    assert diverged.trace.phase == "divergent"
    assert "noise_stddev=1e+07" in diverged.trace.message
    # A diverged replica's model is left as it started.
    for value, start in zip(models[1].get_weights(), initial):
        np.testing.assert_array_equal(value, start)
    # The healthy one trained on, unharmed, and stopped at its target.
    reference, history = train_alone(
        "fc", "in-ninr", 0, 2.0, x, y, 6, 32, target=0.5
    )
    assert not healthy.diverged
    assert healthy.stopped_epoch == len(history["loss"]) - 1 < 5
    assert healthy.history["accuracy"][-1] >= 0.5
    assert_same_weights(models[0], reference)


def test_unsupported_models_get_a_clear_error():
    inputs = keras.Input((8,))
    a = keras.layers.Dense(4, name="a")(inputs)
    b = keras.layers.Dense(4, name="b")(inputs)
    model = keras.Model(inputs, keras.layers.Add(name="sum")([a, b]))
    with pytest.raises(ValueError, match="'sum'.*Add"):
        ReplicaModel([model, model], np.zeros((4, 8), "float32"))
    fc = build("fc", "none", 0, None)
    cnn = build("cnn", "none", 0, None)
    with pytest.raises(ValueError, match="one architecture"):
        ReplicaModel([fc, cnn], np.zeros((4, 28, 28), "float32"))
    with pytest.raises(ValueError, match="conv='fast'"):
        ReplicaModel([fc, fc], np.zeros((4, 28, 28), "float32"), conv="fast")
    with pytest.raises(ValueError, match="one seed per model"):
        fit_replicas(
            [fc],
            np.zeros((4, 28, 28)),
            np.zeros(4),
            [0, 1],
            optimizer="sgd",
            batch_size=2,
            epochs=1,
        )


def test_replicas_share_the_standardization_of_their_data_set():
    models = [
        build("fc", "none", 0, None),
        build("fc", "none", 1, None, pixel_mean=0.3, pixel_std=0.25),
    ]
    with pytest.raises(ValueError, match="'standardization'") as info:
        ReplicaModel(models, np.zeros((4, 28, 28), "float32"))
    assert "'mean': 0.2" in str(info.value) and "'mean': 0.3" in str(info.value)


def test_epoch_order_is_a_seeded_permutation():
    first = epoch_order(3, 0, 100)
    assert sorted(first) == list(range(100))
    np.testing.assert_array_equal(first, epoch_order(3, 0, 100))
    assert not np.array_equal(first, epoch_order(3, 1, 100))
    assert not np.array_equal(first, epoch_order(4, 0, 100))


def test_sweep_with_replicas_writes_the_records_of_single_runs(tmp_path):
    grid = sweep.expand_grid(
        ["none", "in-ninr"],
        seeds=[0, 1],
        noise_stddevs=[5.0, 1e7],
        **TINY,
    )
    alone = sweep.run_sweep(
        grid, tmp_path / "alone.jsonl", progress=False, load_data=easy_images
    )
    together = sweep.run_sweep(
        grid,
        tmp_path / "together.jsonl",
        progress=False,
        load_data=easy_images,
        replicas=3,
    )
    assert [r["run_id"] for r in together] == [r["run_id"] for r in alone]
    # None: 2 seeds -> one group of 2; in-NINR: 4 runs -> groups of 3 and 1.
    assert sorted(str(r.get("replicas")) for r in together) == [
        "2",
        "2",
        "3",
        "3",
        "3",
        "None",
    ]
    for one, other in zip(alone, together):
        assert other["status"] == one["status"]
        assert other["epochs_run"] == one["epochs_run"]
        if one["status"] == "finished":
            np.testing.assert_allclose(
                other["history"]["accuracy"],
                one["history"]["accuracy"],
                atol=1e-6,
            )
            assert other["evaluations"]["clean"] == pytest.approx(
                one["evaluations"]["clean"], abs=1 / 128 + 1e-9
            )
    statuses = [r["status"] for r in together]
    assert statuses.count("diverged") == 2  # sigma_eps 1e7, both seeds.
    # Rerunning resumes: nothing left to train, same records.
    again = sweep.run_sweep(
        grid,
        tmp_path / "together.jsonl",
        progress=False,
        load_data=easy_images,
        replicas=3,
    )
    assert again == together
    lines = (tmp_path / "together.jsonl").read_text().splitlines()
    assert len(lines) == len(grid)


def test_replicas_argument_is_checked(tmp_path):
    with pytest.raises(ValueError, match="replicas=0"):
        sweep.run_sweep([], tmp_path / "r.jsonl", replicas=0)
    configs = [
        sweep.RunConfig(regularization="none"),
        sweep.RunConfig(regularization="l2"),
    ]
    with pytest.raises(ValueError, match="differ only in"):
        sweep.train_and_evaluate_replicas(configs)
