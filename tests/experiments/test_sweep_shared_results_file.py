"""Sweeps sharing a results file, and configs checked before any run trains."""

import dataclasses
import importlib
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import keras
import pytest

from keras_ninr.experiments import sweep
from keras_ninr.experiments import zoo
from tests.experiments.test_sweep import TINY
from tests.experiments.test_sweep import easy_images
from tests.experiments.test_sweep import stored
from tests.experiments.test_sweep import tiny_configs

# Claim files and the config checks are internal; their paths and errors
# are what a user sees.
store = importlib.import_module("keras_ninr.src.experiments.sweep.store")
checks = importlib.import_module("keras_ninr.src.experiments.sweep.checks")
ROOT = pathlib.Path(__file__).resolve().parents[2]
try:
    import fcntl
except ImportError:
    fcntl = None
needs_flock = pytest.mark.skipif(
    fcntl is None, reason="claims need fcntl.flock (POSIX)"
)

# A process that holds a run's claim until it is killed, as a sweep does
# while the run trains; it needs no Keras, so it starts at once.
HOLD_CLAIM = """
import fcntl, sys, time
claim = open(sys.argv[1], "a")
fcntl.flock(claim, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)
"""

# A second sweep, in its own process, over the configs `tiny_configs`
# makes. It holds its first run until the test's own sweep holds one too,
# so that the two train at the same time, then prints the runs it began.
SECOND_SWEEP = """
import json, os, pathlib, sys, time
from keras_ninr.experiments import sweep
from tests.experiments.test_sweep import easy_images, tiny_configs

results, signals = sys.argv[1], pathlib.Path(sys.argv[2])


def wait_for(path):
    deadline = time.time() + 120
    while not path.exists():
        if time.time() > deadline:
            raise TimeoutError(path)
        time.sleep(0.02)


class Handshake(sweep.SweepProgress):
    begun = []

    def on_run_begin(self, index, total, config):
        self.begun.append(index)
        (signals / f"second_{index}").touch()

    def on_epoch_end(self, epoch, epochs, logs):
        if len(self.begun) == 1:
            wait_for(signals / "first_began")


configs = tiny_configs(seeds=range(3), epochs=1)
sweep.run_sweep(configs, results, progress=Handshake(), load_data=easy_images)
print(json.dumps(Handshake.begun))
"""


class Recorder(sweep.SweepProgress):
    """Which runs began, and which were left to another sweep."""

    def __init__(self):
        self.begun = []
        self.left = []

    def on_run_begin(self, index, total, config):
        self.begun.append(index)

    def on_run_left_to_other_sweep(self, index, total, config):
        self.left.append(index)


def hold_claim(results, run_id):
    path = store.claim_path(os.fspath(results), run_id)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_CLAIM, path],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def run_ids(path):
    return [record["run_id"] for record in sweep.load_results(path)]


def wait_for(condition, what):
    deadline = time.time() + 120
    while not condition():
        if time.time() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


