"""The sweep runner: configs, resume, truncated lines, divergence, records."""

import dataclasses
import inspect
import io
import json
import os
import re

import numpy as np
import pytest

from keras_ninr.experiments import sweep
from keras_ninr.experiments import zoo

TINY = dict(
    architecture_kwargs={"hidden_units": (16,)},
    train_size=256,
    test_size=128,
    epochs=2,
    target_accuracy=None,
    evaluations={"clean": True, "corruption_curve": [0.0, 0.5]},
)


def easy_images(name):
    """A 10-class problem a tiny FC learns in a few epochs: a bright band
    whose row gives the class, on a dim random background."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=512).astype("uint8")
    images = (rng.random((512, 28, 28)) * 80).astype("uint8")
    for label in range(10):
        images[labels == label, 2 * label + 3 : 2 * label + 6, :] = 255
    return (images[:384], labels[:384]), (images[384:], labels[384:])


class Recorder(sweep.SweepProgress):
    """Remembers which runs began; can interrupt one (a user's Ctrl-C)."""

    def __init__(self, interrupt_run=None):
        self.begun = []
        self.interrupt_run = interrupt_run

    def on_run_begin(self, index, total, config):
        self.begun.append(index)

    def on_epoch_end(self, epoch, epochs, logs):
        if self.begun[-1] == self.interrupt_run:
            raise KeyboardInterrupt


def tiny_configs(regularizations=("none",), seeds=(0,), **fields):
    return sweep.expand_grid(
        list(regularizations), seeds=list(seeds), **{**TINY, **fields}
    )


def stored(config, **more):
    """The fields of a record that every line of a results file holds."""
    return {
        "run_id": config.run_id,
        "config": config.to_dict(),
        "status": "finished",
        "epochs_run": 1,
        "evaluations": {},
        "timings": {"train_s": 1.0},
        **more,
    }


def test_run_id_identifies_what_changes_the_run():
    config = sweep.RunConfig(**TINY)
    assert config.run_id == sweep.RunConfig(**TINY).run_id
    assert len(config.run_id) == 16
    # A round trip through JSON (the results file) keeps the id.
    text = json.dumps(config.to_dict())
    assert sweep.RunConfig.from_dict(json.loads(text)).run_id == config.run_id
    assert sweep.RunConfig(**TINY, seed=1).run_id != config.run_id
    # The display label and fields the method does not use change nothing.
    assert sweep.RunConfig(**TINY, label="baseline").run_id == config.run_id
    assert (
        sweep.RunConfig(**TINY, noise_stddev=3.0, cdt_sigma_noise=0.2).run_id
        == config.run_id
    )
    ninr = sweep.RunConfig(**TINY, regularization="in-ninr", noise_stddev=3)
    assert ninr.run_id != config.run_id
    assert ninr.noise_stddev == 3.0
    assert sweep.RunConfig(
        **TINY, regularization="in-ninr", noise_stddev="decay"
    ).noise_stddev_value == pytest.approx(51.8)


@pytest.mark.parametrize(
    "fields, options",
    [
        (dict(regularization="none", noise_stddev=3.0), {}),
        (dict(regularization="dropout", weight_decay=1e-3), {}),
        (dict(regularization="l2"), {"weight_decay": 5e-4}),
        (dict(regularization="cdt"), {"cdt_sigma_noise": 0.4}),
        (
            dict(regularization="in-ninr", shared_noise=False),
            {"noise_stddev": 51.8, "noise_distribution": "normal"},
        ),
        (
            dict(regularization="full-ninr", noise_stddev=2, noise_distribution="uniform"),
            {"noise_stddev": 2.0, "noise_distribution": "uniform", "shared_noise": True},
        ),
    ],
)
def test_model_options_are_the_build_arguments_the_method_uses(fields, options):
    # What `zoo.build` gets for the run's method, with the values the
    # config holds (a preset resolved), and nothing it would ignore.
    assert sweep.RunConfig(**fields).model_options == options
    assert set(options) <= set(inspect.signature(zoo.build).parameters)


def test_a_config_resolves_what_a_run_reads_once_and_never_changes():
    config = sweep.RunConfig(
        architecture="cnn",
        optimizer="rmsprop",
        regularization="in-ninr",
        noise_stddev="catapult",
    )
    # The paper's numbers for what the fields leave open (App. C.3, Table 3).
    assert config.learning_rate_value == 1e-3 and config.batch_size_value == 128
    assert config.noise_stddev_value == 619.1
    assert config.model_options["noise_stddev"] == 619.1
    fc1 = sweep.RunConfig(architecture="fc1", learning_rate=0.5)
    assert fc1.batch_size_value == 1000 and fc1.learning_rate_value == 0.5
    # Frozen, so what was resolved stays true; a changed run is a new one.
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 1
    changed = dataclasses.replace(config, seed=1, noise_stddev="decay")
    assert changed.run_id != config.run_id
    assert changed.noise_stddev_value == 19.6
    # `to_dict` hands out a copy.
    fields = config.to_dict()
    fields["evaluations"]["clean"] = False
    assert config.to_dict()["evaluations"]["clean"] is True


def test_new_readings_get_new_run_ids_and_old_records_keep_theirs():
    # Records written before `shared_noise` and `weight_decay` existed: an
    # eps per NIN, and App. A's 5e-4 read as SGD weight decay (L2(2.5e-4)).
    old = {}
    for regularization in ("full-ninr", "l2", "in-ninr", "none"):
        config = sweep.RunConfig(regularization=regularization).to_dict()
        del config["shared_noise"], config["weight_decay"]
        old[regularization] = config
    # Today's defaults are the paper's readings.
    full = sweep.RunConfig(regularization="full-ninr")
    l2 = sweep.RunConfig(regularization="l2")
    assert full.shared_noise is True and l2.weight_decay == 5e-4
    # An old record reads back as what it was, under its id: the values the
    # old semantics implied are left out of the hash.
    read = sweep.RunConfig.from_dict(old["full-ninr"])
    assert read.shared_noise is False
    independent = sweep.RunConfig(regularization="full-ninr", shared_noise=False)
    assert read.run_id == independent.run_id
    read = sweep.RunConfig.from_dict(old["l2"])
    assert read.weight_decay == 2.5e-4
    assert read.run_id == sweep.RunConfig(regularization="l2", weight_decay=2.5e-4).run_id
    # The new defaults are hashed: a resumed sweep never takes an old
    # record for a run of the new semantics.
    assert full.run_id != independent.run_id
    assert l2.run_id != read.run_id
    # Methods without these fields are untouched.
    for regularization in ("in-ninr", "none"):
        config = sweep.RunConfig(regularization=regularization)
        assert config.shared_noise is None and config.weight_decay is None
        assert sweep.RunConfig.from_dict(old[regularization]).run_id == config.run_id
        assert sweep.RunConfig(
            regularization=regularization, shared_noise=False, weight_decay=1e-3
        ).run_id == config.run_id
    # The names say which reading a run used.
    assert full.method_label == "full-NINR (decay, σ_ε = 16.4)"
    assert independent.method_label == "full-NINR (decay, σ_ε = 16.4), independent ε"
    assert sweep.RunConfig(
        regularization="full-ninr", shared_noise=False, label="full-NINR decay"
    ).method_label == "full-NINR decay, independent ε"
    assert l2.method_label == "L2"
    assert read.method_label == "L2, penalty 0.00025·Σw²"


def test_replicas_share_the_noise_source_and_the_regularizers():
    from keras_ninr.src.experiments.sweep.grid import replica_key

    shared = sweep.RunConfig(regularization="full-ninr", seed=0)
    assert replica_key(shared) == replica_key(
        sweep.RunConfig(regularization="full-ninr", seed=1, noise_stddev=3.0)
    )
    independent = sweep.RunConfig(
        regularization="full-ninr", seed=1, shared_noise=False
    )
    assert replica_key(shared) != replica_key(independent)
    assert replica_key(sweep.RunConfig(regularization="l2")) != replica_key(
        sweep.RunConfig(regularization="l2", weight_decay=2.5e-4)
    )


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(regularization="full-ninr", shared_noise="yes"), "shared_noise='yes'"),
        (dict(regularization="none", shared_noise=1), "shared_noise=1"),
        (dict(regularization="l2", weight_decay=-1e-4), "weight_decay=-0.0001"),
        (dict(regularization="l2", weight_decay="5e-4"), "weight_decay='5e-4'"),
        (dict(regularization="l2", weight_decay=float("inf")), "weight_decay=inf"),
        (dict(architecture="mlp"), "architecture"),
        (dict(regularization="batchnorm"), "regularization"),
        (dict(epochs=0), "epochs"),
        (dict(target_accuracy=1.5), "target_accuracy"),
        (dict(regularization="in-ninr", noise_stddev=-1.0), "noise_stddev"),
        (dict(regularization="in-ninr", noise_stddev="huge"), "phase"),
        (dict(regularization="cdt", cdt_sigma_noise=2.0), "sigma_noise"),
        (dict(evaluations={"clean": True, "blur": [1]}), "blur"),
        (dict(evaluations={"corruption_curve": [1.5]}), "sigma_noise"),
        (dict(evaluations={"fgsm": [-0.1]}), "epsilons"),
        (dict(evaluations={"domain_shift": ["zoom"]}), "variant"),
    ],
)
def test_run_config_rejects_bad_values(fields, message):
    with pytest.raises(ValueError, match=message):
        sweep.RunConfig(**fields)


