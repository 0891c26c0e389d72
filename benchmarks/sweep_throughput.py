"""Sweep throughput: K replicas in one compiled step vs. runs one after another.

Trains the paper's FC and CNN (in-NINR at the decay sigma_eps, SGD, batch
128) on Fashion-MNIST, on the backend `KERAS_BACKEND` selects:

- `sequential`: one run through `model.fit`, as `run_sweep` trains a run
  alone (`EpochBatches`, shuffle off); K runs one after another take K
  times its epoch time.
- `K replicas`: K runs (seeds 0..K-1) through `fit_replicas`, as
  `run_sweep(replicas=K)` trains them.

For each, the median wall time of an epoch after the first (the first
compiles), the time per run-epoch (group epoch / K) and the speed-up
over sequential runs (sequential epoch / run-epoch).

Run from the repository root:

    KERAS_BACKEND=jax python benchmarks/sweep_throughput.py
    KERAS_BACKEND=jax python benchmarks/sweep_throughput.py --train-size 60000 \\
        --replicas 1 4 16 64 --epochs 4        # a GPU

It prints a Markdown table and replaces this backend's (and accelerator's)
section of `benchmarks/results/sweep_throughput.md`. `--quick` is a smoke
run that writes nothing unless `--out` is given.
"""

import argparse
import pathlib
import statistics
import sys

import keras
import numpy as np

from keras_ninr import datasets
from keras_ninr.experiments import provenance
from keras_ninr.experiments import zoo
from keras_ninr.experiments.replicas import EpochBatches
from keras_ninr.experiments.replicas import fit_replicas

from _benchmark import EpochTimer
from _benchmark import command_line
from _benchmark import markdown_table
from _benchmark import positive_int
from _benchmark import results_section

DEFAULT_OUT = (
    pathlib.Path(__file__).resolve().parent / "results" / "sweep_throughput.md"
)
PREAMBLE = """\
# Sweep throughput: replicas vs. sequential runs

Epoch wall time of the paper's FC and CNN (in-NINR, decay sigma_eps, SGD
lr 0.05, batch 128) on Fashion-MNIST, trained one run at a time through
`model.fit` (as `run_sweep` does) and as K replicas in one compiled step
(`run_sweep(replicas=K)`). Written by `benchmarks/sweep_throughput.py`, one
section per backend and machine; a rerun replaces its own section only.
"""


def _build(architecture, seed, input_shape, **kwargs):
    keras.utils.set_random_seed(seed)
    return zoo.build(
        architecture,
        "in-ninr",
        noise_stddev="decay",
        seed=seed,
        input_shape=input_shape,
        **kwargs,
    )


def time_sequential(architecture, x, y, epochs, batch_size, **kwargs):
    """Epoch seconds of one run trained alone, as `run_sweep` trains it."""
    keras.utils.clear_session()
    model = _build(architecture, 0, x.shape[1:], **kwargs)
    zoo.compile_model(model, architecture)
    timer = EpochTimer()
    model.fit(
        EpochBatches(x, y, batch_size, 0),
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=[timer],
    )
    return timer.seconds


def time_replicas(
    architecture, x, y, replicas, epochs, batch_size, conv="auto", **kwargs
):
    """Epoch seconds of `replicas` runs trained together."""
    keras.utils.clear_session()
    models = [
        _build(architecture, seed, x.shape[1:], **kwargs)
        for seed in range(replicas)
    ]
    runs = fit_replicas(
        models,
        x,
        y,
        list(range(replicas)),
        optimizer=zoo.make_optimizer("sgd", architecture),
        batch_size=batch_size,
        epochs=epochs,
        monitor_phases=False,
        conv=conv,
    )
    return runs[0].history["seconds"]


