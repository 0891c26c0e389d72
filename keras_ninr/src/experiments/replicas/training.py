"""`fit_replicas`: K runs of one network trained together, each as alone.

`fit_replicas` trains a `ReplicaModel` (see
`keras_ninr.src.experiments.replicas.model`) in one compiled step:

- The training loss is the *sum* of the replicas' mean losses (and their
  regularization penalties), so the gradient of every replica's weights is
  the one it would get alone; with an element-wise optimizer (SGD, Adam,
  RMSprop, as in the paper) so is its update.
- Every replica sees the batches it would see alone
  (`batches.ReplicaBatches`); the images stay on the device.
- Every replica keeps its own stopping rule, history, NIW norms and phase
  record (`ReplicaRun`), decided by `keras_ninr.src.training_rules` as a
  run alone is. When a replica stops (target accuracy, epoch cap or
  divergence) its weights are copied into its own model at that epoch; the
  others train on, and training ends when none is left.

Up to floating-point order (batched matmuls and grouped convolutions sum in
another order than single ones), each model ends with the weights it would
have after training alone; `tests/experiments/test_replicas.py` checks this.
"""

import dataclasses
import math
import time

import keras
import numpy as np
from keras import ops

from keras_ninr.src.callbacks.phase_monitor import PhaseTrace
from keras_ninr.src.checks import check_positive_int
from keras_ninr.src.experiments import execution
from keras_ninr.src.experiments.replicas.batches import ReplicaBatches
from keras_ninr.src.experiments.replicas.model import ReplicaModel
from keras_ninr.src.models.scan_steps import steps_of_last_call
from keras_ninr.src.training_rules import is_divergent
from keras_ninr.src.training_rules import reached_target_accuracy
from keras_ninr.src.utils import crossed_multiple
from keras_ninr.src.utils import find_noise_layers

_TRACE = "replica_phases"


@keras.saving.register_keras_serializable(package="keras_ninr_internal")
class ReplicaCrossentropy(keras.losses.Loss):
    """Sum over replicas of the sparse cross-entropy on logits.

    `y_true` is `(batch, K)`, `y_pred` `(batch, K, classes)`; the loss of a
    batch is the sum of the K replicas' batch means.
    """

    def __init__(self, name="replica_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        values = ops.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=True
        )
        return ops.sum(values, axis=-1)


class ReplicaMean(keras.metrics.Metric):
    """Per-replica running mean over the epoch's samples, a `(K,)` vector."""

    def __init__(self, replicas, fn, name, **kwargs):
        super().__init__(name=name, **kwargs)
        self.fn = fn
        self.total = self.add_variable(
            shape=(replicas,), initializer="zeros", name="total"
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", name="count"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = ops.cast(self.fn(y_true, y_pred), "float32")
        self.total.assign_add(ops.sum(values, axis=0))
        self.count.assign_add(ops.cast(ops.shape(values)[0], "float32"))

    def result(self):
        return self.total / ops.maximum(self.count, 1.0)

    def reset_state(self):
        self.total.assign(ops.zeros(self.total.shape, dtype=self.total.dtype))
        self.count.assign(0.0)


def _accuracy(y_true, y_pred):
    predicted = ops.argmax(y_pred, axis=-1)
    return ops.equal(ops.cast(predicted, "int32"), ops.cast(y_true, "int32"))


def _crossentropy(y_true, y_pred):
    return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)


@dataclasses.dataclass
class ReplicaRun:
    """What one replica's training gave.

    Attributes:
        history: Per epoch: `loss` (cross-entropy without the weight-decay
            penalty), `accuracy`, `niw_norm` (NINR models), `seconds` (the
            epoch's wall time, shared by all replicas).
        stopped_epoch: 0-based epoch the target accuracy was reached, or
            `None`.
        diverged: Whether the loss or NIW norm became non-finite, or the
            phase record saw the loss explode.
        trace: The `PhaseTrace` (NINR models with phase monitoring), else
            `None`.
    """

    history: dict
    stopped_epoch: object = None
    diverged: bool = False
    trace: object = None

    @property
    def epochs_run(self):
        return len(self.history["loss"])


