"""Where a sweep's runs train: in the sweep's process, or as Ray tasks.

An executor takes the sweep's groups of runs (one run, or K replicas) as
the runner claims them and yields each group's records as the group
finishes. The runner alone touches the results file: it claims the runs,
appends each record as its group ends and lets go of the claims, so
resuming, sharing a results file, the reports and the progress work the
same with every executor. A run alone is backed up after every epoch in
its folder under `backups` (`backup.RunBackup`), so that a run stopped
midway resumes from its last finished epoch; a group of replicas starts
again from its first epoch (`train_and_evaluate_replicas`).

- `LocalExecutor`: one group after the other, in this process.
- `RayExecutor`: each group is one Ray task (`ray.remote`), on the cores
  and GPUs of one machine or of a cluster (`ray start --head`).
"""

import os

import keras

from keras_ninr.src.checks import check_choice
from keras_ninr.src.experiments.sweep.checks import is_real
from keras_ninr.src.experiments.sweep.data import DataCache
from keras_ninr.src.experiments.sweep.training import train_and_evaluate
from keras_ninr.src.experiments.sweep.training import (
    train_and_evaluate_replicas,
)

EXECUTORS = ("local", "ray")

# Ray retries a task whose worker process died (killed, out of memory, a
# lost node) this many times before the sweep stops with its error.
MAX_RETRIES = 3

# At most this many tasks are counted as training at once (twice as many
# are sent), whatever the cluster's size.
_MAX_SLOTS = 256

# Environment variables a Ray worker takes from the driver, so that it
# trains with the driver's backend and finds the driver's data. PYTHONPATH
# makes a worker import the same `keras_ninr` as the driver (a source
# tree ahead of an installed copy, and modules such as a test's loader).
_INHERITED_VARIABLES = ("KERAS_BACKEND", "KERAS_NINR_DATA_DIR", "PYTHONPATH")


def train_group(configs, progress, data, backups=None):
    """The records of one group of runs: one run, or K replicas.

    A run alone is backed up in `<backups>/<run_id>/` (and resumes from
    there) where `backups` is a folder.
    """
    if len(configs) == 1:
        (config,) = configs
        backup_dir = None
        if backups is not None:
            backup_dir = os.path.join(backups, config.run_id)
        return [
            train_and_evaluate(
                config, progress=progress, data=data, backup_dir=backup_dir
            )
        ]
    return train_and_evaluate_replicas(configs, progress=progress, data=data)


class LocalExecutor:
    """Trains the groups one after the other, in this process.

    Args:
        progress: The sweep's `SweepProgress`, told every epoch.
        data: The sweep's `DataCache`.
        backups: The sweep's backups folder, or `None`.
    """

    def __init__(self, progress, data, backups=None):
        self.progress = progress
        self.data = data
        self.backups = backups

    def run(self, groups, on_begin):
        """Yield `(group, records)` for each `(group, configs)` of `groups`,
        calling `on_begin(group)` as the group starts training."""
        for group, configs in groups:
            on_begin(group)
            yield group, train_group(
                configs, self.progress, self.data, self.backups
            )


