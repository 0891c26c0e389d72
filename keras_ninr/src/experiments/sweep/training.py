"""Training one run, or K runs as replicas, the way the paper trains.

Sec. 3: the zoo's network (which standardises its [0, 1] pixel input),
SGD with the paper's learning rate and batch size, until the paper's
stopping rule (98% training accuracy, `keras_ninr.src.training_rules`) or
the epoch cap. A run sees its training data in a permutation drawn from
its seed for each epoch (`keras_ninr.src.experiments.execution.
trained_epoch_order`, from `replicas.batches.epoch_order`), not in Keras's
backend-dependent shuffle, so that it sees the same batches on every
backend and when trained as a replica.

A run trains with its images on the device and several steps per call
where that is faster (`keras_ninr.src.experiments.execution`): the same
weights as one step per call on NumPy batches, in less time. NINR runs
keep one step per call for their phase trace (`PhaseMonitor`) except on
JAX, where a call's steps run in one compiled loop that keeps every step.

A run alone can be backed up after every epoch and resume from there
after a stop (`backup.RunBackup`); a group of replicas cannot (see
`train_and_evaluate_replicas`).
"""

import math
import time
import warnings

import keras
import numpy as np

from keras_ninr.src.callbacks.phase_monitor import PhaseMonitor
from keras_ninr.src.callbacks.stop_at_train_accuracy import StopAtTrainAccuracy
from keras_ninr.src.experiments import execution
from keras_ninr.src.experiments import zoo
from keras_ninr.src.experiments.methods import NINR_REGULARIZATIONS
from keras_ninr.src.experiments.replicas.training import fit_replicas
from keras_ninr.src.experiments.sweep.backup import RunBackup
from keras_ninr.src.experiments.sweep.checks import finite_or_none
from keras_ninr.src.experiments.sweep.data import DataCache
from keras_ninr.src.experiments.sweep.evaluation import make_record
from keras_ninr.src.experiments.sweep.grid import REPLICA_FIELDS
from keras_ninr.src.experiments.sweep.grid import replica_key
from keras_ninr.src.experiments.sweep.progress import EpochRelay

# What a record's history keeps of each epoch's logs (with `seconds`).
_HISTORY_KEYS = ("loss", "accuracy", "niw_norm")


def _build_model(config, prepared):
    """The run's network, initialised as the run starts (seeded); it takes
    [0, 1] pixels and standardises them with the training statistics."""
    keras.utils.set_random_seed(config.seed)
    return zoo.build(
        config.architecture,
        config.regularization,
        pixel_mean=prepared.mean,
        pixel_std=prepared.std,
        input_shape=prepared.x_train.shape[1:],
        num_classes=prepared.num_classes,
        seed=config.seed,
        **config.model_options,
        **config.architecture_kwargs,
    )


def train_and_evaluate(
    config, progress=None, data_dir=None, data=None, backup_dir=None
):
    """Train one config and evaluate it; returns its record (a dict).

    The record holds `run_id`, `label`, `config`, `status` (`"finished"` or
    `"diverged"`), `epochs_run`, `reached_target`, `phase` (NINR runs: the
    `PhaseMonitor` label) and `message`, `history` (per epoch: `loss`,
    `accuracy`, `niw_norm` for NINR, `seconds`), `evaluations` (empty for
    a diverged run), `data` (sizes and standardisation), `timings`,
    `resumed_at_epochs`, `backend`, `versions`, `machine` and
    `finished_at`.

    With `backup_dir`, the run is backed up there after every epoch
    (`RunBackup`), and a run started again with the same folder resumes
    from its last finished epoch: it ends with the weights, history,
    phase and stop of a run never stopped. Its record's `history` and
    `epochs_run` are the whole run's, `timings.train_s` adds up the
    training time of its pieces (up to each one's last backup; the other
    timings are this piece's), and `resumed_at_epochs` gives, for each
    resume, the epochs finished before it (`[]` for a run never stopped).
    A run whose training had ended when it stopped (its stopping rule, a
    non-finite loss, divergence, or the epoch cap) is only evaluated. The
    folder is left in place: remove it once the record is safe
    (`run_sweep` does).

    Args:
        config: A `RunConfig`.
        progress: Optional `SweepProgress`, told the end of every epoch.
        data_dir: Passed to `keras_ninr.datasets.load`.
        data: Internal: a sweep's data cache.
        backup_dir: Optional folder of the run's backup. Defaults to
            `None` (no backup).
    """
    start = time.time()
    data = data if data is not None else DataCache(data_dir, None)
    prepared = data.prepare(config)
    loaded = time.time()

    keras.utils.clear_session()
    model = _build_model(config, prepared)
    zoo.compile_model(
        model,
        config.architecture,
        config.optimizer,
        config.learning_rate_value,
    )
    built = time.time()

    batch_size = config.batch_size_value
    steps_per_epoch = math.ceil(len(prepared.x_train) / batch_size)
    callbacks = [keras.callbacks.TerminateOnNaN()]
    stopper = None
    if config.target_accuracy is not None:
        stopper = StopAtTrainAccuracy(config.target_accuracy)
        callbacks.append(stopper)
    monitor = None
    if config.regularization in NINR_REGULARIZATIONS:
        monitor = PhaseMonitor(every_n_batches=min(10, steps_per_epoch))
        callbacks.append(monitor)
    # After the callbacks that stop training, so that it knows whether
    # training ended; before the progress, which may be interrupted.
    backup = RunBackup(
        backup_dir,
        model,
        config.run_id,
        _HISTORY_KEYS,
        stopper=stopper,
        monitor=monitor,
    )
    callbacks += [backup, EpochRelay(progress, config.epochs)]
    # `model` (compiled above, for the evaluations) shares its variables
    # with `trainer`, which trains it on images kept on the device.
    trainer = execution.DeviceDataModel(
        model, prepared.x_train, prepared.y_train, config.seed
    )
    zoo.compile_model(
        trainer,
        config.architecture,
        config.optimizer,
        config.learning_rate_value,
        steps_per_execution=execution.steps_per_execution(
            phase_trace=monitor is not None
        ),
    )
    initial_epoch = backup.restore(trainer)
    if not backup.ended and initial_epoch < config.epochs:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            trainer.fit(
                batch_size=batch_size,
                epochs=config.epochs,
                initial_epoch=initial_epoch,
                callbacks=callbacks,
                verbose=0,
            )
        for warning in caught:
            if not issubclass(warning.category, RuntimeWarning):
                warnings.warn_explicit(
                    warning.message,
                    warning.category,
                    warning.filename,
                    warning.lineno,
                )
    trained = time.time()

    return make_record(
        config,
        model,
        prepared,
        data,
        history=backup.history,
        monitor_diverged=monitor is not None and monitor.diverged,
        reached_target=backup.reached_target,
        phase=monitor.phase if monitor is not None else None,
        message=monitor.message if monitor is not None else None,
        times=(start, loaded, built, trained),
        batch_size=batch_size,
        earlier_train_s=backup.earlier_train_s,
        resumed_at_epochs=backup.resumed_at_epochs,
    )


