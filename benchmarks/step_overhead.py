"""Per-step cost of `Model.fit` against a compiled JAX training loop.

A small network trains in steps so short that what `fit` does around each
step (one backend call per step, a NumPy batch moved to the device, the
callbacks) can cost as much as the step. This script times one epoch of
Fashion-MNIST training (SGD, learning rate 0.05, cross-entropy on logits,
batch 128) of two fully connected networks:

- `small`: 784-64-10, where the per-step cost dominates on a CPU;
- `paper`: the paper's FC, 784-1024-1024-1024-10 (Sec. 3, App. A);

each with plain `Dense` layers (`dense`) and with a
`keras_ninr.NoiseInjectionDense` as the first layer (`in_ninr`, the
paper's decay sigma_eps of the FC), through:

- `scan`: the same training written by hand in JAX, one `jax.lax.scan`
  over the epoch's batches in one compiled call, batches already on the
  device: the floor for this model on this machine;
- `arrays`: `fit` on NumPy arrays (`shuffle=False`), with
  `steps_per_execution` 1, 8 and 32;
- `shuffled`: the same with Keras's own shuffling (`shuffle=True`), at the
  kit's N: like the kit's runs, a new order every epoch, so every batch is
  gathered from the whole array (the like-for-like comparison for
  `device`);
- `batches`: `fit` on the kit's NumPy batches in its per-epoch order
  (`EpochBatches`, how a sweep run was fed before issue 15), with
  `steps_per_execution` 1 and the kit's choice
  (`keras_ninr.experiments.execution.steps_per_execution()`);
- `device`: `fit` of the kit's `DeviceDataModel` (images, labels and the
  epoch's order on the device, Keras fed positions in the epoch as a NumPy
  array: how a sweep run is fed now), in the same order, with
  `steps_per_execution` 1 and the kit's choice. This is the kit's path
  since issue 24: on JAX the N steps of a call run in one `jax.lax.scan`
  (`keras_ninr.src.models.scan_steps.ScanSteps`), on TensorFlow in one
  `tf.while_loop` that computes each step's positions in the graph
  (`keras_ninr.src.experiments.execution`);
- `device_keras` (JAX and TensorFlow): the same model with `scan_steps =
  False`, i.e. Keras's own loop (on JAX N calls of the compiled step from
  Python; on TensorFlow a graph loop that pulls each step's batch from a
  `tf.data` iterator): what the kit did before issue 24;
- `device_xla` (TensorFlow only): `device` compiled with
  `jit_compile=True`, which Keras's `"auto"` leaves off on a CPU;
- `tf_loop`, `tf_loop_xla` (TensorFlow only): the scan loop's training
  written by hand in TensorFlow, one `tf.while_loop` per epoch in one
  `tf.function`, without and with XLA (`_tf_loops.WhileLoopTraining`):
  TensorFlow's own floor, what the kit's TensorFlow path could reach
  without Keras's step around the math.

The figure is the ratio of a `fit` epoch to a `scan` epoch, both measured
in this one invocation. The scan loop is JAX code, whatever `KERAS_BACKEND`
is: under TensorFlow or PyTorch it runs in the same process through JAX
directly (not through Keras), so JAX must be installed; without JAX the
ratios are left out. Every variant trains one untimed warm-up epoch
(compilation), then the variants take turns, one epoch each, `--repeats`
rounds, the first variant rotating; the table gives the median epoch.

Run from the repository root (data from `$KERAS_NINR_DATA_DIR` or
`--data-dir`):

    KERAS_BACKEND=jax python benchmarks/step_overhead.py
    KERAS_BACKEND=tensorflow python benchmarks/step_overhead.py \
        --steps-per-execution 1 8 32 128
    KERAS_BACKEND=jax python benchmarks/step_overhead.py --quick --out /tmp/so.md

It prints a Markdown table and replaces this backend's section of
`benchmarks/results/step_overhead.md`. With `--quick` (a smoke run on a
narrow network and 1,024 images) nothing is written unless `--out` is
given.
"""

import argparse
import dataclasses
import gc
import os
import statistics
import time

import keras

import keras_ninr
from keras_ninr import datasets
from keras_ninr.experiments import execution
from keras_ninr.experiments import replicas
from keras_ninr.experiments import zoo

