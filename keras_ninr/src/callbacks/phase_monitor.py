"""`PhaseMonitor`: the NINR phase of a run, online, and a stop on divergence."""

import math
import warnings

import keras

from keras_ninr.src.phases.classify import classify
from keras_ninr.src.phases.windowed_loss import WindowedLoss
from keras_ninr.src.utils import combined_norms
from keras_ninr.src.utils import find_noise_layers
from keras_ninr.src.utils import next_weight_layer


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

    def __init__(
        self,
        every_n_batches=10,
        explosion_factor=100.0,
        stop_on_divergence=True,
        suggestion=None,
        verbose=0,
        **classify_kwargs,
    ):
        super().__init__()
        if (
            isinstance(every_n_batches, bool)
            or not isinstance(every_n_batches, int)
            or every_n_batches < 1
        ):
            raise ValueError(
                "Expected `every_n_batches` to be a positive integer. "
                f"Received: every_n_batches={every_n_batches!r}"
            )
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

    def on_train_begin(self, logs=None):
        model = self.model
        self._layers = find_noise_layers(model)
        if not self._layers:
            raise ValueError(
                "PhaseMonitor found no Noise Injection Node in the model. "
                f"Received: model={model.name!r}"
            )
        self._following = [next_weight_layer(model, l) for l in self._layers]
        self.records = []
        self.phase = None
        self.report = None
        self.message = None
        self.diverged = False
        self._epoch = 0
        self._step = 0
        self._start_loss = None
        self._loss = WindowedLoss()
        self._pending = self._norms()  # Before the first step.

    def _norms(self):
        self.model  # On JAX, syncs the training state into the variables.
        return combined_norms(self._layers, self._following)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._loss.reset()

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        running_mean = float((logs or {}).get("loss", math.nan))
        loss = running_mean
        if self._pending is not None:
            # The first batch's loss stands in for the loss at the start,
            # recorded with the weights as they were before that step.
            self.records.append(
                {"epoch": 0, "step": 0, "loss": loss, **self._pending}
            )
            self._start_loss = loss
            self._pending = None
        if self._step % self.every_n_batches and math.isfinite(loss):
            return
        loss = self._loss.update(batch, running_mean)
        record = {"epoch": self._epoch, "step": self._step, "loss": loss}
        record.update(self._norms())
        self.records.append(record)
        if not self.diverged and self._diverging(record):
            self._stop(record)

    def _diverging(self, record):
        values = (record["loss"], record["niw_norm"])
        if not all(math.isfinite(v) for v in values):
            return True
        start = self._start_loss
        return (
            start is not None
            and start > 0
            and record["loss"] > self.explosion_factor * start
        )

    def _stop(self, record):
        self.diverged = True
        self.phase = "divergent"
        sigmas = sorted({layer.noise_stddev for layer in self._layers})
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
        if self.stop_on_divergence:
            self.model.stop_training = True
        warnings.warn(self.message, RuntimeWarning, stacklevel=2)

    def on_epoch_end(self, epoch, logs=None):
        if not self.diverged and len(self.records) > 1:
            self.report = classify(self.records, **self.classify_kwargs)
            self.phase = self.report.phase
        elif self.diverged:
            self.report = None
        if logs is not None and self.phase is not None:
            from keras_ninr.src.phases.classify import PHASES

            logs["phase_id"] = PHASES.index(self.phase)
        if self.verbose and self.phase is not None:
            print(f"\nEpoch {epoch + 1}: NINR phase {self.report or self.phase}")
