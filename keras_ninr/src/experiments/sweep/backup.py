"""A run's backup after every epoch, so that a stopped run resumes.

A sweep appends a run's record when the run ends (`runner`); a run killed
before that (the machine goes away, a kill, Ctrl-C) would start again from
its first epoch. `RunBackup` writes, after every epoch, what the rest of
the run depends on, and a run started again with the same folder resumes
from its last finished epoch and ends with the weights, history, phase and
stop it would have had without the stop (`tests/experiments/
test_sweep_resume.py`, on every backend). A sweep keeps the backup of run
`r` of `<results>.jsonl` in `<results>.jsonl.backups/<r>/` and removes it
once the run's record is in the file; only the process holding the run's
claim (`store.ResultsFile.claim`) writes it.

What a backup holds, and why each part:

- Every variable of the network (`model.variables`): the weights, the
  Noise Injection Nodes' sigma_eps, and the state of every
  `keras.random.SeedGenerator` (the NINs' and CDT's noise, Dropout's
  masks), so that the noise of epoch e + 1 continues the stream of epoch e.
- Every variable of the optimizer (its step count, learning rate, and
  Adam's or RMSprop's moments).
- The epochs done, the whole run's history (`loss`, `accuracy`,
  `niw_norm`, `seconds` per epoch), whether training ended (the stopping
  rule, a non-finite loss, divergence), whether it reached the target
  accuracy, the `PhaseMonitor`'s trace, the training time so far, and the
  epochs the run resumed at.

The data order needs no backup: epoch e trains in
`execution.trained_epoch_order(seed, e, n)`, a function of the run's
seed and the epoch alone. The metrics restart every epoch.

Why not `keras.callbacks.BackupAndRestore`: its `save_weights` leaves the
`SeedGenerator` states out (a resumed NINR, CDT or Dropout run would draw
its first epoch's noise again), it writes the weights and the epoch in two
files one after the other (a stop between them resumes the wrong epoch),
it would write the training images that `DeviceDataModel` keeps on the
device with every epoch, and the kit's own state (history, phase trace,
stop) must be written in the same step. `RunBackup` writes one file,
whole or not at all (written aside, synced, then renamed over the old
one), and `fit(initial_epoch=...)` resumes the epochs.
"""

import json
import os
import shutil
import time
import warnings
import zipfile

import keras
import numpy as np

from keras_ninr.src.experiments.sweep.checks import finite_or_none

# The file of a run's backup, in its folder.
BACKUP_FILE = "backup.npz"

# Bumped when what a backup holds changes; a backup of another format is
# ignored (its run starts again).
_FORMAT = 1


def backups_folder(results_path):
    """The folder of the backups of the runs of a results file, absolute
    (Ray's workers may run in another working directory)."""
    return os.path.abspath(os.fspath(results_path)) + ".backups"


def remove_backups(results_path, run_ids):
    """Remove the backups of `run_ids` (runs whose records are written),
    and the backups folder once it is empty."""
    folder = backups_folder(results_path)
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        if name in run_ids:
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
    try:
        os.rmdir(folder)
    except OSError:  # Runs not yet recorded keep their backups.
        pass