def test_expand_grid_runs_every_method_of_a_seed_first():
    configs = sweep.expand_grid(
        [
            "none",
            "in-ninr",
            {"regularization": "full-ninr", "noise_stddev": 20.0},
        ],
        seeds=[0, 1],
        noise_stddevs=["decay", "catapult"],
    )
    described = [
        (c.seed, c.regularization, c.noise_stddev) for c in configs
    ]
    assert described == [
        (0, "none", None),
        (0, "in-ninr", "decay"),
        (0, "in-ninr", "catapult"),
        (0, "full-ninr", 20.0),
        (1, "none", None),
        (1, "in-ninr", "decay"),
        (1, "in-ninr", "catapult"),
        (1, "full-ninr", 20.0),
    ]
    # sigma_eps does not multiply the methods that have none.
    assert len(sweep.expand_grid(["none"], noise_stddevs=[1.0, 2.0])) == 1
    with pytest.raises(ValueError, match="methods"):
        sweep.expand_grid("none")


def test_killed_sweep_resumes_with_every_run_exactly_once(tmp_path):
    path = tmp_path / "results.jsonl"
    configs = tiny_configs(seeds=(0, 1), epochs=1)
    with pytest.raises(KeyboardInterrupt):
        sweep.run_sweep(
            configs,
            path,
            progress=Recorder(interrupt_run=2),
            load_data=easy_images,
        )
    assert [r["run_id"] for r in sweep.load_results(path)] == [
        configs[0].run_id
    ]

    recorder = Recorder()
    records = sweep.run_sweep(
        configs, path, progress=recorder, load_data=easy_images
    )
    assert recorder.begun == [2]  # The finished run is not trained again.
    ids = [r["run_id"] for r in sweep.load_results(path)]
    assert ids == [c.run_id for c in configs]
    assert [r["run_id"] for r in records] == ids
    # A third call has nothing to do.
    recorder = Recorder()
    sweep.run_sweep(configs, path, progress=recorder, load_data=easy_images)
    assert recorder.begun == []
    assert len(sweep.load_results(path)) == 2