class _ReplicaTracker(keras.callbacks.Callback):
    """Per-replica history, stopping rule, divergence and phase records."""

    def __init__(
        self,
        replica_model,
        epochs,
        target_accuracy,
        every_n_batches,
        monitor_phases,
        sigmas,
        on_epoch_end,
    ):
        super().__init__()
        self.replica_model = replica_model
        self.epochs = epochs
        self.target = target_accuracy
        self.every_n_batches = every_n_batches
        self.monitor_phases = monitor_phases and replica_model.has_noise
        self.sigmas = sigmas
        self.callback = on_epoch_end
        k = replica_model.replicas
        keys = ["loss", "accuracy", "seconds"]
        if replica_model.has_noise:
            keys.append("niw_norm")
        self.runs = [ReplicaRun({key: [] for key in keys}) for _ in range(k)]
        self.active = list(range(k))

    def on_train_begin(self, logs=None):
        self._step = 0
        self._epoch_start = 0
        if self.monitor_phases:
            # Every step's norms, where the steps of a call are scanned.
            self.replica_model.trace_norms(
                _TRACE, self.replica_model.replica_norm_groups(), True
            )
            norms = self.replica_model.replica_norms()
            for run, norm in zip(self.runs, norms):
                run.trace = PhaseTrace()
                run.trace.begin(norm)

    def on_train_end(self, logs=None):
        self.replica_model.untrace_norms(_TRACE)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start = self._step
        self._start = time.time()
        if self.monitor_phases:
            for k in self.active:
                self.runs[k].trace.begin_epoch()

    def on_train_batch_end(self, batch, logs=None):
        # `batch` is the index of the last step run (several with
        # steps_per_execution > 1); a scanned call gives each step.
        if not self.monitor_phases:
            self._step = self._epoch_start + batch + 1
            return
        steps = steps_of_last_call(
            self.replica_model, batch, logs, self.params.get("steps")
        )
        for step_batch, step_logs, index in steps:
            self._update(step_batch, step_logs, index)

    def _update(self, batch, logs, index):
        previous = self._step
        self._step = self._epoch_start + batch + 1
        due = crossed_multiple(previous, self._step, self.every_n_batches)
        if not due and previous > 0:
            return
        losses = np.asarray(logs["replica_loss"], dtype="float64")
        norms = None

        def all_norms():
            nonlocal norms
            if norms is None:
                if index is None:
                    self.model  # On JAX, syncs the state into the variables.
                    norms = self.replica_model.replica_norms()
                else:
                    call = self.replica_model.last_call
                    norms = self.replica_model.replica_norms(
                        call.norms(_TRACE, index)
                    )
            return norms

        for k in self.active:
            trace = self.runs[k].trace
            if trace.diverged:
                continue
            record = trace.update(
                self._epoch,
                self._step,
                batch,
                float(losses[k]),
                lambda k=k: all_norms()[k],
                due,
            )
            if record is not None and trace.diverged_at(record):
                trace.stop(record, [self.sigmas[k]])

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.time() - self._start
        self.model  # Sync (JAX).
        accuracy = np.asarray(logs["replica_accuracy"], dtype="float64")
        loss = np.asarray(logs["replica_loss"], dtype="float64")
        norms = None
        if self.replica_model.has_noise:
            norms = self.replica_model.replica_norms()
        ended = []
        for k in list(self.active):
            run = self.runs[k]
            run.history["loss"].append(float(loss[k]))
            run.history["accuracy"].append(float(accuracy[k]))
            run.history["seconds"].append(seconds)
            if norms is not None:
                run.history["niw_norm"].append(norms[k]["niw_norm"])
            if run.trace is not None:
                run.trace.end_epoch()
            niw_norm = None if norms is None else norms[k]["niw_norm"]
            if is_divergent(loss[k], niw_norm) or (
                run.trace is not None and run.trace.diverged
            ):
                run.diverged = True
            elif self.target is not None and reached_target_accuracy(
                accuracy[k], self.target
            ):
                run.stopped_epoch = epoch
            elif epoch + 1 < self.epochs:
                continue
            # Stopped, diverged, or at the cap: keep its weights as now.
            self.active.remove(k)
            if not run.diverged:
                ended.append(k)
        self.replica_model.assign_to_sources(ended)
        if self.callback is not None:
            self.callback(epoch, self.runs, list(self.active))
        if not self.active:
            self.model.stop_training = True


