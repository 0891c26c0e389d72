"""`run_sweep`: train and evaluate every config not yet in a results file.

A sweep is a list of `RunConfig`s, typically a grid made by `expand_grid`.
`run_sweep` trains each one (`training`), evaluates it (`evaluation`) and
appends its record to the results file (`store`) as soon as the run ends:
a killed sweep resumes where it stopped, and several sweeps may share one
file, each run trained by one of them. A run is backed up after every
epoch (`backup`), so that a run stopped midway resumes from its last
finished epoch. The runs train in this process or as Ray tasks
(`executors`); either way this process alone writes the file.
"""

import contextlib
import os

from keras_ninr.src.experiments.sweep.backup import backups_folder
from keras_ninr.src.experiments.sweep.backup import remove_backups
from keras_ninr.src.checks import check_int
from keras_ninr.src.experiments.sweep.config import RunConfig
from keras_ninr.src.experiments.sweep.data import DataCache
from keras_ninr.src.experiments.sweep.executors import make_executor
from keras_ninr.src.experiments.sweep.grid import replica_key
from keras_ninr.src.experiments.sweep.progress import as_progress
from keras_ninr.src.experiments.sweep.store import ResultsFile
from keras_ninr.src.experiments.sweep.store import append_line
from keras_ninr.src.experiments.sweep.store import cut_unfinished_line
from keras_ninr.src.experiments.sweep.store import locked