@needs_flock
def test_two_sweeps_on_one_results_file_train_each_run_once(tmp_path):
    results = tmp_path / "results.jsonl"
    signals = tmp_path / "signals"
    signals.mkdir()
    configs = tiny_configs(seeds=range(3), epochs=1)
    second = subprocess.Popen(
        [sys.executable, "-c", SECOND_SWEEP, str(results), str(signals)],
        env=dict(
            os.environ,
            KERAS_BACKEND=keras.backend.backend(),
            PYTHONPATH=os.pathsep.join(
                [str(ROOT), os.environ.get("PYTHONPATH", "")]
            ),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    class First(Recorder):
        def on_run_begin(self, index, total, config):
            super().on_run_begin(index, total, config)
            if len(self.begun) == 1:
                # Both sweeps now hold a run: they train at the same time.
                wait_for(
                    lambda: any(signals.glob("second_*"))
                    or second.poll() is not None,
                    "the second sweep's first run",
                )
                (signals / "first_began").touch()

    first = First()
    try:
        records = sweep.run_sweep(
            configs, results, progress=first, load_data=easy_images
        )
        out, err = second.communicate(timeout=300)
    finally:
        second.kill()
    assert second.returncode == 0, err[-3000:]
    second_begun = json.loads(out.splitlines()[-1])

    everything = [config.run_id for config in configs]
    assert sorted(run_ids(results)) == sorted(everything)
    # Each run trained by one sweep, and each sweep trained some.
    assert first.begun and second_begun
    assert sorted(first.begun + second_begun) == [1, 2, 3]
    # The first sweep returns what was in the file when it ended; a run
    # the second was still training was left to it, not counted as done.
    returned = {record["run_id"] for record in records}
    left = {configs[index - 1].run_id for index in first.left}
    assert returned | left == set(everything) and not returned & left
    assert set(first.left) <= set(second_begun)
    assert not os.path.exists(f"{results}.claims")


@needs_flock
@pytest.mark.parametrize("replicas", [None, 3])
def test_a_claimed_run_is_left_to_its_holder_and_redone_once_it_is_killed(
    tmp_path, replicas
):
    results = tmp_path / "results.jsonl"
    configs = tiny_configs(seeds=range(3), epochs=1)
    holder = hold_claim(results, configs[1].run_id)
    try:
        recorder = Recorder()
        records = sweep.run_sweep(
            configs,
            results,
            progress=recorder,
            load_data=easy_images,
            replicas=replicas,
        )
        assert recorder.begun == [1, 3]
        assert recorder.left == [2]
        assert [r["run_id"] for r in records] == [
            configs[0].run_id,
            configs[2].run_id,
        ]
        if replicas:
            # The two free runs still train together.
            assert [r["replicas"] for r in records] == [2, 2]
        # Held by a live process: a second try leaves it too.
        recorder = Recorder()
        sweep.run_sweep(
            configs, results, progress=recorder, load_data=easy_images
        )
        assert recorder.begun == [] and recorder.left == [2]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()

    # The OS let go of the killed process's claim: the run is free.
    recorder = Recorder()
    records = sweep.run_sweep(
        configs, results, progress=recorder, load_data=easy_images
    )
    assert recorder.begun == [2] and recorder.left == []
    assert run_ids(results) == [
        configs[0].run_id,
        configs[2].run_id,
        configs[1].run_id,
    ]
    assert [r["run_id"] for r in records] == [c.run_id for c in configs]
    assert not os.path.exists(f"{results}.claims")


def test_console_progress_says_which_runs_another_sweep_has(tmp_path):
    import io

    stream = io.StringIO()
    progress = sweep.ConsoleProgress(stream)
    (config,) = tiny_configs()
    progress.on_sweep_begin(2, 0)
    progress.on_run_left_to_other_sweep(2, 2, config)
    progress.on_sweep_end(2, 1)
    text = stream.getvalue()
    assert "run 2: fashion_mnist fc None, seed 0: left to another sweep" in text
    assert "Sweep: 1/2 runs in the results file, 1 left to another sweep" in (
        text
    )


def test_without_fcntl_one_sweep_still_runs_unlocked(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "fcntl", None)
    results = tmp_path / "results.jsonl"
    (config,) = tiny_configs(epochs=1)
    recorder = Recorder()
    (record,) = sweep.run_sweep(
        [config], results, progress=recorder, load_data=easy_images
    )
    assert recorder.begun == [1]
    assert run_ids(results) == [config.run_id]
    assert not os.path.exists(f"{results}.claims")


def test_append_record_cuts_a_line_a_killed_writer_left_unfinished(tmp_path):
    results = tmp_path / "results.jsonl"
    first, cut, last = tiny_configs(seeds=range(3))
    sweep.append_record(results, stored(first))
    line = json.dumps(stored(cut))
    with open(results, "a") as f:
        f.write(line[: len(line) // 2])
    sweep.append_record(results, stored(last))
    assert run_ids(results) == [first.run_id, last.run_id]


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            dict(dataset="fashon_mnist"),
            "Unrecognized `dataset`. Expected one of ('cifar10', "
            "'fashion_mnist', 'mnist', 'usps'). "
            "Received: dataset='fashon_mnist'",
        ),
        (
            dict(architecture_kwargs={"hidden_unit": (16,)}),
            "Unrecognized `architecture_kwargs` key(s) ['hidden_unit'] for "
            "architecture='fc'. Expected some of ('hidden_units',).",
        ),
        (
            dict(architecture="cnn", architecture_kwargs={"hidden_units": 8}),
            "key(s) ['hidden_units'] for architecture='cnn'",
        ),
        (
            dict(architecture_kwargs={"seed": 3}),  # The sweep sets it.
            "key(s) ['seed']",
        ),
        (
            dict(evaluations={"domain_shift": True}),
            "'domain_shift' evaluation only with dataset='mnist'",
        ),
        (
            dict(
                dataset="fashion_mnist",
                evaluations={"clean": True, "domain_shift": ["pad"]},
            ),
            "Received: dataset='fashion_mnist'",
        ),
    ],
)
def test_run_config_rejects_what_no_run_could_do(fields, message):
    with pytest.raises(ValueError) as error:
        sweep.RunConfig(**fields)
    assert message in str(error.value)
    # A grid checks each of its configs as it makes it.
    grid = dict(fields)
    datasets = [grid.pop("dataset", "fashion_mnist")]
    architectures = [grid.pop("architecture", "fc")]
    with pytest.raises(ValueError, match="Received"):
        sweep.expand_grid(
            ["none"], datasets=datasets, architectures=architectures, **grid
        )


def test_architecture_kwargs_keys_follow_the_zoos_builders():
    # Every architecture has a builder whose arguments are read.
    assert set(checks.ARCHITECTURE_BUILDERS) == set(zoo.ARCHITECTURES)
    assert checks.architecture_arguments("fc1") == ("hidden_units",)
    assert "filters" in checks.architecture_arguments("vgg")
    assert "kernel_size" in checks.architecture_arguments("cnn")
    config = sweep.RunConfig(
        dataset="mnist",
        architecture="cnn",
        architecture_kwargs={"filters": (2, 2), "dense_units": 8},
        evaluations={"domain_shift": True},
    )
    assert config.architecture_kwargs == {"dense_units": 8, "filters": [2, 2]}


def test_run_sweep_checks_every_config_before_any_run_trains(tmp_path):
    results = tmp_path / "results.jsonl"
    good = sweep.RunConfig(**TINY)
    # easy_images has 384 training images: the size is checked with the data.
    bad = sweep.RunConfig(**{**TINY, "seed": 1, "train_size": 10_000})
    recorder = Recorder()
    with pytest.raises(ValueError, match="train_size=10000"):
        sweep.run_sweep(
            [good, bad], results, progress=recorder, load_data=easy_images
        )
    assert recorder.begun == [] and run_ids(results) == []

    bad = sweep.RunConfig(**{**TINY, "seed": 1, "validation_split": 0.5})
    bad = dataclasses.replace(bad, train_size=1)
    with pytest.raises(ValueError, match="validation_split=0.5"):
        sweep.run_sweep(
            [good, bad], results, progress=recorder, load_data=easy_images
        )
    # A config cannot change after it was made (its run id names its
    # fields); `dataclasses.replace` makes a new one, checked again.
    with pytest.raises(dataclasses.FrozenInstanceError):
        bad.train_size = 384
    with pytest.raises(ValueError, match="hidden_unit"):
        dataclasses.replace(bad, architecture_kwargs={"hidden_unit": [16]})
    assert recorder.begun == [] and run_ids(results) == []


@pytest.mark.parametrize("missing", ["config", "status"])
def test_load_results_names_the_line_of_a_record_missing_a_field(
    tmp_path, missing
):
    results = tmp_path / "results.jsonl"
    first, second = tiny_configs(seeds=(0, 1))
    broken = stored(second)
    del broken[missing]
    results.write_text(
        json.dumps(stored(first)) + "\n" + json.dumps(broken) + "\n"
    )
    with pytest.raises(ValueError) as error:
        sweep.load_results(results)
    message = str(error.value)
    assert f"{results}, line 2: not a sweep record (no '{missing}')" in message
