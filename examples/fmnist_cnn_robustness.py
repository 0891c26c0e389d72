"""Fig. 2b and Table 2 for the paper's CNN on Fashion-MNIST.

The CNN (`keras_ninr.experiments.zoo.cnn_network`: two Conv2D -> ELU -> BatchNorm ->
MaxPool blocks, Dense 2048, App. A initialisation, SGD lr 0.05, batch 128)
trained with each method until 98% training accuracy or the epoch cap, then
tested clean and under Eq. 8 corruption (pixel space) at sigma_noise = 0,
0.1, ..., 1. Methods, with the CNN's sigma_eps presets of the Fig. 2
caption (`keras_ninr.experiments.zoo.noise_preset`):

| key | method |
| --- | --- |
| none | no regularization |
| l2 | weight decay 5e-4 |
| dropout | Dropout 0.5 after each conv block and hidden Dense |
| cdt | corrupted-data training, sigma_noise = 0.4 |
| in-ninr-decay | in-NINR, sigma_eps = 2.8 |
| in-ninr-catapult | in-NINR, sigma_eps = 87.5 |
| full-ninr-decay | full-NINR, sigma_eps = 0.9 |
| full-ninr-catapult | full-NINR, sigma_eps = 62 |

**The presets are the paper's and may diverge.** The FC's in-NINR catapult
preset diverges with a faithfully initialised network (see
`fmnist_fc_robustness.py`); the CNN's presets have not been checked against
this exact network's phase boundaries. A run whose loss or NIW norm becomes
non-finite, or whose loss explodes, is recorded in the results file with
status "diverged" (counted as "(n diverged)" in the table and the figure)
and the sweep goes on. Where a preset diverges, replace it by the largest
non-divergent sigma_eps (`examples/find_phase_boundaries.py`).

This script is a thin wrapper over `keras_ninr.experiments.sweep` and
`keras_ninr.experiments.reports`: every finished run is appended to
`<out>/results.jsonl`, a rerun skips them (a killed run resumes), and the
figure and table are made from that file.

    # Full protocol (a GPU): all 60,000 images, 10 epochs cap, 3 seeds,
    # every method above.
    KERAS_BACKEND=jax python examples/fmnist_cnn_robustness.py
    # A few minutes on a 2-core CPU: 5,000 images, 3 epochs, seed 0,
    # none, dropout and full-NINR catapult.
    KERAS_BACKEND=jax python examples/fmnist_cnn_robustness.py --quick
    # Seconds, for smoke tests only: 512 images, 1 epoch, a narrow CNN.
    KERAS_BACKEND=jax python examples/fmnist_cnn_robustness.py --tiny

Outputs under `--out` (default `examples/results/fmnist_cnn/`):
`results.jsonl`, `fig2b.png` and `table2_cnn.md` (with a `_quick` or
`_tiny` suffix in those modes), each naming the command, backend and
device.
"""

import pathlib
import sys

from keras_ninr.experiments import reports
from keras_ninr.experiments import sweep

from _sweep_example import MODE_TEXT
from _sweep_example import command_line
from _sweep_example import make_parser
from _sweep_example import mode_settings
from _sweep_example import run
from _sweep_example import run_metadata

