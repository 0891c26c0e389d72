"""`PhaseMonitor`: the NINR phase of a run, online, and a stop on divergence."""

import math
import warnings

import keras

from keras_ninr.src.models.scan_steps import ScanSteps
from keras_ninr.src.models.scan_steps import steps_of_last_call
from keras_ninr.src.phases.classify import PHASES
from keras_ninr.src.phases.classify import classify
from keras_ninr.src.phases.windowed_loss import WindowedLoss
from keras_ninr.src.training_rules import EXPLOSION_FACTOR
from keras_ninr.src.training_rules import is_divergent
from keras_ninr.src.utils import check_every_n_batches
from keras_ninr.src.utils import crossed_multiple
from keras_ninr.src.utils import combined_norms
from keras_ninr.src.utils import noise_layer_pairs
from keras_ninr.src.utils import norm_groups

_TRACE = "PhaseMonitor"


class PhaseMonitor(keras.callbacks.Callback):
    """Labels the NINR phase during `fit`; stops a divergent run at once.

    Records the loss (the mean over the batches since the last record, see
    `WindowedLoss`), the NIW norm and the norm of the data weights after
    each NIN before the first step and every `every_n_batches` batches, and
    labels the run with `keras_ninr.phases.classify` at the end of every
    epoch (`self.phase`, `self.report`; `phase_id`, the index in
    `keras_ninr.phases.PHASES`, goes into the epoch logs).

    Divergence is checked at every record: a non-finite loss or NIW norm, or
    a loss above `explosion_factor` times its start. Training then stops
    with a warning (kept in `self.message`) that names sigma_eps and what to
    try.

    With `steps_per_execution=N` > 1 in `compile`, Keras calls back once
    every N steps. A model that runs the N steps in one compiled loop and
    keeps every step (`NINRModel` and the kit's training models on JAX,
    see `ScanSteps`) gives the loss and the norms after each step, and the
    records are those of one step per call. Elsewhere steps are counted
    from the batch indices Keras passes, so records fall at the first call
    at or after every multiple of `every_n_batches` (exactly on it where N
    divides it), a non-finite loss is seen up to N - 1 steps late, and the
    loss at the start is the mean over the first N steps rather than the
    first step's (which `classify` measures a catapult's spike against):
    there, train with N = 1 for a phase trace, as `keras_ninr.experiments`
    does. Stopping on divergence stops training at the end of the call.

    Args:
        every_n_batches: Record every N batches. Defaults to `10`.
        explosion_factor: A loss this many times its start counts as
            divergence. Defaults to `100.0`.
        stop_on_divergence: Defaults to `True`.
        suggestion: Optional sigma_eps to suggest in the message (for
            instance from `keras_ninr.phases.suggest_noise_stddev`).
        verbose: 1 prints the phase at the end of each epoch. Defaults to
            `0`.
        **classify_kwargs: Thresholds passed to `classify`.
    """

    # It reports divergence itself: `NINRModel.fit` then says nothing more.
    watches_divergence = True

    def __init__(
        self,
        every_n_batches=10,
        explosion_factor=EXPLOSION_FACTOR,
        stop_on_divergence=True,
        suggestion=None,
        verbose=0,
        **classify_kwargs,
    ):
        super().__init__()
        every_n_batches = check_every_n_batches(every_n_batches)
        if not explosion_factor > 1:
            raise ValueError(
                "Expected `explosion_factor` > 1. "
                f"Received: explosion_factor={explosion_factor!r}"
            )
        self.every_n_batches = every_n_batches
        self.explosion_factor = float(explosion_factor)
        self.stop_on_divergence = stop_on_divergence
        self.suggestion = suggestion
        self.verbose = verbose
        self.classify_kwargs = classify_kwargs
        self._resuming = False

    def on_train_begin(self, logs=None):
        self._pairs = noise_layer_pairs(self.model, "PhaseMonitor")
        # Read without `self.model`, which syncs the state on JAX.
        self._trained = self.model
        if isinstance(self._trained, ScanSteps):
            self._trained.trace_norms(_TRACE, norm_groups(self._pairs))
        if self._resuming:
            self._resuming = False  # This `fit` continues the set state.
            return
        self.trace = self._new_trace()
        self._epoch = 0
        self._step = 0
        self._epoch_start = 0
        self.trace.begin(self._norms())  # Before the first step.

    def _new_trace(self):
        return PhaseTrace(
            self.explosion_factor, self.suggestion, **self.classify_kwargs
        )

    def get_state(self):
        """The trace so far and the steps trained, as JSON-able values.

        Call it between epochs (e.g. from a later callback's
        `on_epoch_end`); `set_state` resumes from it.
        """
        return {"trace": self.trace.get_state(), "step": self._step}

    def set_state(self, state):
        """Continue the trace `get_state()` gave, in the next `fit`.

        The monitor reads as that state at once (`phase`, `diverged`,
        `message`, `records`); the next `fit`, which resumes training at
        the following epoch, records on from there.
        """
        self.trace = self._new_trace()
        self.trace.set_state(state["trace"])
        self._step = int(state["step"])
        self._epoch_start = self._step
        self._resuming = True

    # The run's state lives in `self.trace`; these read it.
    records = property(lambda self: self.trace.records)
    phase = property(lambda self: self.trace.phase)
    report = property(lambda self: self.trace.report)
    message = property(lambda self: self.trace.message)
    diverged = property(lambda self: self.trace.diverged)

    def _norms(self):
        self.model  # On JAX, syncs the training state into the variables.
        return combined_norms(self._pairs)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start = self._step
        self.trace.begin_epoch()

    def on_train_batch_end(self, batch, logs=None):
        # `batch` is the index of the last step run (several with
        # steps_per_execution > 1); a model that keeps them gives each.
        steps = steps_of_last_call(
            self._trained, batch, logs, self.params.get("steps")
        )
        for step_batch, step_logs, index in steps:
            if self._update(step_batch, step_logs, index):
                break

    def _update(self, batch, logs, index):
        """Feed one step to the trace; whether training should stop."""
        previous = self._step
        self._step = self._epoch_start + batch + 1
        running_mean = float((logs or {}).get("loss", math.nan))
        due = crossed_multiple(previous, self._step, self.every_n_batches)
        norms = self._norms
        if index is not None:
            call = self._trained.last_call
            norms = lambda: call.norms(_TRACE, index)  # noqa: E731
        record = self.trace.update(
            self._epoch, self._step, batch, running_mean, norms, due
        )
        if record is not None and self.trace.diverged_at(record):
            self.model  # Syncs the state (JAX) for sigma_eps to be read.
            sigmas = sorted({layer.noise_stddev for layer, _ in self._pairs})
            self.trace.stop(record, sigmas)
            warnings.warn(self.trace.message, RuntimeWarning, stacklevel=3)
            if self.stop_on_divergence:
                self._trained.stop_training = True
                return True
        return False

    def on_train_end(self, logs=None):
        if isinstance(self._trained, ScanSteps):
            self._trained.untrace_norms(_TRACE)

    def on_epoch_end(self, epoch, logs=None):
        self.trace.end_epoch()
        if logs is not None and self.phase is not None:
            logs["phase_id"] = PHASES.index(self.phase)
        if self.verbose and self.phase is not None:
            print(
                f"\nEpoch {epoch + 1}: NINR phase {self.report or self.phase}"
            )