from _benchmark import check_counts
from _benchmark import compile_for_timing
from _benchmark import dense_layer
from _benchmark import fit_epoch
from _benchmark import interleave
from _benchmark import markdown_table
from _benchmark import parse_timing_args
from _benchmark import ResultsFile
from _benchmark import positive_int
from _benchmark import results_section as _section
from _jax_loops import ScanTraining
from _jax_loops import jax_available
from _tf_loops import WhileLoopTraining

INPUT_DIM = 784
NUM_CLASSES = 10
LEARNING_RATE = 0.05
NETWORKS = {"small": (64,), "paper": (1024, 1024, 1024)}
LAYERS = ("dense", "in_ninr")
IN_NINR_NOISE_STDDEV = zoo.noise_preset("fc", "input", "decay")
PIPELINES = (
    "arrays", "shuffled", "batches", "device", "device_keras", "device_xla"
)
ARRAYS_STEPS_PER_EXECUTION = (1, 8, 32)
# TensorFlow's own floor (TensorFlow backend only): the hand-written loop,
# by whether XLA compiles it.
TF_LOOPS = {"tf_loop": False, "tf_loop_xla": True}

DEFAULT_REPEATS = 7
QUICK_REPEATS = 2
QUICK_TRAIN_SIZE = 1024
QUICK_NETWORKS = {"small": (16,)}

_RESULTS_PREAMBLE = """\
# Per-step overhead of `fit` against a compiled JAX loop

Median epoch time of Fashion-MNIST training (SGD lr 0.05, batch 128) of a
784-64-10 FC and of the paper's 784-1024-1024-1024-10 FC, plain `Dense`
and in-NINR, through a hand-written JAX loop (one `jax.lax.scan` per
epoch), through `fit` on NumPy arrays with `steps_per_execution` 1, 8, 32 (and
shuffled by Keras at the kit's N), through `fit` on the kit's NumPy
batches (`EpochBatches`) and through `fit` of the kit's `DeviceDataModel`
(images on the device), each with `steps_per_execution` 1 and the kit's
choice; the kit's `DeviceDataModel` runs a call's N steps in one
`jax.lax.scan` on JAX and in one `tf.while_loop` over positions on
TensorFlow (issue 24), and the same model on Keras's own loop is timed
beside it (and, on TensorFlow, compiled by XLA, and the training written
by hand as a `tf.while_loop`, TensorFlow's own floor).
Written by `benchmarks/step_overhead.py`, one section per Keras backend;
rerunning the script on a backend replaces that backend's section only.
"""
RESULTS = ResultsFile(__file__, _RESULTS_PREAMBLE)
update_results_file = RESULTS.update


