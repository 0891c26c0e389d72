"""A short CPU measurement: the paper's FC on Fashion-MNIST, three methods.

No regularization vs in-NINR (the paper's decay sigma_eps = 51.8) vs
Dropout (0.5 after every hidden layer), several seeds, on a training subset:
clean test accuracy and accuracy under Eq. 8 corruption at sigma_noise = 0.4
(pixel space). It shows the pieces fit together; the paper's full protocol
(all data, up to 500 epochs, 10 seeds) belongs to the sweep runner.

Each finished run is appended to a JSON-lines file as soon as it ends, and a
rerun skips the runs already there, so a killed measurement resumes. The
Markdown table is rewritten from that file at the end.

    KERAS_BACKEND=jax python examples/quick_fc_robustness.py
    python examples/quick_fc_robustness.py --train-size 512 --epochs 1 \
        --seeds 0 --out /tmp/quick    # seconds: a smoke run
"""

import argparse
import json
import pathlib
import sys
import time

import keras
import numpy as np

from keras_ninr import datasets
from keras_ninr import robustness
from keras_ninr.experiments import provenance
from keras_ninr.experiments import sweep
from keras_ninr.experiments import zoo

DECAY = zoo.noise_preset("fc", "input", "decay")
# The keys name the runs in the results file (a rerun skips them): keep them.
METHODS = {
    "none": dict(regularization="none"),
    f"in-NINR (decay, sigma_eps={DECAY:g})": dict(
        regularization="in-ninr", noise_stddev=DECAY
    ),
    "dropout 0.5": dict(regularization="dropout"),
}
SIGMA_NOISE = 0.4


def load_data(train_size, seed=0, data_dir=None):
    """Training subset and test set as [0, 1] pixels, and the subset's
    mean and std, which the models standardise their input with."""
    (x_train, y_train), (x_test, y_test) = datasets.load(
        "fashion_mnist", data_dir=data_dir
    )
    subset = np.random.default_rng(seed).permutation(len(x_train))[:train_size]
    x_train = datasets.scale_pixels(x_train[subset])
    statistics = datasets.pixel_statistics(x_train)
    return x_train, y_train[subset], x_test, y_test, statistics


def run_one(method, seed, data, epochs):
    x_train, y_train, x_test, y_test, (mean, std) = data
    keras.utils.set_random_seed(seed)
    model = zoo.build(
        "fc", seed=seed, pixel_mean=mean, pixel_std=std, **METHODS[method]
    )
    zoo.compile_model(model, "fc")
    start = time.time()
    history = model.fit(
        x_train,
        y_train,
        batch_size=zoo.BATCH_SIZES["fc"],
        epochs=epochs,
        verbose=0,
    )
    seconds = time.time() - start
    loss = history.history["loss"]
    return {
        "method": method,
        "seed": seed,
        "epochs": epochs,
        "train_size": len(x_train),
        "train_loss": loss[-1],
        "train_accuracy": history.history["accuracy"][-1],
        "diverged": bool(not np.isfinite(loss[-1])),
        "clean_accuracy": robustness.corrupted_accuracy(
            model, x_test, y_test, 0.0
        ),
        "corrupted_accuracy": robustness.corrupted_accuracy(
            model, x_test, y_test, SIGMA_NOISE, seed=seed
        ),
        "niw_norm": history.history.get("niw_norm", [None])[-1],
        "train_seconds": seconds,
        "backend": keras.backend.backend(),
    }


def read_results(path):
    if not path.exists():
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def markdown_table(results, command):
    lines = [
        "| method | clean accuracy | accuracy at sigma_noise = 0.4 | final NIW norm | runs |",
        "| --- | --- | --- | --- | --- |",
    ]
    for method in METHODS:
        runs = [r for r in results if r["method"] == method]
        if not runs:
            continue
        clean = np.array([r["clean_accuracy"] for r in runs])
        corrupted = np.array([r["corrupted_accuracy"] for r in runs])
        norms = [r["niw_norm"] for r in runs if r["niw_norm"] is not None]
        norm = f"{np.mean(norms):.3f}" if norms else "-"
        lines.append(
            f"| {method} | {clean.mean():.4f} ± {2 * clean.std():.4f} | "
            f"{corrupted.mean():.4f} ± {2 * corrupted.std():.4f} | {norm} | "
            f"{len(runs)} (seeds {sorted(r['seed'] for r in runs)}) |"
        )
    first = results[0]
    seconds = sum(r["train_seconds"] for r in results)
    header = [
        "# Quick FC robustness measurement (CPU)",
        "",
        "The paper's FC (784-1024-1024-1024-10, SGD lr 0.05, batch 128, App. A "
        "initialisation) on a Fashion-MNIST training subset; test on all "
        "10,000 test images, clean and corrupted by Eq. 8 at sigma_noise = "
        "0.4 in pixel space. Mean ± 2 standard deviations over seeds.",
        "",
        f"- Training: {first['train_size']} images, {first['epochs']} epochs "
        "(not the paper's stopping rule)",
        f"- Backend: {first['backend']}; {provenance.library_versions()}",
        f"- Machine: {provenance.machine_description()}",
        f"- Total training time: {seconds:.0f} s",
        f"- Command: `{command}`",
        "",
    ]
    return "\n".join(header + lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-size", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument(
        "--out",
        default=str(pathlib.Path(__file__).parent / "results"),
        help="folder for quick_fc_robustness.jsonl and .md",
    )
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "quick_fc_robustness.jsonl"
    done = {
        (r["method"], r["seed"], r["epochs"], r["train_size"])
        for r in read_results(results_path)
    }
    data = load_data(args.train_size, data_dir=args.data_dir)
    todo = [
        (method, seed)
        for seed in args.seeds
        for method in METHODS
        if (method, seed, args.epochs, len(data[0])) not in done
    ]
    total = len(METHODS) * len(args.seeds)
    for index, (method, seed) in enumerate(todo, start=total - len(todo) + 1):
        print(f"[{index}/{total}] {method}, seed {seed}", flush=True)
        result = run_one(method, seed, data, args.epochs)
        sweep.append_record(results_path, result)
        print(
            f"    clean {result['clean_accuracy']:.4f}, sigma_noise=0.4 "
            f"{result['corrupted_accuracy']:.4f}, "
            f"{result['train_seconds']:.0f} s",
            flush=True,
        )
    results = [
        r
        for r in read_results(results_path)
        if r["epochs"] == args.epochs and r["train_size"] == len(data[0])
    ]
    command = (
        f"KERAS_BACKEND={keras.backend.backend()} python "
        + " ".join(["examples/quick_fc_robustness.py"] + argv)
    )
    table = markdown_table(results, command)
    (out / "quick_fc_robustness.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