class PhaseTrace:
    """The phase record of one run, fed by whoever watches the training.

    `PhaseMonitor` feeds one from Keras's batch logs; a replica-batched
    sweep feeds one per replica. Records the windowed loss and the norms
    before the first step and whenever a record is due (or the loss is not
    finite), labels the run at the end of every epoch, and words the
    divergence message.
    """

    def __init__(
        self, explosion_factor=EXPLOSION_FACTOR, suggestion=None, **kwargs
    ):
        self.explosion_factor = explosion_factor
        self.suggestion = suggestion
        self.classify_kwargs = kwargs
        self.records = []
        self.phase = None
        self.report = None
        self.message = None
        self.diverged = False
        self._start_loss = None
        self._pending = None
        self._loss = WindowedLoss()

    def begin(self, norms):
        """The norms before the first step."""
        self._pending = norms

    def get_state(self):
        """What the trace holds between epochs, as JSON-able values (a
        non-finite loss or norm stays a float: NaN or infinity)."""

        def plain(record):
            return {
                key: value if isinstance(value, int) else float(value)
                for key, value in record.items()
            }

        return {
            "records": [plain(record) for record in self.records],
            "start_loss": (
                None if self._start_loss is None else float(self._start_loss)
            ),
            "pending": None if self._pending is None else plain(self._pending),
            "diverged": self.diverged,
            "phase": self.phase,
            "message": self.message,
        }

    def set_state(self, state):
        """Become the trace `get_state()` described; the label is computed
        again from the records, as `end_epoch` computed it."""
        self.records = [dict(record) for record in state["records"]]
        self._start_loss = state["start_loss"]
        self._pending = (
            None if state["pending"] is None else dict(state["pending"])
        )
        self.diverged = bool(state["diverged"])
        self.phase = state["phase"]
        self.message = state["message"]
        self.report = None
        if not self.diverged and len(self.records) > 1:
            self.report = classify(self.records, **self.classify_kwargs)

    def begin_epoch(self):
        self._loss.reset()

    def update(self, epoch, step, batch, running_mean, norms_fn, due):
        """Feed one batch's running-mean loss; returns the new record or None.

        `norms_fn()` gives the current norms; it is only called when a
        record is made (every record of a due batch or a non-finite loss).
        """
        loss = running_mean
        if self._pending is not None:
            # The first batch's loss stands in for the loss at the start,
            # recorded with the weights as they were before that step.
            self.records.append(
                {"epoch": 0, "step": 0, "loss": loss, **self._pending}
            )
            self._start_loss = loss
            self._pending = None
        if self.diverged or (not due and math.isfinite(loss)):
            return None
        loss = self._loss.update(batch, running_mean)
        record = {"epoch": epoch, "step": step, "loss": loss}
        record.update(norms_fn())
        self.records.append(record)
        return record

    def diverged_at(self, record):
        """Whether `record` shows divergence (`training_rules.is_divergent`):
        a non-finite loss or NIW norm, or an exploded loss."""
        return is_divergent(
            record["loss"],
            record["niw_norm"],
            self._start_loss,
            self.explosion_factor,
        )

    def stop(self, record, sigmas):
        """Mark the run divergent at `record`; sets `message`."""
        self.diverged = True
        self.phase = "divergent"
        self.report = None
        sigma_text = ", ".join(f"{s:g}" for s in sigmas)
        advice = (
            f"try noise_stddev={self.suggestion:g} (suggested)"
            if self.suggestion is not None
            else f"try a smaller noise_stddev (e.g. {sigmas[0] / 2:g}), or "
            "find the largest safe value with "
            "keras_ninr.phases.suggest_noise_stddev(...)"
        )
        self.message = (
            f"NINR training diverged at epoch {record['epoch'] + 1}, step "
            f"{record['step']} (loss {record['loss']:.4g}, NIW norm "
            f"{record['niw_norm']:.4g}) with noise_stddev={sigma_text}: the "
            "network cannot suppress the Noise Injection Node at this "
            f"sigma_eps (divergent phase, paper Sec. 2.2). {advice}; a "
            "smaller learning rate also moves the boundary up."
        )

    def end_epoch(self):
        """Label the run from the records so far."""
        if not self.diverged and len(self.records) > 1:
            self.report = classify(self.records, **self.classify_kwargs)
            self.phase = self.report.phase
