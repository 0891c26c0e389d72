"""Training-step overhead of NINR layers against plain `keras.layers.Dense`.

Times `model.fit` on the paper's fully connected network (Sec. 3, App. A:
784-1024-1024-1024-10, ReLU, logits into sparse categorical cross-entropy,
SGD with learning rate 0.05, batch 128) in four variants, on the backend
that `KERAS_BACKEND` selects:

- `dense`: all four layers `keras.layers.Dense` (the baseline);
- `in_ninr`: the first hidden layer a `keras_ninr.NoiseInjectionDense`
  (in-NINR, sigma_eps = 51.8), the others `Dense`;
- `full_ninr`: all four layers `NoiseInjectionDense` (full-NINR,
  sigma_eps = 16.4);
- `gaussian_noise`: `keras.layers.GaussianNoise(stddev=1.0)` on the input,
  then `Dense` layers (independent noise per pixel, for comparison).

Run from the repository root:

    KERAS_BACKEND=jax python benchmarks/overhead.py
    KERAS_BACKEND=torch python benchmarks/overhead.py --quick --out /tmp/ov.md

It prints a Markdown table and replaces this backend's section of
`benchmarks/results/overhead.md`, keeping the other backends' sections. With
`--quick` (a smoke run of a few steps) nothing is written unless `--out` is
given.
"""

import argparse
import dataclasses
import statistics

import keras
import numpy as np

import keras_ninr
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

INPUT_DIM = 784
HIDDEN_UNITS = (1024, 1024, 1024)
NUM_CLASSES = 10
LEARNING_RATE = 0.05
# The paper's decay sigma_eps of the FC (Fig. 2 caption).
IN_NINR_NOISE_STDDEV = zoo.noise_preset("fc", "input", "decay")
FULL_NINR_NOISE_STDDEV = zoo.noise_preset("fc", "full", "decay")
GAUSSIAN_NOISE_STDDEV = 1.0

VARIANTS = {
    "dense": "Dense x4 (baseline)",
    "in_ninr": (
        f"NoiseInjectionDense first hidden layer, "
        f"sigma_eps={IN_NINR_NOISE_STDDEV} (in-NINR)"
    ),
    "full_ninr": (
        f"NoiseInjectionDense x4, sigma_eps={FULL_NINR_NOISE_STDDEV} "
        "(full-NINR)"
    ),
    "gaussian_noise": (
        f"GaussianNoise(stddev={GAUSSIAN_NOISE_STDDEV}) on input + Dense x4"
    ),
}
BASELINE = "dense"

DEFAULT_STEPS = 100
DEFAULT_REPEATS = 10
QUICK_STEPS = 3
QUICK_REPEATS = 2

_RESULTS_PREAMBLE = """\
# Training-step overhead of NINR layers

Median wall time of one `model.fit` training step of the paper's FC network
(784-1024-1024-1024-10, ReLU, SGD lr 0.05) with plain `Dense` layers, with
`keras_ninr.NoiseInjectionDense` (in-NINR: first hidden layer only;
full-NINR: all four layers), and with `keras.layers.GaussianNoise` on the
input. Written by `benchmarks/overhead.py`, one section per Keras backend;
rerunning the script on a backend replaces that backend's section only.
"""
RESULTS = ResultsFile(__file__, _RESULTS_PREAMBLE)
update_results_file = RESULTS.update


def build_fc(
    variant,
    hidden_units=HIDDEN_UNITS,
    input_dim=INPUT_DIM,
    num_classes=NUM_CLASSES,
    seed=0,
):
    """Build the paper's FC network (uncompiled) in one of `VARIANTS`.

    Args:
        variant: A key of `VARIANTS`.
        hidden_units: Widths of the ReLU hidden layers. Defaults to
            `(1024, 1024, 1024)`.
        input_dim: Input features. Defaults to `784`.
        num_classes: Width of the output layer, which returns logits.
            Defaults to `10`.
        seed: Int, seed of the noise and of the `Dense` kernels (the NINR
            layers initialise from Keras's global seed generator).
            Defaults to `0`.

    Returns:
        A `keras.Sequential` model.
    """
    if variant not in VARIANTS:
        raise ValueError(
            f"Unrecognized variant: {variant!r}. "
            f"Expected one of {list(VARIANTS)}."
        )
    widths = list(hidden_units) + [num_classes]
    activations = ["relu"] * len(hidden_units) + [None]
    layers = [keras.Input(shape=(input_dim,))]
    if variant == "gaussian_noise":
        layers.append(
            keras.layers.GaussianNoise(GAUSSIAN_NOISE_STDDEV, seed=seed)
        )
    for index, (width, activation) in enumerate(zip(widths, activations)):
        if variant == "full_ninr":
            noise_stddev = FULL_NINR_NOISE_STDDEV
        elif variant == "in_ninr" and index == 0:
            noise_stddev = IN_NINR_NOISE_STDDEV
        else:
            layers.append(dense_layer(width, activation, seed + index))
            continue
        layers.append(
            keras_ninr.NoiseInjectionDense(
                width,
                noise_stddev=noise_stddev,
                activation=activation,
                seed=seed + index,
            )
        )
    return keras.Sequential(layers, name=f"fc_{variant}")


