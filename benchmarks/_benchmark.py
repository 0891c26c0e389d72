"""What the benchmark scripts share: timing, flags and their results files.

Not part of the library (which never parses flags or times itself): a
helper for the scripts in this folder, imported as `_benchmark` since
Python puts the script's folder first on the path. Every results section
names the backend, the machine (`keras_ninr.experiments.provenance`), the
date and the exact command, one section per backend and accelerator.
"""

import argparse
import datetime
import gc
import pathlib
import shlex
import sys
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


def compile_for_timing(model, learning_rate, **compile_kwargs):
    """Compile `model` as the paper trains: SGD at `learning_rate` on
    cross-entropy from logits. No metrics, so the timed step is the training
    step and nothing else; `compile_kwargs` go to `Model.compile`."""
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        **compile_kwargs,
    )
    return model


def dense_layer(width, activation, seed):
    """A `keras.layers.Dense` whose kernel starts from `seed`."""
    return keras.layers.Dense(
        width,
        activation=activation,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
    )


def check_counts(**counts):
    """Raise Keras's `ValueError` naming every count that is not a positive
    integer."""
    wrong = [
        f"{name}={value!r}"
        for name, value in counts.items()
        if isinstance(value, bool) or not isinstance(value, int) or value < 1
    ]
    if wrong:
        raise ValueError(
            f"Expected {', '.join(f'`{n}`' for n in counts)} to be positive "
            f"integers. Received: {', '.join(wrong)}"
        )


def interleave(runners, repeats, on_timed):
    """Run each of `runners` (name -> callable) once untimed (compilation),
    then all of them `repeats` rounds, the first rotating every round, so
    that slow drift of the machine and the position in a round affect all
    alike. Calls `on_timed(repeat, name, value)` with each timed run's
    value, and returns `{name: [value of each round]}`."""
    names = list(runners)
    for name in names:
        runners[name]()
    values = {name: [] for name in names}
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            value = runners[name]()
            values[name].append(value)
            on_timed(repeat, name, value)
    return values


def fit_epoch(model, data):
    """Wall and CPU seconds of one `model.fit(**data)` epoch, silent."""
    timer = EpochTimer()
    gc.collect()  # Now, so that the collector does not run in the timing.
    model.fit(**data, epochs=1, verbose=0, callbacks=[timer])
    return timer.seconds[0], timer.cpu_seconds[0]


def positive_int(text):
    """An `argparse` type: a positive integer."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer: {text}")
    return value


class ResultsFile:
    """The Markdown results file of a benchmark script: `results/<name>.md`
    beside the script, one section per backend (and accelerator).

    Args:
        script: Path of the script (its `__file__`).
        preamble: The text a new file starts with.
    """

    def __init__(self, script, preamble):
        script = pathlib.Path(script).resolve()
        self.script = script.name
        self.default_path = script.parent / "results" / f"{script.stem}.md"
        self.preamble = preamble

    def update(self, path, section):
        """Write `section` into `path`, replacing the section of its
        heading."""
        provenance.update_markdown_section(path, section, self.preamble)

    def write(self, args, argv, section_of):
        """Unless a `--quick` run names no `--out`, write the section that
        `section_of(command)` gives for the command that ran the script with
        `argv` into `args.out`, else into the default file."""
        out = args.out
        if out is None and not args.quick:
            out = self.default_path
        if out is not None:
            self.update(out, section_of(command_line(self.script, argv)))
            print(f"Wrote the {keras.backend.backend()} section of {out}")


def parse_timing_args(parser, argv, results, repeats, quick_help):
    """Add `--repeats`, `--out` and `--quick` to `parser` and parse `argv`.

    Args:
        parser: The script's `argparse.ArgumentParser`, with its own
            arguments.
        argv: The arguments, or `None` for the command line's.
        results: The script's `ResultsFile`.
        repeats: `(default, with --quick)` timed epochs per variant.
        quick_help: What `--quick` does.

    Returns:
        `(argv, args)`: the arguments as a list and as parsed, with
        `args.repeats` filled in where it is not given.
    """
    default_repeats, quick_repeats = repeats
    parser.add_argument(
        "--repeats",
        type=positive_int,
        help=f"timed epochs per variant (default {default_repeats}; "
        f"{quick_repeats} with --quick)",
    )
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        help="Markdown file whose section for this backend is replaced "
        f"(default: benchmarks/results/{results.default_path.name}; with "
        "--quick, nothing is written unless --out is given)",
    )
    parser.add_argument("--quick", action="store_true", help=quick_help)
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = quick_repeats if args.quick else default_repeats
    return argv, args


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