class RunBackup(keras.callbacks.Callback):
    """Keeps a run's whole history and backs the run up after every epoch.

    Put it after the callbacks that may stop training at the end of an
    epoch (`StopAtTrainAccuracy`, `PhaseMonitor`), so that the backup says
    whether training ended. Before `fit`, `restore(trainer)` loads the
    backup, if any, and returns the epoch to resume at; skip `fit` when
    `ended` (the run stopped before it was killed) or that epoch is the
    cap, else pass it as `fit(initial_epoch=...)`. `history` then holds
    every epoch of the run, not only those of this `fit`.

    Args:
        directory: Folder of the run's backup, or `None` to keep the
            history only.
        network: The model trained (its variables are backed up).
        run_id: The run's id; a backup of another run is ignored.
        history_keys: The epoch logs `history` keeps (with `seconds`).
        stopper: Optional `StopAtTrainAccuracy` of the run.
        monitor: Optional `PhaseMonitor` of the run.
    """

    def __init__(
        self,
        directory,
        network,
        run_id,
        history_keys,
        stopper=None,
        monitor=None,
    ):
        super().__init__()
        self.directory = None if directory is None else os.fspath(directory)
        self.network = network
        self.run_id = run_id
        self.history_keys = tuple(history_keys)
        self.stopper = stopper
        self.monitor = monitor
        self.history = {}
        self.epochs_done = 0
        self.ended = False
        self.reached_target = False
        self.resumed_at_epochs = []
        # Training time of the pieces before this process's, and in all.
        self.earlier_train_s = 0.0
        self.train_s = 0.0

    @property
    def path(self):
        """The backup file, or `None` without a folder."""
        if self.directory is None:
            return None
        return os.path.join(self.directory, BACKUP_FILE)

    def restore(self, trainer):
        """Load the backup into `trainer`; the epoch to resume at.

        `trainer` is the compiled model that trains `network` (sharing its
        variables). Returns 0, and changes nothing, where there is no
        backup or it is not this run's (another run id, backend, or
        network); the latter with a warning.
        """
        path = self.path
        if path is None or not os.path.exists(path):
            return 0
        optimizer = trainer.optimizer
        if not optimizer.built:
            # What `fit` would build; its variables must exist to be set.
            optimizer.build(trainer.trainable_variables)
        variables = list(self.network.variables) + list(optimizer.variables)
        try:
            with np.load(path, allow_pickle=False) as stored:
                state = json.loads(str(stored["state"]))
                problem = self._mismatch(state, variables)
                values = None
                if not problem:
                    values = [
                        stored[f"variable_{i}"] for i in range(len(variables))
                    ]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            problem = f"it cannot be read ({error})"
        if problem:
            warnings.warn(
                f"Ignoring the backup {path}: {problem}. The run starts "
                "from its first epoch.",
                RuntimeWarning,
                stacklevel=2,
            )
            return 0
        for variable, value in zip(variables, values):
            variable.assign(value)
        epoch = state["epoch"]
        self.history = state["history"]
        self.epochs_done = epoch
        self.ended = state["ended"]
        self.reached_target = state["reached_target"]
        self.earlier_train_s = self.train_s = state["train_s"]
        self.resumed_at_epochs = state["resumed_at_epochs"] + [epoch]
        if self.monitor is not None:
            self.monitor.set_state(state["phase_monitor"])
        return epoch

    def _mismatch(self, state, variables):
        """Why a backup's `state` is not this run's, or `None`."""
        if state.get("format") != _FORMAT:
            return f"format {state.get('format')!r}, expected {_FORMAT}"
        if state["run_id"] != self.run_id:
            return f"it is run {state['run_id']}'s"
        backend = keras.backend.backend()
        if state["backend"] != backend:
            return f"it was written with {state['backend']}, not {backend}"
        if state["variables"] != _signature(variables):
            return "its variables are not this network's and optimizer's"
        if (self.monitor is None) != (state["phase_monitor"] is None):
            return "its phase trace does not match the run's"
        return None

    def on_train_begin(self, logs=None):
        self._fit_start = time.time()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        model = self.model  # On JAX, syncs the training state.
        logs = logs or {}
        for key in self.history_keys:
            if key in logs:
                self.history.setdefault(key, []).append(
                    finite_or_none(logs[key])
                )
        self.history.setdefault("seconds", []).append(
            time.time() - self._epoch_start
        )
        self.epochs_done = epoch + 1
        self.ended = bool(model.stop_training)
        if self.stopper is not None and self.stopper.stopped_epoch is not None:
            self.reached_target = True
        self.train_s = self.earlier_train_s + time.time() - self._fit_start
        if self.directory is not None:
            self._save(model)

    def _save(self, model):
        variables = list(self.network.variables) + list(
            model.optimizer.variables
        )
        state = {
            "format": _FORMAT,
            "run_id": self.run_id,
            "backend": keras.backend.backend(),
            "variables": _signature(variables),
            "epoch": self.epochs_done,
            "ended": self.ended,
            "reached_target": self.reached_target,
            "history": self.history,
            "train_s": self.train_s,
            "resumed_at_epochs": self.resumed_at_epochs,
            "phase_monitor": (
                None if self.monitor is None else self.monitor.get_state()
            ),
        }
        arrays = {
            f"variable_{i}": keras.ops.convert_to_numpy(variable)
            for i, variable in enumerate(variables)
        }
        # A non-finite loss in the phase trace is written as NaN: the
        # file is read back by Python's `json` only.
        arrays["state"] = np.array(json.dumps(state))
        # Written aside and renamed: a kill leaves the last whole backup.
        partial = self.path + ".partial"
        while True:
            try:
                os.makedirs(self.directory, exist_ok=True)
                f = open(partial, "wb")
            except FileNotFoundError:
                # Another sweep removed the backups folder, empty, meanwhile.
                continue
            break
        with f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, self.path)


def _signature(variables):
    """Shapes and dtypes of `variables`, JSON-able."""
    return [
        [list(variable.shape), str(variable.dtype)] for variable in variables
    ]