def compile_fc(model, jit_compile="auto"):
    """Compile `model` as the paper trains it: SGD(0.05), cross-entropy.

    No metrics, so the timed step is the training step and nothing else.
    """
    return compile_for_timing(model, LEARNING_RATE, jit_compile=jit_compile)


def make_data(
    num_samples, input_dim=INPUT_DIM, num_classes=NUM_CLASSES, seed=0
):
    """Synthetic MNIST-shaped data: pixels uniform in [0, 1), random labels."""
    rng = np.random.default_rng(seed)
    x = rng.random((num_samples, input_dim), dtype=np.float32)
    y = rng.integers(0, num_classes, size=num_samples).astype("int32")
    return x, y


@dataclasses.dataclass
class OverheadResult:
    """Timings of `time_variants`, with the settings that produced them.

    Attributes:
        seconds_per_step: Dict from variant name to a list of seconds per
            training step, one entry per timed epoch.
        jit_compile: Dict from variant name to the `jit_compile` the compiled
            model resolved (`"auto"` becomes `True` or `False`).
        jit_compile_requested: The `jit_compile` passed to `compile`.
        hidden_units: Widths of the hidden layers.
        batch_size: Samples per step.
        steps: Training steps per timed epoch.
        repeats: Timed epochs per variant.
        seed: Seed of the data, of the noise and of the `Dense` kernels.
    """

    seconds_per_step: dict
    jit_compile: dict
    jit_compile_requested: object
    hidden_units: tuple
    batch_size: int
    steps: int
    repeats: int
    seed: int

    def median(self, variant):
        """Median seconds per training step of `variant`."""
        return statistics.median(self.seconds_per_step[variant])

    def ratio(self, variant):
        """Median seconds per step of `variant` over that of the baseline."""
        return self.median(variant) / self.median(BASELINE)


def time_variants(
    variants=None,
    *,
    hidden_units=HIDDEN_UNITS,
    batch_size=128,
    steps=DEFAULT_STEPS,
    repeats=DEFAULT_REPEATS,
    jit_compile="auto",
    seed=0,
    on_epoch_timed=None,
):
    """Time one training step of each variant of the FC network with `fit`.

    Each model first trains one untimed epoch (compilation and tracing).
    Then the variants take turns, one epoch of `steps` steps each, `repeats`
    times; the starting variant rotates every round, so slow drift of the
    machine and the position in a round affect all variants alike.

    Args:
        variants: Keys of `VARIANTS` to time; must include `"dense"`, the
            baseline of the ratios. Defaults to `None`, meaning all.
        hidden_units: Widths of the hidden layers. Defaults to
            `(1024, 1024, 1024)`; small widths make a fast smoke test.
        batch_size: Samples per step. Defaults to `128`.
        steps: Training steps per epoch. Defaults to `100`.
        repeats: Timed epochs per variant. Defaults to `10`.
        jit_compile: Passed to `Model.compile`: `"auto"`, `True` or `False`.
            Defaults to `"auto"`.
        seed: Int, seed of the data, of the noise and of the `Dense`
            kernels. Defaults to `0`.
        on_epoch_timed: Optional callable `(repeat, variant, seconds_per_step)`
            called after each timed epoch, to show progress.

    Returns:
        An `OverheadResult`.
    """
    variants = list(VARIANTS) if variants is None else list(variants)
    if BASELINE not in variants:
        raise ValueError(
            f"Expected `variants` to include the baseline {BASELINE!r}. "
            f"Received: variants={variants}"
        )
    check_counts(batch_size=batch_size, steps=steps, repeats=repeats)

    # Exactly `steps` full batches: a smaller last batch would be retraced.
    x, y = make_data(steps * batch_size, seed=seed)
    models = {
        name: compile_fc(
            build_fc(name, hidden_units=hidden_units, seed=seed), jit_compile
        )
        for name in variants
    }

    # Unshuffled: every epoch times the same batches.
    data = dict(x=x, y=y, batch_size=batch_size, shuffle=False)
    seconds_per_step = interleave(
        {
            name: lambda model=models[name]: fit_epoch(model, data)[0] / steps
            for name in variants
        },
        repeats,
        on_epoch_timed or (lambda *_: None),
    )
    return OverheadResult(
        seconds_per_step=seconds_per_step,
        jit_compile={name: models[name].jit_compile for name in variants},
        jit_compile_requested=jit_compile,
        hidden_units=tuple(hidden_units),
        batch_size=batch_size,
        steps=steps,
        repeats=repeats,
        seed=seed,
    )