def measure(
    architectures=("fc", "cnn"),
    replicas=(1, 4, 16),
    train_size=4096,
    epochs=3,
    batch_size=128,
    data_dir=None,
    architecture_kwargs=None,
    convs=("auto",),
):
    """Rows `{architecture, mode, replicas, conv, first_s, epoch_s, run_epoch_s, speedup}`.

    `convs`: the `fit_replicas(conv=...)` modes to time for the CNN.
    """
    (x_train, y_train), _ = datasets.load("fashion_mnist", data_dir=data_dir)
    order = np.random.default_rng(0).permutation(len(x_train))[:train_size]
    # As a sweep feeds them: [0, 1] pixels, standardised inside the model.
    x = datasets.scale_pixels(x_train[order])
    mean, std = datasets.pixel_statistics(x)
    y = np.asarray(y_train[order]).astype("int32")
    rows = []
    for architecture in architectures:
        xa = x[..., None] if architecture == "cnn" else x
        kwargs = dict(
            (architecture_kwargs or {}).get(architecture, {}),
            pixel_mean=mean,
            pixel_std=std,
        )
        seconds = time_sequential(
            architecture, xa, y, epochs, batch_size, **kwargs
        )
        sequential = statistics.median(seconds[1:] or seconds)
        rows.append(
            dict(
                architecture=architecture,
                mode="sequential",
                replicas=1,
                conv="",
                first_s=seconds[0],
                epoch_s=sequential,
                run_epoch_s=sequential,
                speedup=1.0,
            )
        )
        modes = convs if architecture == "cnn" else ("auto",)
        for conv, count in [(c, k) for c in modes for k in replicas]:
            seconds = time_replicas(
                architecture, xa, y, count, epochs, batch_size, conv, **kwargs
            )
            epoch = statistics.median(seconds[1:] or seconds)
            rows.append(
                dict(
                    architecture=architecture,
                    mode="replicas",
                    replicas=count,
                    conv="" if architecture != "cnn" else conv,
                    first_s=seconds[0],
                    epoch_s=epoch,
                    run_epoch_s=epoch / count,
                    speedup=sequential / (epoch / count),
                )
            )
            print(" | ".join(_cells(rows[-1])), flush=True)
    return rows


def _cells(row):
    mode = "sequential"
    if row["mode"] != "sequential":
        mode = f"{row['replicas']} replicas"
        if row["conv"]:
            mode += f" (conv {row['conv']})"
    return (
        row["architecture"],
        mode,
        f"{row['first_s']:.3f}",
        f"{row['epoch_s']:.3f}",
        f"{row['run_epoch_s']:.4f}",
        f"{row['speedup']:.2f}x",
    )


def format_table(rows):
    header = (
        "network",
        "how",
        "first epoch (s, compiles)",
        "epoch (s)",
        "per run-epoch (s)",
        "speed-up vs sequential",
    )
    return markdown_table(header, map(_cells, rows), right=(2, 3, 4, 5))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--architectures",
        nargs="+",
        default=["fc", "cnn"],
        choices=["fc", "cnn"],
    )
    parser.add_argument(
        "--replicas", nargs="+", type=positive_int, default=[1, 4, 16]
    )
    parser.add_argument("--train-size", type=positive_int, default=4096)
    parser.add_argument("--epochs", type=positive_int, default=3)
    parser.add_argument("--batch-size", type=positive_int, default=128)
    parser.add_argument(
        "--conv",
        nargs="+",
        default=["auto"],
        choices=["auto", "grouped", "loop"],
        help="how the CNN's replica convolutions are batched",
    )
    parser.add_argument("--data-dir")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: tiny networks, 256 images, 2 epochs",
    )
    parser.add_argument("--out", help=f"results file (default {DEFAULT_OUT})")
    return parser.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    kwargs = None
    if args.quick:
        args.train_size, args.epochs = 256, 2
        args.replicas = [k for k in args.replicas if k <= 4] or [2]
        kwargs = {
            "fc": {"hidden_units": (16, 16)},
            "cnn": {"filters": (2, 4), "dense_units": 16},
        }
    rows = measure(
        args.architectures,
        args.replicas,
        args.train_size,
        args.epochs,
        args.batch_size,
        args.data_dir,
        kwargs,
        args.conv,
    )
    table = format_table(rows)
    print(table)
    out = args.out or (None if args.quick else DEFAULT_OUT)
    if out is None:
        return rows
    settings = (
        f"{args.train_size} Fashion-MNIST training images, batch "
        f"{args.batch_size}, {args.epochs} epochs per measurement (median of "
        "the epochs after the first)"
        + (
            ", tiny networks (--quick)"
            if args.quick
            else ", the paper's networks"
        )
    )
    networks = ", ".join(dict.fromkeys(row["architecture"] for row in rows))
    section = results_section(
        command_line("sweep_throughput.py", argv),
        settings,
        table,
        heading_suffix=f" ({networks})",
    )
    provenance.update_markdown_section(out, section, PREAMBLE)
    print(f"Wrote {out}")
    return rows


if __name__ == "__main__":
    main()
