"""Find the catapult/divergent boundary of the paper's FC, then confirm it.

The paper's FC (784-1024-1024-1024-10, App. A initialisation, SGD lr 0.05,
batch 128) with in-NINR on Fashion-MNIST. `find_phase_boundaries` brackets
the boundary with short trainings on the training data only; then two full
trainings (`--epochs`, 20 by default) at the sigma_eps just below and just
above the bracket check it: the one below must train, the one above must
diverge. The finder's cost is reported against the full run below, in steps
and in wall time.

Results are written as they come: `phase_boundaries_fc.json` (finder, then
each confirmation run) and `phase_boundaries_fc.md`.

    KERAS_BACKEND=jax python examples/find_phase_boundaries.py
    python examples/find_phase_boundaries.py --train-size 4096 --steps 10 \
        --epochs 1 --out /tmp/pb      # smoke run
"""

import argparse
import functools
import json
import math
import pathlib
import sys
import time

import keras

from keras_ninr import datasets
from keras_ninr import phases
from keras_ninr.experiments import zoo
from keras_ninr.callbacks import PhaseMonitor


def build(noise_stddev, statistics, seed=0):
    """The paper's FC with in-NINR, on [0, 1] pixels standardised with the
    training `statistics` (mean, std)."""
    mean, std = statistics
    model = zoo.build(
        "fc", "in-ninr", noise_stddev=noise_stddev, seed=seed, pixel_mean=mean,
        pixel_std=std,
    )
    return zoo.compile_model(model, "fc")


def full_run(noise_stddev, statistics, x, y, x_test, y_test, epochs, seed=0):
    keras.utils.set_random_seed(seed)
    model = build(noise_stddev, statistics, seed)
    monitor = PhaseMonitor(every_n_batches=50)
    start = time.time()
    history = model.fit(
        x, y, batch_size=zoo.BATCH_SIZES["fc"], epochs=epochs, verbose=2,
        callbacks=[monitor],
    )
    seconds = time.time() - start
    loss = history.history["loss"]
    diverged = monitor.diverged or not all(math.isfinite(v) for v in loss)
    test_accuracy = (
        None if diverged else float(model.evaluate(x_test, y_test, verbose=0)[1])
    )
    return {
        "noise_stddev": noise_stddev,
        "diverged": diverged,
        "epochs_run": len(loss),
        "steps": (
            monitor.records[-1]["step"]
            if diverged
            else len(loss) * math.ceil(len(x) / zoo.BATCH_SIZES["fc"])
        ),
        "final_train_loss": loss[-1],
        "final_train_accuracy": history.history["accuracy"][-1],
        "test_accuracy": test_accuracy,
        "phase": monitor.phase,
        "seconds": seconds,
    }


def write(out, results):
    (out / "phase_boundaries_fc.json").write_text(json.dumps(results, indent=1))
    finder = results["finder"]
    lines = [
        "# Phase boundaries of the paper's FC (in-NINR), found and confirmed",
        "",
        f"- Backend: {results['backend']}; command: `{results['command']}`",
        f"- Finder: {finder['steps']} training steps, {finder['seconds']:.0f} s "
        f"(grid {finder['grid']}, {finder['steps_per_trial']} steps a trial)",
        f"- Boundaries: {finder['boundaries']}",
        f"- Suggested: decay {finder['decay']}, largest safe {finder['largest_safe']}",
        "",
        finder["table"],
        "",
    ]
    if results["confirm"]:
        lines += [
            "Full trainings:",
            "",
            "| sigma_eps | diverged | epochs run | final train accuracy | test accuracy | phase | seconds |",
            "| ---: | --- | ---: | ---: | ---: | --- | ---: |",
        ]
        for r in results["confirm"]:
            test = "-" if r["test_accuracy"] is None else f"{r['test_accuracy']:.4f}"
            lines.append(
                f"| {r['noise_stddev']:.4g} | {r['diverged']} | {r['epochs_run']} | "
                f"{r['final_train_accuracy']:.4f} | {test} | {r['phase']} | "
                f"{r['seconds']:.0f} |"
            )
    if "cost" in results:
        cost = results["cost"]
        lines += [
            "",
            f"Finder cost: {cost['steps_fraction']:.1%} of the full run's steps, "
            f"{cost['time_fraction']:.1%} of its wall time.",
        ]
    (out / "phase_boundaries_fc.md").write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--train-size", type=int, default=60000)
    parser.add_argument("--no-confirm", action="store_true")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument(
        "--out", default=str(pathlib.Path(__file__).parent / "results")
    )
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (x, y), (x_test, y_test) = datasets.load("fashion_mnist", data_dir=args.data_dir)
    x, y = x[: args.train_size], y[: args.train_size]
    # The models take [0, 1] pixels and standardise them with these.
    statistics = datasets.pixel_statistics(x)
    x, x_test = datasets.scale_pixels(x), datasets.scale_pixels(x_test)

    found = phases.find_phase_boundaries(
        functools.partial(build, statistics=statistics), x, y, steps=args.steps
    )
    print(found.table(), flush=True)
    results = {
        "backend": keras.backend.backend(),
        "command": "python examples/find_phase_boundaries.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "finder": {
            "grid": "7 log-spaced values from 1 to 1000, then bisection",
            "steps_per_trial": args.steps,
            "steps": found.steps,
            "seconds": found.seconds,
            "boundaries": {k: [round(a, 2), round(b, 2)] for k, (a, b) in found.boundaries.items()},
            "decay": found.largest_in("decay"),
            "largest_safe": found.largest_safe(),
            "table": found.table(),
        },
        "confirm": [],
    }
    write(out, results)
    bracket = next(
        (v for k, v in found.boundaries.items() if k.endswith("/divergent")),
        None,
    )
    if args.no_confirm or bracket is None:
        return
    for sigma in bracket:
        run = full_run(sigma, statistics, x, y, x_test, y_test, args.epochs)
        results["confirm"].append(run)
        print(run, flush=True)
        write(out, results)
    below = results["confirm"][0]
    if not below["diverged"]:
        results["cost"] = {
            "steps_fraction": found.steps / below["steps"],
            "time_fraction": found.seconds / below["seconds"],
        }
    write(out, results)


if __name__ == "__main__":
    main()
