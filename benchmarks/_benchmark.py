"""What the benchmark scripts share: epoch timing and their results files.

Not part of the library (which never parses flags or times itself): a
helper for the scripts in this folder, imported as `_benchmark` since
Python puts the script's folder first on the path. Every results section
names the backend, the machine (`keras_ninr.experiments.provenance`), the
date and the exact command, one section per backend and accelerator.
"""

import argparse
import datetime
import shlex
import time

import keras
from keras import ops

from keras_ninr.experiments import provenance


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch, up to the end of its last training step.

    `seconds` holds one entry per epoch of the last `fit`; `cpu_seconds`
    the CPU time this process spent in it (all its threads), which other
    jobs on the machine change less than the wall time.
    """

    def on_train_begin(self, logs=None):
        self.seconds = []
        self.cpu_seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._cpu_start = time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        # JAX and TensorFlow return before a step has run; reading a variable
        # the last step wrote waits for it, so the epoch's steps all count.
        ops.convert_to_numpy(self.model.optimizer.iterations.value)
        self.seconds.append(time.perf_counter() - self._start)
        self.cpu_seconds.append(time.process_time() - self._cpu_start)


def positive_int(text):
    """An `argparse` type: a positive integer."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer: {text}")
    return value


def command_line(script, argv):
    """The command that ran `benchmarks/<script>` with `argv` here."""
    return (
        f"KERAS_BACKEND={keras.backend.backend()} python benchmarks/{script} "
        f"{shlex.join(argv)}"
    ).strip()


def markdown_table(header, rows, right=()):
    """A Markdown table; the columns whose indices are in `right` are
    right-aligned (numbers)."""
    rule = ["---:" if index in right else "---" for index in range(len(header))]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(map(str, line)) + " |" for line in lines)


def results_section(command, settings, table, heading_suffix="", date=None):
    """The Markdown section of this backend (and accelerator) in a results
    file: machine, versions, date, command, settings, then `table`.

    `date` defaults to now, in UTC.
    """
    if date is None:
        date = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        )
    heading = f"## Backend: {keras.backend.backend()}"
    machine = provenance.machine_description()
    accelerator = provenance.accelerator_description()
    if accelerator:
        heading += f" on {accelerator}"
        machine = f"{accelerator}; host {machine}"
    return "\n".join(
        [
            heading + heading_suffix,
            "",
            f"- Machine: {machine}",
            f"- Versions: {provenance.library_versions()}",
            f"- Date: {date}",
            f"- Command: `{command}`",
            f"- Settings: {settings}",
            "",
            table,
        ]
    )