def format_table(result):
    """Markdown table: variant, median s/step, ratio to the baseline."""
    rows = [
        (
            f"`{name}`: {VARIANTS[name]}",
            f"{result.median(name):.4g}",
            f"{result.ratio(name):.3f}",
        )
        for name in result.seconds_per_step
    ]
    return markdown_table(
        ("variant", "median s/step", "ratio vs Dense"), rows, right=(1, 2)
    )


def results_section(result, command, date=None):
    """The Markdown section of `benchmarks/results/overhead.md` for the
    backend (and accelerator) that produced `result` with `command`.

    `date` defaults to now, in UTC.
    """
    resolved = set(result.jit_compile.values())
    resolved = resolved.pop() if len(resolved) == 1 else result.jit_compile
    widths = "-".join(
        str(width) for width in (INPUT_DIM, *result.hidden_units, NUM_CLASSES)
    )
    settings = (
        f"widths {widths}, batch {result.batch_size}, {result.steps} steps "
        f"per epoch, median of {result.repeats} timed epochs per variant "
        "(one warm-up epoch each, then variants interleaved round-robin), "
        f"jit_compile={result.jit_compile_requested!r} (resolved: "
        f"{resolved}), seed {result.seed}"
    )
    return _section(command, settings, format_table(result), date=date)


def _jit_compile(text):
    return {"auto": "auto", "true": True, "false": False}[text]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Time a training step of the paper's FC network with "
        "Dense, NoiseInjectionDense and GaussianNoise layers, on the "
        "backend that KERAS_BACKEND selects."
    )
    parser.add_argument(
        "--steps",
        type=positive_int,
        help=f"training steps per epoch (default {DEFAULT_STEPS}; "
        f"{QUICK_STEPS} with --quick)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=128,
        help="samples per step (default 128, as in the paper)",
    )
    parser.add_argument(
        "--jit-compile",
        choices=["auto", "true", "false"],
        default="auto",
        help="passed to Model.compile (default: auto, Keras's own default)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the data, the noise and the Dense kernels (default 0)",
    )
    return parse_timing_args(
        parser, argv, RESULTS, (DEFAULT_REPEATS, QUICK_REPEATS),
        quick_help="smoke run of a few steps, in seconds (for CI)",
    )


def main(argv=None):
    argv, args = parse_args(argv)
    steps = args.steps or (QUICK_STEPS if args.quick else DEFAULT_STEPS)
    backend = keras.backend.backend()
    print(
        f"{backend}: {len(VARIANTS)} variants, {args.repeats} timed epochs of "
        f"{steps} steps each, batch {args.batch_size}",
        flush=True,
    )

    def show_progress(repeat, variant, seconds):
        print(
            f"  round {repeat + 1}/{args.repeats} {variant}: "
            f"{seconds:.4g} s/step",
            flush=True,
        )

    result = time_variants(
        batch_size=args.batch_size,
        steps=steps,
        repeats=args.repeats,
        jit_compile=_jit_compile(args.jit_compile),
        seed=args.seed,
        on_epoch_timed=show_progress,
    )
    print(format_table(result))
    RESULTS.write(args, argv, lambda command: results_section(result, command))


if __name__ == "__main__":
    main()
