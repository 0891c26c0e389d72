"""What a sweep shows while it trains: runs done, and each run's epochs.

`SweepProgress` is told every step of `run_sweep`; `ConsoleProgress`, the
default (`progress=True`, like Keras's `verbose=1`), prints a line per run
and draws the run's epochs with `keras.utils.Progbar`, the bar `model.fit`
draws, counting epochs instead of steps.
"""

import contextlib
import sys
import time

import keras

from keras_ninr.src.experiments.sweep.checks import finite_or_none

# The logs a run's progress bar shows, as they come, not averaged.
_SHOWN_LOGS = ("loss", "accuracy", "niw_norm")


class SweepProgress:
    """Receives the progress of `run_sweep`; override what you need.

    `index` counts configs from 1 in sweep order; `done` is the number of
    configs whose record is in the results file (written by this sweep or
    by another one writing the same file). Runs trained together as
    replicas each begin, then share their epochs (the mean logs of the
    replicas still training, and `replicas_training`), then each end.
    """

    def on_sweep_begin(self, total, done):
        pass

    def on_run_begin(self, index, total, config):
        pass

    def on_epoch_end(self, epoch, epochs, logs):
        pass

    def on_run_end(self, index, total, done, record):
        pass

    def on_run_left_to_other_sweep(self, index, total, config):
        """Called at the end for each run that another process claimed
        and had not finished: it is left to that process."""

    def on_sweep_end(self, total, done):
        pass


class ConsoleProgress(SweepProgress):
    """Prints runs done / total, and the epochs of the run training.

    A line per run as it begins and as it ends; in between, a
    `keras.utils.Progbar` of its epochs (loss, accuracy, NIW norm). On a
    terminal the bar is redrawn every epoch; elsewhere (a log file) it is
    written once, as the run ends, as Keras's `verbose=2` does.

    Args:
        stream: A text stream. Defaults to `sys.stdout` at each write.
        verbose: `"auto"`, `1` (a bar redrawn every epoch) or `2` (a line
            per run). `"auto"` is `1` on a terminal, else `2`. Defaults
            to `"auto"`.
    """

    def __init__(self, stream=None, verbose="auto"):
        if verbose not in ("auto", 1, 2):
            raise ValueError(
                "Expected `verbose` to be 'auto', 1 or 2. Received: "
                f"verbose={verbose!r}"
            )
        self.stream = stream
        self.verbose = verbose
        self._bar = None

    @property
    def _stream(self):
        return self.stream or sys.stdout

    def _write(self, text):
        self._stream.write(text + "\n")
        self._stream.flush()

    def _bar_verbose(self):
        if self.verbose != "auto":
            return self.verbose
        isatty = getattr(self._stream, "isatty", None)
        return 1 if isatty and isatty() else 2

    @contextlib.contextmanager
    def _to_stream(self):
        # `Progbar` writes to `sys.stdout`.
        if self.stream is None:
            yield
        else:
            with contextlib.redirect_stdout(self.stream):
                yield

    def on_sweep_begin(self, total, done):
        self._start = time.time()
        self._done = done
        self._left = 0
        self._write(
            f"Sweep: {total} runs, {done} already in the results file, "
            f"{total - done} to train."
        )

    def on_run_begin(self, index, total, config):
        self._end_bar()
        self._write(
            f"[{self._done}/{total} done] run {index}: {config.dataset} "
            f"{config.architecture} {config.method_label}, seed {config.seed}"
        )
        # Replicas begin one after the other and share the last one's bar.
        self._start_bar(config.epochs)

    def _start_bar(self, epochs):
        self._bar = keras.utils.Progbar(
            epochs,
            verbose=self._bar_verbose(),
            stateless_metrics=(),  # Epoch logs, shown as they come.
            unit_name="epoch",
        )
        self._epochs = 0

    def on_epoch_end(self, epoch, epochs, logs):
        if self._bar is None:
            self._start_bar(epochs)
        values = []
        for key in _SHOWN_LOGS:
            if key in logs:
                value = finite_or_none(logs[key])
                values.append((key, float("nan") if value is None else value))
        self._epochs = epoch + 1
        with self._to_stream():
            self._bar.update(self._epochs, values)

    def _end_bar(self):
        """Finish the bar of a run stopped before its epoch cap."""
        if self._bar is not None and 0 < self._epochs < self._bar.target:
            with self._to_stream():
                self._bar.update(self._epochs, finalize=True)
        self._bar = None

    def on_run_end(self, index, total, done, record):
        self._end_bar()
        self._done = done
        evaluations = record["evaluations"]
        parts = [record["status"], f"{record['epochs_run']} epochs"]
        for epochs in record.get("resumed_at_epochs", ()):
            parts.append(f"resumed after epoch {epochs}")
        if "clean" in evaluations:
            parts.append(f"clean accuracy {evaluations['clean']:.4f}")
        curve = evaluations.get("corruption_curve")
        if curve and 0.4 in curve["sigma_noise"]:
            accuracy = curve["accuracy"][curve["sigma_noise"].index(0.4)]
            parts.append(f"at sigma_noise 0.4 {accuracy:.4f}")
        parts.append(f"{record['timings']['total_s']:.0f} s")
        self._write(f"    {', '.join(parts)} [{done}/{total} done]")

    def on_run_left_to_other_sweep(self, index, total, config):
        self._left += 1
        self._write(
            f"run {index}: {config.dataset} {config.architecture} "
            f"{config.method_label}, seed {config.seed}: left to another "
            "sweep, which is training it into the same results file."
        )

    def on_sweep_end(self, total, done):
        self._end_bar()
        left = f", {self._left} left to another sweep" if self._left else ""
        self._write(
            f"Sweep: {done}/{total} runs in the results file{left} "
            f"({time.time() - self._start:.0f} s)."
        )


def as_progress(progress):
    """The `SweepProgress` of `run_sweep`'s `progress` argument."""
    if progress is True:
        return ConsoleProgress()
    if progress is None or progress is False:
        return SweepProgress()
    if isinstance(progress, SweepProgress):
        return progress
    raise ValueError(
        "Expected `progress` to be True, False, None or a SweepProgress. "
        f"Received: progress={progress!r}"
    )


class EpochRelay(keras.callbacks.Callback):
    """Tells a sweep's progress the end of each epoch."""

    def __init__(self, progress, epochs):
        super().__init__()
        self.progress = progress
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if self.progress is not None:
            logs = {
                key: finite_or_none(value)
                for key, value in (logs or {}).items()
            }
            self.progress.on_epoch_end(epoch, self.epochs, logs)