def test_truncated_last_line_is_ignored_and_its_run_redone(tmp_path):
    path = tmp_path / "results.jsonl"
    done, cut = tiny_configs(seeds=(0, 1), epochs=1)
    # A finished run, then a record cut short by a kill while writing.
    sweep.append_record(path, stored(done, note="kept"))
    line = json.dumps(stored(cut))
    with open(path, "a") as f:
        f.write(line[: len(line) // 2])
    assert [r["run_id"] for r in sweep.load_results(path)] == [done.run_id]

    recorder = Recorder()
    records = sweep.run_sweep(
        [done, cut], path, progress=recorder, load_data=easy_images
    )
    assert recorder.begun == [2]
    assert records[0]["note"] == "kept"
    lines = path.read_text().splitlines()
    assert len(lines) == 2  # The cut line is gone, not glued to the new one.
    assert [json.loads(x)["run_id"] for x in lines] == [
        done.run_id,
        cut.run_id,
    ]
    assert path.read_bytes().endswith(b"\n")


def test_load_results_names_a_corrupt_line_in_the_middle(tmp_path):
    path = tmp_path / "results.jsonl"
    first, second = tiny_configs(seeds=(0, 1))
    good = [json.dumps(stored(config)) for config in (first, second)]
    path.write_text(f"{good[0]}\nnot json\n{good[1]}\n")
    with pytest.raises(ValueError, match="line 2"):
        sweep.load_results(path)
    assert sweep.load_results(tmp_path / "absent.jsonl") == []


def test_diverged_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    path = tmp_path / "results.jsonl"
    diverging = sweep.RunConfig(
        **{**TINY, "epochs": 3},
        regularization="in-ninr",
        noise_stddev=1e6,
    )
    healthy = sweep.RunConfig(
        **{
            **TINY,
            "epochs": 30,
            "target_accuracy": 0.98,
            "attack_size": 128,
            "evaluations": {
                "clean": True,
                "corruption_curve": [0.0, 0.5],
                "fgsm": [0.0, 0.1],
                "pgd": [0.1],
            },
        },
        regularization="in-ninr",
        noise_stddev=1.0,
    )
    first, second = sweep.run_sweep(
        [diverging, healthy], path, progress=False, load_data=easy_images
    )

    assert first["status"] == "diverged"
    assert first["evaluations"] == {}
    assert "diverged" in first["message"]
    assert first["noise_stddev_value"] == 1e6

    assert second["status"] == "finished"
    history = second["history"]
    assert set(history) == {"loss", "accuracy", "niw_norm", "seconds"}
    assert len(history["loss"]) == second["epochs_run"]
    # The paper's stopping rule: 98% training accuracy before the cap.
    assert second["reached_target"]
    assert second["epochs_run"] < 30 and history["accuracy"][-1] >= 0.98
    assert second["phase"] in ("decoupled", "decay", "catapult")
    evaluations = second["evaluations"]
    assert evaluations["corruption_curve"]["sigma_noise"] == [0.0, 0.5]
    clean = evaluations["clean"]
    assert clean > 0.9
    assert evaluations["corruption_curve"]["accuracy"][0] == clean
    # FGSM at epsilon 0 is the clean accuracy of the same images.
    assert evaluations["fgsm"]["accuracy"][0] == clean
    assert evaluations["fgsm"]["accuracy"][1] <= clean
    assert 0.0 <= evaluations["pgd"]["accuracy"][0] <= clean
    assert second["data"]["train_size"] == 256
    assert second["versions"]["keras"] and second["backend"]
    assert second["timings"]["train_s"] > 0

    # Strict JSON: the diverged loss is null, not NaN.
    for line in path.read_text().splitlines():
        json.loads(line, parse_constant=pytest.fail)


@pytest.mark.skipif(
    not os.environ.get("KERAS_NINR_DATA_DIR"),
    reason="reads MNIST and USPS from $KERAS_NINR_DATA_DIR",
)
def test_domain_shift_evaluation_on_usps(tmp_path):
    config = sweep.RunConfig(
        **{
            **TINY,
            "dataset": "mnist",
            "evaluations": {"clean": True, "domain_shift": True},
        }
    )
    (record,) = sweep.run_sweep(
        [config],
        tmp_path / "results.jsonl",
        progress=False,
        data_dir=os.environ["KERAS_NINR_DATA_DIR"],
    )
    assert list(record["evaluations"]["domain_shift"]) == ["lecun"]
    assert 0.1 < record["evaluations"]["domain_shift"]["lecun"] <= 1.0


def test_console_progress_shows_runs_and_a_keras_progress_bar(tmp_path):
    path = tmp_path / "results.jsonl"
    configs = tiny_configs(seeds=(0, 1), epochs=30, target_accuracy=0.98)
    sweep.append_record(path, stored(configs[0]))
    stream = io.StringIO()  # Not a terminal: Keras's `verbose=2` lines.
    _, record = sweep.run_sweep(
        configs,
        path,
        progress=sweep.ConsoleProgress(stream),
        load_data=easy_images,
    )
    lines = stream.getvalue().splitlines()
    assert lines[0] == (
        "Sweep: 2 runs, 1 already in the results file, 1 to train."
    )
    assert lines[1] == "[1/2 done] run 2: fashion_mnist fc None, seed 1"
    # The run stops at 98% training accuracy, before its cap of 30
    # epochs: its bar is written once, as it stops.
    epochs = record["epochs_run"]
    assert epochs < 30
    bar = re.fullmatch(
        r" ?(\d+)/30 - \d+s - \d+\w?s/epoch - loss: \S+ - accuracy: (\S+)",
        lines[2],
    )
    assert bar, lines[2]
    assert int(bar.group(1)) == epochs
    assert float(bar.group(2)) == pytest.approx(
        record["history"]["accuracy"][-1], abs=1e-4
    )
    assert lines[3].startswith(f"    finished, {epochs} epochs, clean ")
    assert lines[3].endswith("[2/2 done]")
    assert lines[4].startswith("Sweep: 2/2 runs in the results file (")
    assert len(lines) == 5
    with pytest.raises(ValueError, match="verbose=3"):
        sweep.ConsoleProgress(verbose=3)


def test_replicas_must_differ_only_in_seed_noise_and_evaluations():
    (first,) = tiny_configs()
    (seed,) = tiny_configs(seeds=(1,))
    (smaller,) = tiny_configs(train_size=128)  # Other data, other statistics.
    with pytest.raises(ValueError) as error:
        sweep.train_and_evaluate_replicas([first, seed, smaller])
    message = str(error.value)
    assert f"differ from the first ({first.run_id})" in message
    assert f"run ids ['{smaller.run_id}']" in message


def test_model_standardising_its_pixels_trains_as_standardised_arrays_did(
    tmp_path,
):
    # The results files were written when the sweep standardised the
    # images in NumPy and the network took standardised arrays; now the
    # network standardises its [0, 1] pixels in its first layer. Trained
    # and evaluated the old way (an identity Standardization), the same
    # run must give the same numbers.
    import keras

    from keras_ninr.datasets import scale_pixels
    from keras_ninr.datasets import standardize
    from keras_ninr.experiments import replicas
    from keras_ninr.experiments import zoo
    from keras_ninr.robustness import corrupt

    config = sweep.RunConfig(**TINY, regularization="in-ninr", noise_stddev=5)
    (record,) = sweep.run_sweep(
        [config], tmp_path / "r.jsonl", progress=False, load_data=easy_images
    )

    (x_train, y_train), (x_test, y_test) = easy_images("")
    order = np.random.default_rng(0).permutation(len(x_train))  # Subsets.
    x_train, y_train = x_train[order[:256]], y_train[order[:256]]
    order = np.random.default_rng(0).permutation(len(x_test))
    x_test, y_test = x_test[order[:128]], y_test[order[:128]]
    pixels = scale_pixels(x_test)
    (x_train, x_test), (mean, std) = standardize(x_train, x_test)
    assert record["data"]["pixel_mean"] == mean
    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    model = zoo.build(
        "fc", "in-ninr", noise_stddev=5.0, seed=0, hidden_units=(16,)
    )
    zoo.compile_model(model, "fc")
    history = model.fit(
        replicas.EpochBatches(x_train, y_train.astype("int32"), 128, 0),
        epochs=2,
        shuffle=False,
        verbose=0,
    ).history
    np.testing.assert_allclose(
        record["history"]["loss"], history["loss"], rtol=1e-5
    )
    accuracies = []
    for sigma in (0.0, 0.5):  # Eq. 8 on the pixels, then standardised.
        corrupted = corrupt(pixels, sigma, seed=0)
        corrupted = (corrupted - np.float32(mean)) / np.float32(std)
        predicted = model.predict(corrupted, verbose=0).argmax(axis=-1)
        accuracies.append(float(np.mean(predicted == y_test)))
    assert record["evaluations"]["corruption_curve"]["accuracy"] == accuracies