def train_and_evaluate_replicas(
    configs, progress=None, data_dir=None, data=None
):
    """Train K configs as replicas in one compiled step; returns K records.

    The configs must differ only in the fields `run_sweep(replicas=...)`
    groups by (seed, sigma_eps, noise distribution, CDT strength,
    evaluations). Each record is what `train_and_evaluate` gives for its
    config alone, up to floating-point order, except that `history.loss`
    is the cross-entropy without the weight-decay penalty, `seconds` and
    `timings.train_s` are the group's, and `replicas` gives the group size.

    A group is not backed up: stopped midway, it trains again from its
    first epoch. Its replicas stop at different epochs, each one's weights
    copied out of the group's model as it stops, and the group's model,
    data order and per-replica state (`fit_replicas`) would need a backup
    of their own. Train runs alone (no `replicas`) where a stop is likely
    and resuming matters more than the speed of replicas.

    Args:
        configs: List of `RunConfig`.
        progress: Optional `SweepProgress`, told the end of every epoch
            (the mean loss and accuracy of the replicas still training).
        data_dir: Passed to `keras_ninr.datasets.load`.
        data: Internal: a sweep's data cache.
    """
    configs = list(configs)
    first = configs[0]
    # Replicas share one network and one data set, hence one
    # standardisation (the training statistics of that data).
    unlike = [c.run_id for c in configs if replica_key(c) != replica_key(first)]
    if unlike:
        raise ValueError(
            f"Replicas must differ only in {', '.join(REPLICA_FIELDS)}. "
            f"Received configs that differ from the first ({first.run_id}) "
            f"in other fields: run ids {unlike}"
        )
    start = time.time()
    data = data if data is not None else DataCache(data_dir, None)
    prepared = data.prepare(first)
    loaded = time.time()

    keras.utils.clear_session()
    models = [_build_model(config, prepared) for config in configs]
    built = time.time()
    batch_size = first.batch_size_value

    def on_epoch_end(epoch, runs, active):
        if progress is None:
            return
        logs = {"replicas_training": len(active)}
        for key in _HISTORY_KEYS:
            values = [
                run.history[key][epoch]
                for run in runs
                if key in run.history and len(run.history[key]) > epoch
            ]
            if values:
                logs[key] = finite_or_none(float(np.mean(values)))
        progress.on_epoch_end(epoch, first.epochs, logs)

    runs = fit_replicas(
        models,
        prepared.x_train,
        prepared.y_train,
        [config.seed for config in configs],
        optimizer=zoo.make_optimizer(
            first.optimizer, first.architecture, first.learning_rate_value
        ),
        batch_size=batch_size,
        epochs=first.epochs,
        target_accuracy=first.target_accuracy,
        monitor_phases=first.regularization in NINR_REGULARIZATIONS,
        every_n_batches=10,
        on_epoch_end=on_epoch_end,
    )
    trained = time.time()

    records = []
    for config, model, run in zip(configs, models, runs):
        zoo.compile_model(
            model,
            config.architecture,
            config.optimizer,
            config.learning_rate_value,
        )
        history = {
            key: [finite_or_none(value) for value in values]
            for key, values in run.history.items()
            if key != "seconds"
        }
        history["seconds"] = run.history["seconds"]
        trace = run.trace
        record = make_record(
            config,
            model,
            prepared,
            data,
            history=history,
            monitor_diverged=run.diverged,
            reached_target=run.stopped_epoch is not None,
            phase=trace.phase if trace is not None else None,
            message=trace.message if trace is not None else None,
            times=(start, loaded, built, trained),
            batch_size=batch_size,
        )
        record["replicas"] = len(configs)
        records.append(record)
    return records