def run_sweep(
    configs,
    results_path,
    progress=True,
    data_dir=None,
    load_data=None,
    replicas=None,
    executor="local",
    address=None,
    cpus_per_task=1,
    gpus_per_task=0,
):
    """Train and evaluate every config not yet in `results_path`.

    Each finished run is appended to `results_path` (JSON lines) as it
    ends; configs whose `run_id` is already there are skipped, so a rerun
    of a killed sweep resumes it. Runs happen in the order of `configs`
    (with `replicas`, grouped). Every config is checked, and its data
    loaded, before the first run trains.

    A run stopped midway resumes too: each run is backed up after every
    epoch in `<results_path>.backups/<run_id>/` (`RunBackup`: weights,
    noise and Dropout seed states, optimizer, history, phase trace,
    stop), and a rerun continues it from its last finished epoch to the
    weights and record it would have had without the stop (same backend);
    the backup is removed once the run's record is in the file. Only the
    process that holds a run's claim writes its backup. A group of
    `replicas` is not backed up: it starts again from its first epoch.

    Several sweeps, in several processes, may write one results file at
    once (e.g. one per GPU, or a second started by mistake): each run is
    claimed while it trains, and a sweep skips the runs another one has
    claimed or finished, so each run is trained once. The claims are
    `flock`s on files in `<results_path>.claims/`; the OS drops those of a
    killed process, so its runs are trained by the next sweep. At its
    end a sweep tries the other sweeps' unfinished runs once more (their
    process may have died) and leaves those still claimed to them. The
    file system must support `flock` across the processes (a local disk
    does; over NFS, only where locks reach the server). Where Python has
    no `fcntl` (Windows) nothing is locked: run one sweep at a time per
    results file there.

    The `run_id` does not name the backend or the machine (each record
    does): to compare backends, give each its own results file.

    Args:
        configs: Iterable of `RunConfig` (e.g. from `expand_grid`).
        results_path: Path of the JSON-lines results file; created, with
            its folder, if absent.
        progress: `True` for `ConsoleProgress` (prints, like Keras's
            `verbose=1`), `False` or `None` for silence, or a
            `SweepProgress`. Defaults to `True`.
        data_dir: Passed to `keras_ninr.datasets.load`. Defaults to `None`.
        load_data: Optional callable `load_data(name)` returning
            `(x_train, y_train), (x_test, y_test)` with pixel images
            (`uint8` 0-255 or floats in [0, 1]); replaces
            `keras_ninr.datasets.load`. Defaults to `None`.
        replicas: Optional int K: train up to K runs at once, in one
            compiled training step, where they differ only in `seed`,
            `noise_stddev`, `noise_distribution`, `cdt_sigma_noise` (or
            what is evaluated). Each run keeps its own initialisation,
            noise streams, data order, stopping rule, history and record,
            and ends with the weights it would have alone, up to
            floating-point order (`keras_ninr.experiments.replicas`). The
            records are appended when the group ends. `None` or `1`
            trains one run at a time. Defaults to `None`.
        executor: Where the runs train: `"local"`, one after the other in
            this process, or `"ray"`, each run (or group of replicas) as
            one Ray task on this machine or on a Ray cluster
            (`pip install keras-ninr[ray]`). With `"ray"` this process
            alone writes the results file, appending each record as its
            task ends (in the order the tasks end), so resuming, claims
            and reports work as with `"local"`; a task whose worker dies
            is retried. The workers take this process's `KERAS_BACKEND`,
            `KERAS_NINR_DATA_DIR` and `PYTHONPATH`, and `data_dir` and
            `load_data`. The progress is told when runs begin and end,
            not their epochs (`on_epoch_end` is not called for runs
            trained by Ray). Defaults to `"local"`.
        address: With `executor="ray"`: the address of a running Ray
            cluster (`ray start --head` prints it; `"auto"` finds one on
            this machine). `None` starts Ray on this machine, with all
            its cores, unless Ray is initialised already. Defaults to
            `None`.
        cpus_per_task: With `executor="ray"`: CPU cores reserved for each
            task. Defaults to `1`.
        gpus_per_task: With `executor="ray"`: GPUs reserved for each task;
            `1` trains one run per GPU, a fraction (e.g. `0.25`) lets
            small runs share one. Defaults to `0`.

    Returns:
        The records of `configs` in the results file (the ones already
        there and the new ones, the first record of a run), in the order
        of `configs`. A run left to another sweep still training it is
        not among them.
    """
    configs = list(configs)
    for config in configs:
        if not isinstance(config, RunConfig):
            raise ValueError(
                "Expected `configs` to hold RunConfig objects (see "
                f"`expand_grid`). Received: {config!r}"
            )
    if replicas is not None:
        replicas = check_int(replicas, "replicas", minimum=1)
    unique = {}
    for config in configs:
        unique.setdefault(config.run_id, config)
    configs = list(unique.values())
    reporter = as_progress(progress)
    cache = DataCache(data_dir, load_data)
    results_path = os.fspath(results_path)
    runs = make_executor(
        executor,
        reporter,
        cache,
        address=address,
        cpus_per_task=cpus_per_task,
        gpus_per_task=gpus_per_task,
        backups=backups_folder(results_path),
    )
    folder = os.path.dirname(results_path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    results = ResultsFile(results_path)
    with locked(results_path) as f:
        cut_unfinished_line(f)
        results.refresh(f)

    def done():
        return sum(config.run_id in results.records for config in configs)

    total = len(configs)
    reporter.on_sweep_begin(total, done())
    pending = [
        (index, config)
        for index, config in enumerate(configs, start=1)
        if config.run_id not in results.records
    ]
    for _, config in pending:
        cache.check(config)
    size = replicas or 1
    try:
        while pending:
            left, trained = _train_unclaimed(
                pending, size, results, reporter, runs, total, done
            )
            # Runs another sweep held: try once more, its process may have
            # died or finished; stop when a pass trains nothing.
            pending = [
                item for item in left if item[1].run_id not in results.records
            ]
            if not trained:
                break
        with locked(results_path) as f:
            results.refresh(f)
        for index, config in pending:
            if config.run_id not in results.records:
                reporter.on_run_left_to_other_sweep(index, total, config)
    finally:
        # Backups of runs recorded by a process stopped before it removed
        # them; a recorded run is never trained again.
        remove_backups(results_path, results.records)
        results.remove_claims_folder()
    reporter.on_sweep_end(total, done())
    return [
        results.records[config.run_id]
        for config in configs
        if config.run_id in results.records
    ]


def _train_unclaimed(pending, size, results, reporter, executor, total, done):
    """Claim and train `pending` runs, up to `size` at once.

    Returns the `(index, config)` pairs another process held, and whether
    any run was trained.
    """
    held_elsewhere = []
    claimed = []  # Groups claimed and not yet recorded.

    def groups():
        for queue in _replica_queues(pending, size):
            while queue:
                group = _claim_group(queue, size, results, held_elsewhere)
                if group:
                    claimed.append(group)
                    yield group, [config for _, config, _ in group]

    def on_begin(group):
        for index, config, _ in group:
            reporter.on_run_begin(index, total, config)

    trained = False
    try:
        with contextlib.closing(executor.run(groups(), on_begin)) as finished:
            for group, records in finished:
                trained = True
                claimed.remove(group)
                try:
                    for (index, _, _), record in zip(group, records):
                        with locked(results.path) as f:
                            append_line(f, record)
                            results.refresh(f)
                        # Still claimed: no other process writes it.
                        remove_backups(results.path, {record["run_id"]})
                        reporter.on_run_end(index, total, done(), record)
                finally:
                    # After the records are in the file: a run is never
                    # free and undone once trained.
                    _release(results, group)
    finally:
        for group in claimed:
            _release(results, group)
    return held_elsewhere, trained


def _release(results, group):
    for _, _, claim in group:
        results.release(claim)


def _claim_group(queue, size, results, held_elsewhere):
    """Claim up to `size` runs from the front of `queue`, which it empties
    as it goes; `(index, config, claim)` triples.

    Runs finished meanwhile are dropped; runs another process holds go to
    `held_elsewhere`.
    """
    group = []
    try:
        with locked(results.path) as f:
            results.refresh(f)
            while queue and len(group) < size:
                index, config = item = queue.pop(0)
                if config.run_id in results.records:
                    continue  # Finished by another sweep.
                claim = results.claim(config.run_id)
                if claim is None:
                    held_elsewhere.append(item)
                else:
                    group.append((index, config, claim))
    except BaseException:
        for _, _, claim in group:
            results.release(claim)
        raise
    return group


def _replica_queues(pending, size):
    """`pending` `(index, config)` pairs in queues of runs that can train
    as replicas of one another (one queue, in order, for `size` 1)."""
    if size == 1:
        return [list(pending)]
    by_key = {}
    for item in pending:
        by_key.setdefault(replica_key(item[1]), []).append(item)
    return list(by_key.values())