METHODS = {
    "none": dict(regularization="none", label="None"),
    "l2": dict(regularization="l2", label="L2"),
    "dropout": dict(regularization="dropout", label="Dropout"),
    "cdt": dict(
        regularization="cdt", cdt_sigma_noise=0.4, label="CDT (σ_noise = 0.4)"
    ),
    "in-ninr-decay": dict(
        regularization="in-ninr",
        noise_stddev=2.8,
        label="in-NINR decay (σ_ε = 2.8)",
    ),
    "in-ninr-catapult": dict(
        regularization="in-ninr",
        noise_stddev=87.5,
        label="in-NINR catapult (σ_ε = 87.5)",
    ),
    "full-ninr-decay": dict(
        regularization="full-ninr",
        noise_stddev=0.9,
        label="full-NINR decay (σ_ε = 0.9)",
    ),
    "full-ninr-catapult": dict(
        regularization="full-ninr",
        noise_stddev=62.0,
        label="full-NINR catapult (σ_ε = 62)",
    ),
}
MODES = {
    "full": dict(
        train_size=None,
        test_size=None,
        epochs=10,
        seeds=[0, 1, 2],
        methods=list(METHODS),
    ),
    "quick": dict(
        train_size=5000,
        test_size=2000,
        epochs=3,
        seeds=[0],
        methods=["none", "dropout", "full-ninr-catapult"],
    ),
    "tiny": dict(
        train_size=512,
        test_size=256,
        epochs=1,
        seeds=[0],
        methods=["none", "full-ninr-catapult"],
    ),
}
# A narrow CNN for the smoke-test mode only.
TINY_ARCHITECTURE = {"filters": [4, 8], "dense_units": 32}
DEFAULT_OUT = pathlib.Path(__file__).parent / "results" / "fmnist_cnn"


def configs(methods, seeds, epochs, train_size, test_size, architecture_kwargs):
    """The sweep's `RunConfig`s."""
    return sweep.expand_grid(
        [METHODS[name] for name in methods],
        seeds=seeds,
        datasets=["fashion_mnist"],
        architectures=["cnn"],
        epochs=epochs,
        target_accuracy=0.98,
        train_size=train_size,
        test_size=test_size,
        architecture_kwargs=architecture_kwargs,
    )


def header(records, command, mode):
    first = records[0]
    config = first["config"]
    diverged = sorted(
        {r["label"] for r in records if r["status"] == "diverged"}
    )
    notes = []
    if diverged:
        notes.append(
            "- Diverged (paper preset too large for this network): "
            + ", ".join(diverged)
            + "."
        )
    if config.get("architecture_kwargs"):
        notes.append(
            f"- Architecture changed for a smoke test: "
            f"{config['architecture_kwargs']}"
        )
    text = MODE_TEXT[mode]
    return "\n".join(
        [
            "# Fig. 2b / Table 2: the CNN on Fashion-MNIST",
            "",
            text,
            "",
            f"- Training: {first['data']['train_size']} images, at most "
            f"{config['epochs']} epochs or until 98% training accuracy; "
            f"test: {first['data']['test_size']} images, Eq. 8 corruption "
            "in pixel space",
            *run_metadata(records, command),
            "- σ_ε values are the paper's CNN presets (Fig. 2 caption).",
        ]
        + notes
        + [""]
    )


def main(argv=None):
    parser = make_parser(
        __doc__,
        METHODS,
        quick_help="5,000 images, 3 epochs, seed 0, none/dropout/full-ninr-catapult",
        tiny_help="512 images, 1 epoch, a narrow CNN, 2 methods (smoke tests)",
        default_out=DEFAULT_OUT,
    )
    args = parser.parse_args(argv)
    mode, settings = mode_settings(args, MODES)
    try:
        grid = configs(
            architecture_kwargs=TINY_ARCHITECTURE if args.tiny else {},
            **settings,
        )
    except ValueError as error:
        parser.error(str(error))

    out, records = run(grid, args)

    suffix = "" if mode == "full" else f"_{mode}"
    command = command_line("fmnist_cnn_robustness.py", records)
    figure = reports.corruption_figure(
        records,
        title="Fig. 2b: CNN on Fashion-MNIST"
        + ("" if mode == "full" else f" ({mode} settings)"),
    )
    figure_path = out / f"fig2b{suffix}.png"
    figure.savefig(figure_path, dpi=150)
    table = reports.clean_accuracy_table(records, sigma_noise=(0.4, 0.6))
    text = (
        header(records, command, mode)
        + "\n"
        + f"![Fig. 2b]({figure_path.name})\n\n"
        + "Accuracy in %, mean ± 2 standard deviations over seeds.\n\n"
        + table
    )
    table_path = out / f"table2_cnn{suffix}.md"
    table_path.write_text(text)
    print(table)
    print(f"Wrote {out / 'results.jsonl'}, {figure_path}, {table_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