def load_fashion_mnist(data_dir=None, train_size=None, batch_size=128):
    """Fashion-MNIST training images as `(N, 784)` float32 pixels in [0, 1]
    and int32 labels, cut to whole batches (a partial last batch would be
    compiled again), of the first `train_size` images if given."""
    (x, y), _ = datasets.load("fashion_mnist", data_dir=data_dir)
    if train_size is not None:
        x, y = x[:train_size], y[:train_size]
    count = (len(x) // batch_size) * batch_size
    if count == 0:
        raise ValueError(
            f"Expected at least one batch of {batch_size} images. Received: "
            f"train_size={train_size!r}"
        )
    x = datasets.scale_pixels(x[:count]).reshape(count, -1)
    return x.astype("float32"), y[:count].astype("int32")


def build_network(hidden_units, layers="dense", seed=0):
    """An FC network on flat pixels: ReLU hidden layers, logits out.

    Args:
        hidden_units: Widths of the hidden layers.
        layers: `"dense"` (all `keras.layers.Dense`) or `"in_ninr"` (the
            first a `keras_ninr.NoiseInjectionDense`, sigma_eps 51.8).
        seed: Int, seed of the kernels and the noise.
    """
    if layers not in LAYERS:
        raise ValueError(
            f"Unrecognized `layers`. Expected one of {LAYERS}. "
            f"Received: layers={layers!r}"
        )
    widths = list(hidden_units) + [NUM_CLASSES]
    stack = [keras.Input((INPUT_DIM,))]
    for index, width in enumerate(widths):
        activation = "relu" if index < len(hidden_units) else None
        if layers == "in_ninr" and index == 0:
            stack.append(
                keras_ninr.NoiseInjectionDense(
                    width,
                    noise_stddev=IN_NINR_NOISE_STDDEV,
                    activation=activation,
                    seed=seed,
                )
            )
        else:
            stack.append(dense_layer(width, activation, seed + index))
    return keras.Sequential(stack, name=f"fc_{layers}")


def compile_network(model, steps_per_execution=1, **compile_kwargs):
    """SGD(0.05) on cross-entropy from logits, no metrics: the timed step is
    the training step and nothing else."""
    return compile_for_timing(
        model,
        LEARNING_RATE,
        steps_per_execution=steps_per_execution,
        **compile_kwargs,
    )


def _numpy(variable):
    return keras.ops.convert_to_numpy(variable)


def network_parameters(model):
    """The weights of `model` by layer, for `scan_training`: a list of
    dicts with `kernel`, `bias` and, for a NIN layer, `noise_kernel`."""
    parameters = []
    for layer in model.layers:
        entry = {"kernel": _numpy(layer.kernel), "bias": _numpy(layer.bias)}
        if isinstance(layer, keras_ninr.NoiseInjectionDense):
            entry["noise_kernel"] = _numpy(layer.noise_kernel)
        parameters.append(entry)
    return parameters


@dataclasses.dataclass
class StepOverheadResult:
    """Timings of `time_step_overhead`, with the settings that produced them.

    Attributes:
        seconds: Dict from `(network, layers, variant)` to a list of epoch
            wall times in seconds, one per timed epoch. `variant` is
            `"scan"` or `"<pipeline>/<steps_per_execution>"`, a pipeline of
            `PIPELINES`.
        cpu_seconds: The same for the CPU time of this process (all its
            threads): other jobs sharing the machine change it less than
            the wall time.
        networks: Dict from network name to its hidden widths.
        layers: The layer kinds timed.
        batch_size, train_size, repeats, seed: The settings.
        chosen_steps_per_execution: The kit's choice on this backend and
            device (`execution.steps_per_execution()`).
        skipped: Dict from variant to why it did not run (e.g. PyTorch
            allows `steps_per_execution=1` only).
        load_average: The 1-minute load average at the start and at the
            end (`None` where the OS gives none).
    """

    seconds: dict
    cpu_seconds: dict
    networks: dict
    layers: tuple
    batch_size: int
    train_size: int
    repeats: int
    seed: int
    chosen_steps_per_execution: int
    skipped: dict
    load_average: tuple

    def median(self, network, layers, variant, cpu=False):
        """Median epoch time in seconds (CPU time with `cpu=True`)."""
        times = self.cpu_seconds if cpu else self.seconds
        return statistics.median(times[(network, layers, variant)])

    def ratio(self, network, layers, variant, cpu=False):
        """Median epoch time of `variant` over that of `scan`, or `None`
        without a scan."""
        if (network, layers, "scan") not in self.seconds:
            return None
        return self.median(network, layers, variant, cpu) / self.median(
            network, layers, "scan", cpu
        )

    def variants(self, network, layers):
        """The variants timed for a network and layer kind, in order."""
        return [v for (n, l, v) in self.seconds if (n, l) == (network, layers)]


def _load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def time_step_overhead(
    x,
    y,
    *,
    networks=None,
    layers=LAYERS,
    pipelines=None,
    batch_size=128,
    repeats=DEFAULT_REPEATS,
    seed=0,
    scan=True,
    hand_tf=None,
    on_epoch_timed=None,
):
    """Time epochs of `fit` and of the JAX scan loop, side by side.

    Args:
        x, y: Training data: `(N, 784)` float32 pixels and int32 labels,
            `N` a multiple of `batch_size`.
        networks: Dict from a name to hidden widths. Defaults to
            `NETWORKS` (784-64-10 and the paper's FC).
        layers: Some of `LAYERS`. Defaults to both.
        pipelines: Dict from a pipeline of `PIPELINES` to the
            `steps_per_execution` values to time it with. Defaults to
            `None`: `arrays` with 1, 8 and 32, `shuffled` with the kit's
            choice, `batches` and `device` with 1 and the kit's choice,
            `device_keras` with the kit's choice.
        batch_size: Int. Defaults to `128`.
        repeats: Timed epochs per variant. Defaults to `7`.
        seed: Seed of the weights, the noise and the kit's epoch order.
            Defaults to `0`.
        scan: Whether to time the JAX scan loop (needs JAX). Defaults to
            `True`.
        hand_tf: Whether to time the hand-written TensorFlow loops
            (`TF_LOOPS`, TensorFlow backend only). Defaults to `None`:
            under the TensorFlow backend.
        on_epoch_timed: Optional callable `(repeat, key, seconds)` called
            after each timed epoch, to show progress.

    Returns:
        A `StepOverheadResult`.
    """
    networks = dict(NETWORKS if networks is None else networks)
    layers = tuple(layers)
    for kind in layers:
        if kind not in LAYERS:
            raise ValueError(
                f"Unrecognized `layers`. Expected some of {LAYERS}. "
                f"Received: layers={layers!r}"
            )
    check_counts(batch_size=batch_size, repeats=repeats)
    chosen = execution.steps_per_execution()
    if pipelines is None:
        kit = tuple(sorted({1, chosen}))
        pipelines = {
            "arrays": ARRAYS_STEPS_PER_EXECUTION,
            "shuffled": (chosen,),
            "batches": kit,
            "device": kit,
            "device_keras": (chosen,),
            "device_xla": (chosen,),
        }
    skipped = {}
    variants = []
    for prefix, values in pipelines.items():
        if prefix not in PIPELINES:
            raise ValueError(
                f"Unrecognized pipeline. Expected some of {PIPELINES}. "
                f"Received: pipelines={pipelines!r}"
            )
        for value in values:
            check_counts(steps_per_execution=value)
            variant = f"{prefix}/{value}"
            if prefix == "device_xla" and keras.backend.backend() != (
                "tensorflow"
            ):
                skipped[variant] = "XLA is the kit's choice on JAX already"
            elif value > 1 and keras.backend.backend() == "torch":
                skipped[variant] = "Keras allows steps_per_execution=1 only"
            else:
                variants.append(variant)
    if len(x) % batch_size or len(x) == 0 or len(x) != len(y):
        raise ValueError(
            "Expected `x` and `y` of the same length, a positive multiple of "
            f"`batch_size`. Received: {len(x)} and {len(y)} samples, "
            f"batch_size={batch_size}"
        )
    if hand_tf is None:
        hand_tf = keras.backend.backend() == "tensorflow"
    elif hand_tf and keras.backend.backend() != "tensorflow":
        raise ValueError(
            "Expected `hand_tf` only under the TensorFlow backend. Received: "
            f"hand_tf={hand_tf!r} with backend {keras.backend.backend()!r}"
        )
    if scan and not jax_available():
        skipped["scan"] = "JAX is not installed"
        scan = False

    load_start = _load_average()
    seconds, cpu_seconds = {}, {}
    for network, hidden_units in networks.items():
        for kind in layers:
            def report(repeat, variant, value, key=(network, kind)):
                if on_epoch_timed is not None:
                    on_epoch_timed(repeat, (*key, variant), value)

            group = _time_group(
                x, y, hidden_units, kind, variants, scan, hand_tf,
                batch_size, repeats, seed, report,
            )
            for variant, (values, cpu_values) in group.items():
                seconds[(network, kind, variant)] = values
                cpu_seconds[(network, kind, variant)] = cpu_values
    return StepOverheadResult(
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        networks=networks,
        layers=layers,
        batch_size=batch_size,
        train_size=len(x),
        repeats=repeats,
        seed=seed,
        load_average=(load_start, _load_average()),
        chosen_steps_per_execution=chosen,
        skipped=skipped,
    )


def _time_group(
    x, y, hidden_units, kind, variants, scan, hand_tf, batch_size, repeats,
    seed, on_epoch_timed,
):
    """Epoch times of every variant of one network and layer kind."""
    keras.utils.clear_session()
    runners = {}

    def build():
        # The NIN's kernel starts from Keras's global seed generator.
        keras.utils.set_random_seed(seed)
        return build_network(hidden_units, kind, seed)

    if scan:
        initial = network_parameters(build())
        scan_training = ScanTraining(
            initial, x, y, batch_size, IN_NINR_NOISE_STDDEV, LEARNING_RATE,
            seed=seed,
        )

        runners["scan"] = _timed(scan_training.train_epoch)
    if hand_tf:
        initial = network_parameters(build())
        for name, jit in TF_LOOPS.items():
            loop = WhileLoopTraining(
                initial, x, y, batch_size, IN_NINR_NOISE_STDDEV,
                LEARNING_RATE, jit_compile=jit, seed=seed,
            )
            runners[name] = _timed(loop.train_epoch)
    for variant in variants:
        prefix, value = variant.split("/")
        model = build()
        if prefix in ("arrays", "shuffled"):
            runners[variant] = _fit_runner(
                compile_network(model, int(value)),
                dict(
                    x=x, y=y, batch_size=batch_size,
                    shuffle=prefix == "shuffled",
                ),
            )
        elif prefix == "batches":
            runners[variant] = _fit_runner(
                compile_network(model, int(value)),
                dict(x=replicas.EpochBatches(x, y, batch_size, seed)),
            )
        else:
            device_model = execution.DeviceDataModel(model, x, y, seed)
            # `device_keras`: Keras's own loop, as before issue 24.
            device_model.scan_steps = prefix != "device_keras"
            # `device_xla`: the kit's TensorFlow loop compiled by XLA,
            # which Keras leaves off on a CPU (`jit_compile="auto"`).
            jit = {"jit_compile": True} if prefix == "device_xla" else {}
            runners[variant] = _fit_runner(
                compile_network(device_model, int(value), **jit),
                dict(batch_size=batch_size),
            )

    times = interleave(
        runners,
        repeats,
        lambda repeat, name, value: on_epoch_timed(repeat, name, value[0]),
    )
    return {
        name: ([wall for wall, _ in rounds], [cpu for _, cpu in rounds])
        for name, rounds in times.items()
    }


def _timed(train_epoch):
    """A runner of a hand-written loop: `(wall, CPU)` seconds of an epoch."""

    def run():
        gc.collect()
        start, cpu_start = time.perf_counter(), time.process_time()
        train_epoch()
        return time.perf_counter() - start, time.process_time() - cpu_start

    return run


def _fit_runner(model, data):
    # Unshuffled unless asked (`DeviceDataModel` orders its data itself).
    if not isinstance(model, execution.DeviceDataModel):
        data = {"shuffle": False, **data}
    return lambda: fit_epoch(model, data)


def _describe(variant):
    if variant == "scan":
        return "JAX `lax.scan` loop", "-"
    if variant in TF_LOOPS:
        compiled = " compiled by XLA" if TF_LOOPS[variant] else ""
        return f"TensorFlow `tf.while_loop`, by hand{compiled}", "-"
    prefix, value = variant.split("/")
    pipeline = {
        "arrays": "`fit`, NumPy arrays",
        "shuffled": "`fit`, NumPy arrays shuffled by Keras",
        "batches": "`fit`, `EpochBatches`",
        "device": "`fit`, `DeviceDataModel`",
        "device_keras": (
            "`fit`, `DeviceDataModel`, Keras's own loop (N calls of the step)"
        ),
        "device_xla": "`fit`, `DeviceDataModel`, loop compiled by XLA",
    }[prefix]
    return pipeline, value


def _widths(hidden_units):
    return "-".join(str(w) for w in (INPUT_DIM, *hidden_units, NUM_CLASSES))


def format_table(result):
    """Markdown table: network, layers, pipeline, steps per execution,
    median wall s/epoch and its ratio to the scan loop, and the same for
    the CPU time."""
    rows = []
    for network, hidden_units in result.networks.items():
        for kind in result.layers:
            for variant in result.variants(network, kind):
                pipeline, value = _describe(variant)
                if value == str(result.chosen_steps_per_execution):
                    value += " (kit)"
                cells = [_widths(hidden_units), kind, pipeline, value]
                for cpu in (False, True):
                    ratio = result.ratio(network, kind, variant, cpu)
                    cells.append(
                        f"{result.median(network, kind, variant, cpu):.4g}"
                    )
                    cells.append("-" if ratio is None else f"{ratio:.2f}")
                rows.append(cells)
    return markdown_table(
        (
            "network",
            "layers",
            "pipeline",
            "steps_per_execution",
            "s/epoch",
            "ratio to scan",
            "CPU s/epoch",
            "CPU ratio to scan",
        ),
        rows,
        right=(3, 4, 5, 6, 7),
    )


def results_section(result, command, date=None):
    """The Markdown section of `benchmarks/results/step_overhead.md` for the
    backend (and accelerator) that produced `result` with `command`."""
    start, end = result.load_average
    load = (
        "not available"
        if start is None
        else f"{start:.2f} at the start, {end:.2f} at the end"
    )
    skipped = "".join(
        f"; {variant} not run: {why}" for variant, why in result.skipped.items()
    )
    settings = (
        f"Fashion-MNIST, {result.train_size} training images "
        f"({result.train_size // result.batch_size} steps of "
        f"{result.batch_size}), SGD lr {LEARNING_RATE}, median of "
        f"{result.repeats} timed epochs per variant (one warm-up epoch each, "
        "then the variants interleaved round-robin; wall time, and CPU time "
        "of this process), seed "
        f"{result.seed}; the kit's steps_per_execution here: "
        f"{result.chosen_steps_per_execution}; the scan loop runs through "
        f"JAX in this process; 1-minute load average {load} "
        f"({os.cpu_count()} CPUs){skipped}"
    )
    return _section(command, settings, format_table(result), date=date)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Time an epoch of fit (steps_per_execution 1, 8, 32; "
        "NumPy arrays and the kit's DeviceDataModel) against a compiled JAX "
        "scan loop, on the backend that KERAS_BACKEND selects."
    )
    parser.add_argument(
        "--networks",
        nargs="+",
        choices=list(NETWORKS),
        help="networks to time (default: all; small with --quick)",
    )
    parser.add_argument(
        "--layers", nargs="+", choices=list(LAYERS), default=list(LAYERS)
    )
    parser.add_argument(
        "--steps-per-execution",
        nargs="+",
        type=positive_int,
        default=list(ARRAYS_STEPS_PER_EXECUTION),
        help="values for fit on NumPy arrays (default: 1 8 32)",
    )
    parser.add_argument(
        "--kit-steps-per-execution",
        nargs="+",
        type=positive_int,
        help="values for fit on EpochBatches and of DeviceDataModel "
        "(default: 1 and the kit's choice); the shuffled arrays and "
        "Keras's own loop (device_keras) take the largest",
    )
    parser.add_argument(
        "--train-size",
        type=positive_int,
        help="training images (default: all 60,000, cut to whole batches; "
        f"{QUICK_TRAIN_SIZE} with --quick)",
    )
    parser.add_argument("--batch-size", type=positive_int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data-dir", help="folder of fashion-mnist/ (default: the loader's)"
    )
    return parse_timing_args(
        parser, argv, RESULTS, (DEFAULT_REPEATS, QUICK_REPEATS),
        quick_help="smoke run: a 784-16-10 network, 1,024 images, 2 rounds",
    )


def main(argv=None):
    argv, args = parse_args(argv)
    networks = QUICK_NETWORKS if args.quick else NETWORKS
    if args.networks:
        networks = {name: networks.get(name, NETWORKS[name]) for name in args.networks}
    train_size = args.train_size or (QUICK_TRAIN_SIZE if args.quick else None)
    x, y = load_fashion_mnist(args.data_dir, train_size, args.batch_size)
    kit = args.kit_steps_per_execution or sorted(
        {1, execution.steps_per_execution()}
    )
    backend = keras.backend.backend()
    print(
        f"{backend}: {len(x)} images, {args.repeats} timed epochs per variant",
        flush=True,
    )

    def show_progress(repeat, key, seconds):
        network, kind, variant = key
        print(
            f"  round {repeat + 1}/{args.repeats} {network} {kind} {variant}: "
            f"{seconds:.4g} s/epoch",
            flush=True,
        )

    result = time_step_overhead(
        x,
        y,
        networks=networks,
        layers=args.layers,
        pipelines=dict(
            arrays=args.steps_per_execution,
            shuffled=[max(kit)],
            batches=kit,
            device=kit,
            device_keras=[max(kit)],
            device_xla=[max(kit)],
        ),
        batch_size=args.batch_size,
        repeats=args.repeats,
        seed=args.seed,
        on_epoch_timed=show_progress,
    )
    print(format_table(result))
    RESULTS.write(args, argv, lambda command: results_section(result, command))
    return result


if __name__ == "__main__":
    main()
