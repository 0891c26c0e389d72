"""A run stopped midway resumes from its last finished epoch (issue 21)."""

import io
import os

import numpy as np
import pytest

from keras_ninr.experiments import sweep
from keras_ninr.src.experiments.sweep.backup import BACKUP_FILE
from tests.experiments.test_sweep import easy_images

TINY = dict(
    architecture_kwargs={"hidden_units": (16,)},
    train_size=256,
    test_size=128,
    epochs=3,
    target_accuracy=None,
    evaluations={"clean": True},
)

# What differs between two records of one run: when and how fast it ran,
# and where it resumed.
_UNLIKE = ("timings", "finished_at", "resumed_at_epochs")


class Kill(sweep.ConsoleProgress):
    """Notes the epochs trained; raises at the end of epoch `epoch` (or of
    the epoch whose accuracy reaches `accuracy`), after the run's backup
    and before its record, as a kill there would stop it."""

    def __init__(self, epoch=None, accuracy=None):
        super().__init__(io.StringIO())
        self.epoch = epoch
        self.accuracy = accuracy
        self.seen = []

    def on_epoch_end(self, epoch, epochs, logs):
        super().on_epoch_end(epoch, epochs, logs)
        self.seen.append(epoch)
        if epoch == self.epoch or (
            self.accuracy is not None and logs["accuracy"] >= self.accuracy
        ):
            raise KeyboardInterrupt


def backed_up(folder):
    """The arrays of a run's backup: weights, seed states, optimizer."""
    with np.load(os.path.join(folder, BACKUP_FILE)) as stored:
        return {name: stored[name] for name in stored.files if name != "state"}


def same_run(first, second):
    """The two records, less what differs between pieces of one run."""
    first, second = dict(first), dict(second)
    for record in (first, second):
        for key in _UNLIKE:
            del record[key]
        record["history"] = dict(record["history"])
        assert len(record["history"].pop("seconds")) == record["epochs_run"]
    return first, second


@pytest.mark.parametrize(
    "regularization, optimizer",
    # The NIN's noise stream and phase trace; Dropout's masks and Adam's
    # moments.
    [("in-ninr", "sgd"), ("dropout", "adam")],
)
def test_killed_run_resumes_to_the_weights_and_record_of_an_unbroken_run(
    tmp_path, fixture_data_dir, regularization, optimizer
):
    config = sweep.RunConfig(
        **TINY, regularization=regularization, optimizer=optimizer
    )

    def train(folder, progress=None):
        return sweep.train_and_evaluate(
            config,
            progress=progress,
            data_dir=fixture_data_dir,
            backup_dir=tmp_path / folder,
        )

    unbroken = train("unbroken")
    with pytest.raises(KeyboardInterrupt):
        train("resumed", Kill(epoch=1))
    resumed_progress = Kill()
    resumed = train("resumed", resumed_progress)

    # Only the third epoch was trained again, and the run ends where the
    # unbroken one did: every weight, seed state and optimizer variable.
    assert resumed_progress.seen == [2]
    assert resumed["resumed_at_epochs"] == [2]
    assert unbroken["resumed_at_epochs"] == []
    expected = backed_up(tmp_path / "unbroken")
    actual = backed_up(tmp_path / "resumed")
    assert list(actual) == list(expected)
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name], name)
    # The record is the whole run's: three epochs of history, the phase.
    first, second = same_run(unbroken, resumed)
    assert second == first
    assert second["epochs_run"] == 3
    assert (second["phase"] is not None) == (regularization == "in-ninr")
    assert resumed["timings"]["train_s"] > 0


def test_run_killed_after_its_stop_is_evaluated_not_trained_again(tmp_path):
    # The stopping rule ended the run; the kill came before its record.
    path = tmp_path / "results.jsonl"
    config = sweep.RunConfig(
        **{**TINY, "epochs": 30, "target_accuracy": 0.98},
        regularization="in-ninr",
        noise_stddev=1.0,
    )
    killer = Kill(accuracy=0.98)
    with pytest.raises(KeyboardInterrupt):
        sweep.run_sweep(
            [config], path, progress=killer, load_data=easy_images
        )
    stopped_at = killer.seen[-1]
    assert 0 < stopped_at < 29
    backups = str(path) + ".backups"
    assert os.listdir(backups) == [config.run_id]
    assert sweep.load_results(path) == []

    rerun = Kill()
    (record,) = sweep.run_sweep(
        [config], path, progress=rerun, load_data=easy_images
    )
    assert rerun.seen == []  # No epoch trained again.
    assert f"resumed after epoch {stopped_at + 1}," in rerun.stream.getvalue()
    assert record["reached_target"]
    assert record["epochs_run"] == stopped_at + 1
    assert record["resumed_at_epochs"] == [stopped_at + 1]
    assert record["history"]["accuracy"][-1] >= 0.98
    assert record["phase"] in ("decoupled", "decay", "catapult")
    assert sweep.load_results(path) == [record]
    # The backup goes once the record is in the file.
    assert not os.path.exists(backups)

    unbroken = sweep.run_sweep(
        [config], tmp_path / "unbroken.jsonl", progress=False,
        load_data=easy_images,
    )
    first, second = same_run(unbroken[0], record)
    assert second == first

    # A backup left by a kill after the record was written goes with the
    # next sweep, which trains nothing.
    os.makedirs(os.path.join(backups, config.run_id))
    sweep.run_sweep([config], path, progress=False, load_data=easy_images)
    assert not os.path.exists(backups)


def test_a_backup_of_another_run_is_ignored(tmp_path, fixture_data_dir):
    first, second = (
        sweep.RunConfig(**{**TINY, "epochs": 1}, seed=seed) for seed in (0, 1)
    )
    sweep.train_and_evaluate(
        first, data_dir=fixture_data_dir, backup_dir=tmp_path
    )
    progress = Kill()
    with pytest.warns(RuntimeWarning, match=f"it is run {first.run_id}'s"):
        record = sweep.train_and_evaluate(
            second,
            progress=progress,
            data_dir=fixture_data_dir,
            backup_dir=tmp_path,
        )
    assert progress.seen == [0]  # Trained from its first epoch.
    assert record["resumed_at_epochs"] == []