class RayExecutor:
    """Trains each group as one Ray task, several at once.

    The tasks run with the driver's `KERAS_BACKEND`, `KERAS_NINR_DATA_DIR`
    and `PYTHONPATH` and the sweep's `data_dir` and `load_data`; a task
    whose worker dies is retried (`MAX_RETRIES`). Records come back to
    the driver as their tasks finish (`ray.wait`); a worker does not tell
    the driver its epochs, so the progress sees runs begin and end only.

    Args:
        data_dir: The sweep's `data_dir`.
        load_data: The sweep's `load_data` (pickled to the workers).
        address: Address of a running Ray cluster (`ray start --head`
            prints it; `"auto"` finds the local one). `None` starts a Ray
            runtime on this machine, with all its cores, unless Ray is
            already initialised in this process.
        cpus_per_task: CPU cores Ray reserves for each task.
        gpus_per_task: GPUs Ray reserves for each task; a fraction (e.g.
            `0.25`) lets small runs share a GPU.
        backups: The sweep's backups folder (absolute), or `None`. On a
            cluster of several machines a run's backup lies on the machine
            that trained it: a run retried elsewhere starts again from its
            first epoch, and the driver removes only the backups on its
            own machine.
    """

    def __init__(
        self,
        data_dir,
        load_data,
        address=None,
        cpus_per_task=1,
        gpus_per_task=0,
        backups=None,
    ):
        self.data_dir = data_dir
        self.load_data = load_data
        self.address = address
        self.cpus_per_task = cpus_per_task
        self.gpus_per_task = gpus_per_task
        self.backups = backups

    def run(self, groups, on_begin):
        """Yield `(group, records)` for each `(group, configs)` of `groups`
        as its task finishes, calling `on_begin(group)` as it is sent.

        Groups are sent (and so claimed by the runner) a few more than the
        cluster can train at once; the tasks still running when the
        caller stops are cancelled.
        """
        ray = import_ray()
        if not ray.is_initialized():
            if self.address is None:
                ray.init(num_cpus=os.cpu_count(), include_dashboard=False)
            else:
                ray.init(address=self.address)
        variables = {
            name: os.environ[name]
            for name in _INHERITED_VARIABLES
            if name in os.environ
        }
        variables["KERAS_BACKEND"] = keras.backend.backend()
        task = ray.remote(_train_task).options(
            num_cpus=self.cpus_per_task,
            num_gpus=self.gpus_per_task,
            max_retries=MAX_RETRIES,
            runtime_env={"env_vars": variables},
        )
        window = 2 * self._slots(ray)
        groups = iter(groups)
        in_flight = {}
        try:
            while True:
                while len(in_flight) < window:
                    item = next(groups, None)
                    if item is None:  # All sent: only wait from now on.
                        window = 0
                        break
                    group, configs = item
                    on_begin(group)
                    reference = task.remote(
                        configs, self.data_dir, self.load_data, self.backups
                    )
                    in_flight[reference] = group
                if not in_flight:
                    return
                (ready,), _ = ray.wait(list(in_flight), num_returns=1)
                group = in_flight.pop(ready)
                yield group, ray.get(ready)
        finally:
            for reference in in_flight:
                ray.cancel(reference)

    def _slots(self, ray):
        """How many tasks the cluster trains at once (at least 1)."""
        resources = ray.cluster_resources()
        gpus = resources.get("GPU", 0)
        if self.gpus_per_task > gpus:
            # Ray would keep such tasks pending for ever.
            raise ValueError(
                f"Expected `gpus_per_task` to be at most the Ray cluster's "
                f"{gpus:g} GPUs. Received: gpus_per_task="
                f"{self.gpus_per_task!r}"
            )
        slots = resources.get("CPU", 1) / max(self.cpus_per_task, 1e-9)
        if self.gpus_per_task:
            slots = min(slots, gpus / self.gpus_per_task)
        # Each run sent holds a claim (an open file) in this process.
        return min(max(1, int(slots)), _MAX_SLOTS)


def import_ray():
    """The `ray` module, or an `ImportError` saying how to install it."""
    try:
        import ray
    except ImportError as error:
        raise ImportError(
            "executor='ray' needs Ray: pip install keras-ninr[ray]"
        ) from error
    return ray


# A worker process keeps the data sets it loaded for the next task.
_WORKER_DATA = {}


def _train_task(configs, data_dir, load_data, backups):
    """A Ray task: the records of one group of runs."""
    key = (data_dir, load_data)
    if key not in _WORKER_DATA:
        _WORKER_DATA[key] = DataCache(data_dir, load_data)
    return train_group(configs, None, _WORKER_DATA[key], backups)


def make_executor(
    executor,
    progress,
    data,
    address=None,
    cpus_per_task=1,
    gpus_per_task=0,
    backups=None,
):
    """The executor named `executor` ("local" or "ray") of a sweep; runs
    alone are backed up under `backups` (a folder) if given."""
    check_choice(executor, EXECUTORS, "executor")
    for name, value in (
        ("cpus_per_task", cpus_per_task),
        ("gpus_per_task", gpus_per_task),
    ):
        if not is_real(value) or not 0 <= value < float("inf"):
            raise ValueError(
                f"Expected `{name}` to be a number >= 0. Received: "
                f"{name}={value!r}"
            )
    if executor == "local":
        ray_only = {
            name: value
            for name, value, default in (
                ("address", address, None),
                ("cpus_per_task", cpus_per_task, 1),
                ("gpus_per_task", gpus_per_task, 0),
            )
            if value != default
        }
        if ray_only:
            # A local sweep would ignore them: say so rather than run on
            # one machine while the user expects a cluster or GPUs.
            received = ", ".join(f"{k}={v!r}" for k, v in ray_only.items())
            raise ValueError(
                "Expected `address`, `cpus_per_task` and `gpus_per_task` only "
                "with executor='ray' (a local sweep runs on this process). "
                f"Received: executor='local', {received}"
            )
        return LocalExecutor(progress, data, backups)
    import_ray()
    return RayExecutor(
        data.data_dir,
        data.load_data,
        address=address,
        cpus_per_task=cpus_per_task,
        gpus_per_task=gpus_per_task,
        backups=backups,
    )
