"""Fig. 6: FGSM and PGD accuracy against epsilon, FC and CNN.

The paper's FC and CNN (`keras_ninr.experiments.zoo`) are trained on Fashion-MNIST with
each method until 98% training accuracy or the epoch cap, then attacked
with FGSM and PGD (`keras_ninr.robustness.attacks`, L-infinity, in pixel space:
pixels in [0, 1], epsilon in pixel units, inference mode) on the first
`attack_size` test images, at epsilon = 0, 0.02, 0.05, 0.1, 0.15, 0.2,
0.3. Methods:

| key | method |
| --- | --- |
| none | no regularization |
| l2 | weight decay 5e-4 |
| dropout | Dropout 0.5 |
| in-ninr | in-NINR, the paper's decay preset (FC 51.8, CNN 2.8) |

This script is a thin wrapper over `keras_ninr.experiments.sweep` and
`keras_ninr.experiments.reports`: every finished run is appended to
`<out>/results.jsonl`, a rerun skips them (a killed run resumes), and the
figures are made from that file.

    # Full protocol (a GPU): all 60,000 images, 20 epochs cap (FC) and
    # 10 (CNN), 3 seeds, 1,000 attacked images.
    KERAS_BACKEND=jax python examples/adversarial.py
    # A few minutes on a 2-core CPU: 5,000 images, 3 epochs, seed 0,
    # none and in-NINR, 300 attacked images.
    KERAS_BACKEND=jax python examples/adversarial.py --quick
    # Seconds, for smoke tests only: 512 images, 1 epoch, narrow networks.
    KERAS_BACKEND=jax python examples/adversarial.py --tiny

Outputs under `--out` (default `examples/results/adversarial/`):
`results.jsonl`, `fig6_fgsm.png`, `fig6_pgd.png` and `fig6.md` (with a
`_quick` or `_tiny` suffix in those modes), naming the command, backend and
device.
"""

import pathlib
import sys

from keras_ninr.experiments import reports

from _sweep_example import MODE_TEXT
from _sweep_example import architecture_grid
from _sweep_example import command_line
from _sweep_example import make_parser
from _sweep_example import mode_settings
from _sweep_example import run
from _sweep_example import run_metadata

METHODS = {
    "none": dict(regularization="none"),
    "l2": dict(regularization="l2"),
    "dropout": dict(regularization="dropout"),
    "in-ninr": dict(regularization="in-ninr", noise_stddev="decay"),
}
EPSILONS = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]
ARCHITECTURES = ["fc", "cnn"]
MODES = {
    "full": dict(
        train_size=None,
        test_size=None,
        epochs=None,
        seeds=[0, 1, 2],
        methods=list(METHODS),
        attack_size=1000,
    ),
    "quick": dict(
        train_size=5000,
        test_size=2000,
        epochs=3,
        seeds=[0],
        methods=["none", "in-ninr"],
        attack_size=300,
    ),
    "tiny": dict(
        train_size=512,
        test_size=256,
        epochs=1,
        seeds=[0],
        methods=["none", "in-ninr"],
        attack_size=64,
    ),
}
TINY_EPSILONS = [0.0, 0.1]
DEFAULT_OUT = pathlib.Path(__file__).parent / "results" / "adversarial"


def configs(
    methods,
    seeds,
    epochs,
    train_size,
    test_size,
    attack_size,
    architectures=ARCHITECTURES,
    epsilons=EPSILONS,
    tiny=False,
):
    """The sweep's `RunConfig`s: one grid per architecture."""
    return architecture_grid(
        lambda architecture: [METHODS[name] for name in methods],
        architectures=architectures,
        epochs=epochs,
        tiny=tiny,
        seeds=seeds,
        train_size=train_size,
        test_size=test_size,
        attack_size=attack_size,
        evaluations={
            "clean": True,
            "fgsm": list(epsilons),
            "pgd": list(epsilons),
        },
    )


def header(records, command, mode):
    first = records[0]
    diverged = sorted(
        {r["label"] for r in records if r["status"] == "diverged"}
    )
    epochs = {
        r["config"]["architecture"]: r["config"]["epochs"] for r in records
    }
    notes = []
    if diverged:
        notes.append(f"- Diverged: {', '.join(diverged)}.")
    if mode == "tiny":
        notes.append("- Narrow networks for a smoke test.")
    text = MODE_TEXT[mode]
    return "\n".join(
        [
            "# Fig. 6: FGSM and PGD on Fashion-MNIST",
            "",
            text,
            "",
            f"- Training: {first['data']['train_size']} images, at most "
            + ", ".join(f"{n} epochs ({a})" for a, n in epochs.items())
            + " or until 98% training accuracy",
            f"- Attacks: L∞, pixel space, on the first "
            f"{first['config']['attack_size']} test images, inference mode",
            *run_metadata(records, command, evaluation_time=True),
        ]
        + notes
        + [""]
    )


def main(argv=None):
    parser = make_parser(
        __doc__,
        METHODS,
        quick_help="5,000 images, 3 epochs, seed 0, none/in-ninr, 300 attacked",
        tiny_help="512 images, 1 epoch, narrow networks (smoke tests)",
        default_out=DEFAULT_OUT,
    )
    parser.add_argument(
        "--architectures", nargs="+", choices=ARCHITECTURES, default=None
    )
    parser.add_argument("--epsilons", nargs="+", type=float)
    parser.add_argument("--attack-size", type=int)
    args = parser.parse_args(argv)
    mode, settings = mode_settings(args, MODES)
    epsilons = args.epsilons or (TINY_EPSILONS if args.tiny else EPSILONS)
    try:
        grid = configs(
            architectures=args.architectures or ARCHITECTURES,
            epsilons=epsilons,
            tiny=args.tiny,
            **settings,
        )
    except ValueError as error:
        parser.error(str(error))

    out, records = run(grid, args)

    suffix = "" if mode == "full" else f"_{mode}"
    command = command_line("adversarial.py", records)
    lines = [header(records, command, mode)]
    for attack in ("fgsm", "pgd"):
        figure = reports.attack_figure(
            records,
            attack=attack,
            title=f"Fig. 6: {attack.upper()} on Fashion-MNIST"
            + ("" if mode == "full" else f" ({mode} settings)"),
        )
        figure_path = out / f"fig6_{attack}{suffix}.png"
        figure.savefig(figure_path, dpi=150)
        lines.append(f"![Fig. 6, {attack.upper()}]({figure_path.name})\n")
    table = reports.clean_accuracy_table(records, sigma_noise=())
    lines += [
        "Clean accuracy in %, mean ± 2 standard deviations over seeds.\n",
        table,
    ]
    text = "\n".join(lines)
    table_path = out / f"fig6{suffix}.md"
    table_path.write_text(text)
    print(table)
    print(f"Wrote {out / 'results.jsonl'}, the figures and {table_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
