"""Fig. 3: the four phases of noise injection on a one-hidden-layer FC.

App. A's settings: Fashion-MNIST, 784-1024-10 with ReLU, N(0, 1/d) weights,
SGD lr 0.01, batch 1000, in-NINR with sigma_eps^2 = {0, 0.1, 1, 1.8} *
d_in / eta (d_in = 785 counting the NIN), the paper's decoupled, decay,
catapult and divergent phases. Each panel is titled with the phase that
`keras_ninr.phases.classify` assigns.

    KERAS_BACKEND=jax python examples/phases.py              # ~2-4 min on a CPU
    python examples/phases.py --epochs 1 --train-size 2000   # smoke run
"""

import argparse
import json
import pathlib

import keras
import numpy as np

from keras_ninr import datasets
from keras_ninr.experiments import zoo
from keras_ninr.callbacks import PhaseMonitor
from keras_ninr.phases import phase_figure

# Fig. 3's unit: sigma_eps^2 = d_in / eta, the zoo's "fc1" catapult preset.
D_IN_OVER_ETA = zoo.noise_preset("fc1", "input", "catapult") ** 2
BATCH_SIZE = zoo.BATCH_SIZES["fc1"]
PAPER_PHASES = {0.0: "decoupled", 0.1: "decay", 1.0: "catapult", 1.8: "divergent"}


def run(fraction, data, epochs, seed):
    x_train, y_train, x_test, y_test, (mean, std) = data
    sigma = float(np.sqrt(fraction * D_IN_OVER_ETA))
    keras.utils.set_random_seed(seed)
    model = zoo.build(
        "fc1", "in-ninr", noise_stddev=sigma, seed=seed, pixel_mean=mean,
        pixel_std=std,
    )
    zoo.compile_model(model, "fc1")
    monitor = PhaseMonitor(every_n_batches=2, stop_on_divergence=False)
    history = model.fit(
        x_train, y_train, batch_size=BATCH_SIZE, epochs=epochs, verbose=0,
        validation_data=(x_test, y_test), callbacks=[monitor],
    )
    phase = monitor.phase or "divergent"
    return {
        "fraction": fraction,
        "noise_stddev": sigma,
        "paper_phase": PAPER_PHASES[fraction],
        "phase": phase,
        "reason": str(monitor.report) if monitor.report else monitor.message,
        "records": monitor.records,
        "epochs": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        "steps_per_epoch": int(np.ceil(len(x_train) / BATCH_SIZE)),
        "title": (
            f"sigma^2 = {fraction:g} d/eta (sigma = {sigma:.1f})\n"
            f"classified: {phase}; paper: {PAPER_PHASES[fraction]}"
        ),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--train-size", type=int, default=60000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument(
        "--out", default=str(pathlib.Path(__file__).parent / "results")
    )
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = datasets.load(
        "fashion_mnist", data_dir=args.data_dir
    )
    x_train, y_train = x_train[: args.train_size], y_train[: args.train_size]
    # The models take [0, 1] pixels and standardise them with these.
    statistics = datasets.pixel_statistics(x_train)
    x_train, x_test = datasets.scale_pixels(x_train), datasets.scale_pixels(x_test)
    data = (x_train, y_train, x_test, y_test, statistics)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for fraction in PAPER_PHASES:
        result = run(fraction, data, args.epochs, args.seed)
        runs.append(result)
        print(
            f"sigma^2 = {fraction:g} d/eta: classified {result['phase']} "
            f"(paper: {result['paper_phase']}): {result['reason']}",
            flush=True,
        )
    summary = [
        {k: r[k] for k in ("fraction", "noise_stddev", "paper_phase", "phase", "reason")}
        for r in runs
    ]
    (out / "phases_fig3.json").write_text(
        json.dumps(
            {
                "backend": keras.backend.backend(),
                "epochs": args.epochs,
                "train_size": len(x_train),
                "runs": summary,
            },
            indent=1,
        )
    )
    figure = phase_figure(runs)
    figure.savefig(out / "phases_fig3.png", dpi=110)
    matches = sum(r["phase"] == r["paper_phase"] for r in runs)
    print(f"{matches}/4 phases match the paper; figure: {out / 'phases_fig3.png'}")


if __name__ == "__main__":
    main()