def fit_replicas(
    models,
    x,
    y,
    seeds,
    *,
    optimizer,
    batch_size,
    epochs,
    target_accuracy=None,
    monitor_phases=True,
    every_n_batches=10,
    on_epoch_end=None,
    steps_per_execution=None,
    conv="auto",
):
    """Train K models together, each as it would train alone.

    Args:
        models: K built models of one chain architecture (e.g. from
            `keras_ninr.experiments.zoo.build` with K seeds), initialised as
            the runs start. Each ends with its own trained weights (at its stopping
            epoch); diverged ones are left as they were.
        x, y: Training images (as the models take them: [0, 1] pixels for
            the zoo networks) and integer labels.
        seeds: K ints: run k sees the data in `epoch_order(seeds[k], ...)`.
        optimizer: A Keras optimizer with element-wise updates (SGD, Adam,
            RMSprop, ...): one instance, used for all replicas.
        batch_size: Int.
        epochs: Int, the epoch cap.
        target_accuracy: Optional float: a replica stops once its epoch's
            training accuracy reaches it.
        monitor_phases: Record every NINR replica's phase (`PhaseTrace`)
            and stop following a divergent one. Defaults to `True`.
        every_n_batches: Phase records every N batches. Defaults to `10`.
        on_epoch_end: Optional `fn(epoch, runs, active)` called after every
            epoch (e.g. progress).
        steps_per_execution: Passed to `compile`: a positive int, or `None`
            for the kit's choice on this backend and device
            (`keras_ninr.experiments.execution.steps_per_execution`). On
            JAX the N steps of a call run in one compiled loop that keeps
            every step (`ScanSteps`), so the phase records are those of one
            step per call; elsewhere they fall every N steps at the finest
            (see `PhaseMonitor`), and the kit's choice with phase
            monitoring of NINR replicas is 1. Defaults to `None`.
        conv: How convolutions are batched, see `ReplicaModel`. Defaults
            to `"auto"`.

    Returns:
        A list of K `ReplicaRun`.
    """
    seeds = [int(seed) for seed in seeds]
    if len(seeds) != len(models):
        raise ValueError(
            f"Expected one seed per model ({len(models)}). Received: "
            f"seeds={seeds}"
        )
    steps_per_execution = check_positive_int(
        steps_per_execution, "steps_per_execution", allow_none=True
    )
    replica_model = ReplicaModel(models, x, conv=conv)
    if steps_per_execution is None:
        steps_per_execution = execution.steps_per_execution(
            phase_trace=bool(monitor_phases and replica_model.has_noise)
        )
    replica_model.compile(
        optimizer=optimizer,
        loss=ReplicaCrossentropy(),
        metrics=[
            ReplicaMean(len(models), _accuracy, "replica_accuracy"),
            ReplicaMean(len(models), _crossentropy, "replica_loss"),
        ],
        steps_per_execution=steps_per_execution,
    )
    sigmas = []
    for model in models:
        values = sorted(
            {l.noise_stddev for l in find_noise_layers(model)} or {0.0}
        )
        sigmas.append(values[0])
    tracker = _ReplicaTracker(
        replica_model,
        epochs,
        target_accuracy,
        min(every_n_batches, math.ceil(len(y) / batch_size)),
        monitor_phases,
        sigmas,
        on_epoch_end,
    )
    replica_model.fit(
        ReplicaBatches(y, batch_size, seeds),
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=[tracker],
    )
    return tracker.runs
