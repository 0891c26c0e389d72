"""Sweeps through Ray: same records as in-process, retried workers, resume."""

import functools
import os

import pytest

from keras_ninr.experiments import sweep
from tests.experiments.test_sweep import easy_images
from tests.experiments.test_sweep import tiny_configs

ray = pytest.importorskip("ray")

# One local Ray at a time: under pytest-xdist these tests share a worker.
pytestmark = pytest.mark.xdist_group("ray")


@pytest.fixture(scope="module", autouse=True)
def ray_runtime():
    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


class Recorder(sweep.SweepProgress):
    """Remembers the runs begun and ended; can fail after a record."""

    def __init__(self, fail_after_records=None):
        self.begun = []
        self.ended = []
        self.fail_after_records = fail_after_records

    def on_run_begin(self, index, total, config):
        self.begun.append(index)

    def on_run_end(self, index, total, done, record):
        self.ended.append(index)
        if len(self.ended) == self.fail_after_records:
            raise RuntimeError("driver stopped")


def images_killing_the_first_worker(marker, driver_pid, name):
    """`easy_images`, but the first worker process to load them dies."""
    if os.getpid() != driver_pid and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return easy_images(name)


def run_ids(path):
    return [record["run_id"] for record in sweep.load_results(path)]


def test_ray_sweep_writes_the_records_of_a_local_sweep(tmp_path):
    configs = tiny_configs(("none", "in-ninr"), epochs=1)
    local = sweep.run_sweep(
        configs,
        tmp_path / "local.jsonl",
        progress=False,
        load_data=easy_images,
    )
    recorder = Recorder()
    remote = sweep.run_sweep(
        configs,
        tmp_path / "ray.jsonl",
        progress=recorder,
        load_data=easy_images,
        executor="ray",
    )
    assert sorted(recorder.begun) == sorted(recorder.ended) == [1, 2]
    # Returned in the order of `configs`; in the file as tasks ended.
    assert [r["run_id"] for r in remote] == [c.run_id for c in configs]
    assert sorted(run_ids(tmp_path / "ray.jsonl")) == sorted(
        c.run_id for c in configs
    )
    for expected, record in zip(local, remote):
        assert record["status"] == expected["status"]
        assert record["backend"] == expected["backend"]
        assert record["evaluations"]["clean"] == pytest.approx(
            expected["evaluations"]["clean"], abs=0.02
        )
        assert record["history"]["loss"] == pytest.approx(
            expected["history"]["loss"], rel=1e-4
        )
    assert not os.path.exists(str(tmp_path / "ray.jsonl") + ".claims")


@pytest.mark.slow  # the CI's slow job; the local-equality test stays
def test_ray_sweep_retries_a_run_whose_worker_died(tmp_path):
    path = tmp_path / "results.jsonl"
    marker = tmp_path / "killed-once"
    configs = tiny_configs(seeds=(0, 1), epochs=1)
    records = sweep.run_sweep(
        configs,
        path,
        progress=False,
        load_data=functools.partial(
            images_killing_the_first_worker, str(marker), os.getpid()
        ),
        executor="ray",
    )
    assert marker.exists()  # A worker did die.
    assert [r["status"] for r in records] == ["finished", "finished"]
    assert sorted(run_ids(path)) == sorted(c.run_id for c in configs)


@pytest.mark.slow  # the CI's slow job; the local-equality test stays
def test_interrupted_ray_sweep_resumes_with_every_run_once(tmp_path):
    path = tmp_path / "results.jsonl"
    configs = tiny_configs(seeds=(0, 1), epochs=1)
    with pytest.raises(RuntimeError, match="driver stopped"):
        sweep.run_sweep(
            configs,
            path,
            progress=Recorder(fail_after_records=1),
            load_data=easy_images,
            executor="ray",
        )
    (first,) = run_ids(path)
    assert not os.path.exists(str(path) + ".claims")  # Claims let go.

    recorder = Recorder()
    sweep.run_sweep(
        configs,
        path,
        progress=recorder,
        load_data=easy_images,
        executor="ray",
    )
    assert len(recorder.begun) == 1
    ids = run_ids(path)
    assert ids[0] == first
    assert sorted(ids) == sorted(c.run_id for c in configs)


def test_run_sweep_rejects_an_unknown_executor(tmp_path):
    with pytest.raises(ValueError, match="executor='dask'"):
        sweep.run_sweep(
            tiny_configs(),
            tmp_path / "r.jsonl",
            progress=False,
            executor="dask",
        )
    with pytest.raises(ValueError, match="gpus_per_task=-1"):
        sweep.run_sweep(
            tiny_configs(),
            tmp_path / "r.jsonl",
            progress=False,
            executor="ray",
            gpus_per_task=-1,
        )
    # The test's Ray runtime has no GPU: such tasks would never start.
    with pytest.raises(ValueError, match="gpus_per_task=1"):
        sweep.run_sweep(
            tiny_configs(),
            tmp_path / "r.jsonl",
            progress=False,
            load_data=easy_images,
            executor="ray",
            gpus_per_task=1,
        )
    assert sweep.load_results(tmp_path / "r.jsonl") == []


@pytest.mark.parametrize(
    "ray_only",
    [{"address": "auto"}, {"cpus_per_task": 2}, {"gpus_per_task": 1}],
)
def test_a_local_sweep_refuses_what_only_ray_uses(tmp_path, ray_only):
    # Ignored, they would run on this machine while the user expects a
    # cluster or GPUs.
    (name, value), = ray_only.items()
    with pytest.raises(ValueError, match=f"{name}={value!r}"):
        sweep.run_sweep(
            tiny_configs(),
            tmp_path / "r.jsonl",
            progress=False,
            load_data=easy_images,
            **ray_only,
        )
    assert sweep.load_results(tmp_path / "r.jsonl") == []


@pytest.mark.skipif(
    not os.environ.get("KERAS_NINR_DATA_DIR"),
    reason="reads Fashion-MNIST from $KERAS_NINR_DATA_DIR",
)
@pytest.mark.slow  # the CI's slow job; the local-equality test stays
def test_cli_sweep_on_ray(tmp_path, capsys):
    from keras_ninr.experiments import cli
    from tests.experiments.test_cli import TINY_FC_FLAGS

    results = tmp_path / "runs.jsonl"
    flags = ["sweep", "--quick", "--results", str(results)]
    flags += ["--methods", "none", "--seeds", "0", "1", *TINY_FC_FLAGS]
    flags += ["--sigmas", "0", "--no-progress"]
    flags += ["--executor", "ray", "--cpus-per-task", "1"]
    flags += ["--gpus-per-task", "0"]
    assert cli.main(flags) == 0
    assert "2 of 2 runs" in capsys.readouterr().out
    assert len(sweep.load_results(results)) == 2
    # A bad number is a usage error, refused before Ray starts a task.
    with pytest.raises(SystemExit) as stop:
        cli.main(flags[:-2] + ["--gpus-per-task", "-1"])
    assert stop.value.code == 2
    assert "gpus_per_task=-1.0" in capsys.readouterr().err
