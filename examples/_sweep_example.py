"""What the sweep-based example scripts share: flags, modes, run, metadata.

Not part of the library (which never parses flags): a helper for the
scripts in this folder, imported as `_sweep_example` since Python puts the
script's folder first on the path.
"""

import argparse
import pathlib
import shlex
import sys

from keras_ninr.experiments import reports
from keras_ninr.experiments import sweep

MODE_TEXT = {
    "full": "Full protocol of this example.",
    "quick": "**Quick CPU settings (`--quick`), not the paper's protocol.**",
    "tiny": "**Smoke-test settings (`--tiny`): the numbers mean nothing.**",
}
# Epoch caps of the full protocol on Fashion-MNIST, as in the Fig. 2
# examples.
FULL_EPOCHS = {"fc": 20, "cnn": 10}
# Narrow networks for the smoke-test mode only.
TINY_ARCHITECTURES = {
    "fc": {"hidden_units": [16]},
    "cnn": {"filters": [4, 8], "dense_units": 32},
}
SIGMAS = [round(0.1 * i, 1) for i in range(11)]
TINY_SIGMAS = [0.0, 0.4]


def make_parser(doc, methods, quick_help, tiny_help, default_out):
    """A parser with the flags every sweep example takes."""
    parser = argparse.ArgumentParser(
        description=doc.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help=quick_help)
    group.add_argument("--tiny", action="store_true", help=tiny_help)
    parser.add_argument(
        "--methods", nargs="+", choices=list(methods), help="method keys"
    )
    parser.add_argument("--seeds", nargs="+", type=int)
    parser.add_argument("--epochs", type=int, help="epoch cap")
    parser.add_argument("--train-size", type=int)
    parser.add_argument("--test-size", type=int)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", default=str(default_out))
    parser.add_argument(
        "--replicas",
        type=int,
        metavar="K",
        help="train up to K runs of one method together (run_sweep replicas)",
    )
    parser.add_argument("--no-progress", action="store_true")
    return parser


def mode_settings(args, modes):
    """`(mode, settings)`: the mode's defaults, overridden by given flags."""
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    settings = dict(modes[mode])
    for key in settings:
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    return mode, settings


def run(grid, args):
    """Run (or resume) the sweep into `<out>/results.jsonl`."""
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    records = sweep.run_sweep(
        grid,
        out / "results.jsonl",
        progress=not args.no_progress,
        data_dir=args.data_dir,
        replicas=args.replicas,
    )
    return out, records


def mode_suffix(mode):
    """`""` in full mode, else `"_quick"` or `"_tiny"` (output names)."""
    return "" if mode == "full" else f"_{mode}"


def mode_title(title, mode):
    """A figure title that names the quick or tiny settings."""
    return title + ("" if mode == "full" else f" ({mode} settings)")


def architecture_grid(
    methods_of, architectures, epochs, tiny, dataset="fashion_mnist", **fields
):
    """The sweep's configs: one `expand_grid` per architecture.

    `methods_of(architecture)` gives the method dicts of that network (its
    own sigma_eps); `epochs=None` takes `FULL_EPOCHS`; `tiny` narrows the
    networks (`TINY_ARCHITECTURES`); `fields` go to every config.
    """
    grid = []
    for architecture in architectures:
        grid += sweep.expand_grid(
            methods_of(architecture),
            datasets=[dataset],
            architectures=[architecture],
            epochs=epochs or FULL_EPOCHS[architecture],
            target_accuracy=0.98,
            architecture_kwargs=(
                TINY_ARCHITECTURES[architecture] if tiny else {}
            ),
            **fields,
        )
    return grid


def panel_example_main(
    argv,
    *,
    doc,
    script,
    method_keys,
    panel_flag,
    panel_choices,
    default_panels,
    methods_of,
    heading,
    notes,
    figure_function,
    figure_name,
    default_out,
):
    """`main` of the Fig. 7 and Fig. 8 examples.

    The FC and the CNN on Fashion-MNIST, each method of `method_keys` once
    per panel value (`--<panel_flag>`: a noise distribution, an
    optimizer), tested under Eq. 8 corruption; writes `figure_name`.png
    (`figure_function`'s layout) and `figure_name`.md (with the table).
    `methods_of(architecture, method_keys, panels)` gives the method
    dicts.
    """
    small = ["none", "in-ninr-decay"]
    modes = {
        "full": dict(
            train_size=None,
            test_size=None,
            epochs=None,
            seeds=[0, 1, 2],
            methods=list(method_keys),
        ),
        "quick": dict(
            train_size=5000, test_size=2000, epochs=3, seeds=[0], methods=small
        ),
        "tiny": dict(
            train_size=512, test_size=256, epochs=1, seeds=[0], methods=small
        ),
    }
    parser = make_parser(
        doc,
        method_keys,
        quick_help="5,000 images, 3 epochs, seed 0, none/in-ninr-decay",
        tiny_help="512 images, 1 epoch, narrow networks (smoke tests)",
        default_out=default_out,
    )
    parser.add_argument(
        "--architectures", nargs="+", choices=list(FULL_EPOCHS)
    )
    parser.add_argument(
        f"--{panel_flag}", dest="panels", nargs="+", choices=panel_choices
    )
    args = parser.parse_args(argv)
    mode, settings = mode_settings(args, modes)
    methods = settings.pop("methods")
    panels = args.panels or default_panels
    sigmas = TINY_SIGMAS if args.tiny else SIGMAS
    try:
        grid = architecture_grid(
            lambda architecture: methods_of(architecture, methods, panels),
            architectures=args.architectures or list(FULL_EPOCHS),
            tiny=args.tiny,
            evaluations={"clean": True, "corruption_curve": sigmas},
            **settings,
        )
    except ValueError as error:
        parser.error(str(error))

    out, records = run(grid, args)
    command = command_line(script, records)
    header = corruption_header(heading, records, command, mode, notes)
    figure = figure_function(records, title=mode_title(heading, mode))
    table = reports.clean_accuracy_table(records, sigma_noise=(0.4,))
    write_report(out, mode, figure, figure_name, header, table, figure_name)
    return 0


def corruption_header(title, records, command, mode, notes=()):
    """The Markdown lines above a corruption figure of several networks."""
    first = records[0]
    epochs = {
        r["config"]["architecture"]: r["config"]["epochs"] for r in records
    }
    diverged = sorted(
        {
            f"{r['config']['architecture'].upper()} {r['label']}"
            for r in records
            if r["status"] == "diverged"
        }
    )
    notes = list(notes)
    if diverged:
        notes.append(f"- Diverged: {', '.join(diverged)}.")
    if mode == "tiny":
        notes.append("- Narrow networks for a smoke test.")
    return "\n".join(
        [
            f"# {title}",
            "",
            MODE_TEXT[mode],
            "",
            f"- Training: {first['data']['train_size']} images, at most "
            + ", ".join(f"{n} epochs ({a})" for a, n in epochs.items())
            + " or until 98% training accuracy; test: "
            f"{first['data']['test_size']} images, Eq. 8 corruption in "
            "pixel space",
            *run_metadata(records, command),
        ]
        + notes
        + [""]
    )


def write_report(out, mode, figure, figure_stem, header, table, page_stem):
    """Save the figure and a Markdown page (header, figure, table)."""
    suffix = mode_suffix(mode)
    figure_path = out / f"{figure_stem}{suffix}.png"
    figure.savefig(figure_path, dpi=150)
    page_path = out / f"{page_stem}{suffix}.md"
    page_path.write_text(
        header
        + "\n"
        + f"![{figure_stem}]({figure_path.name})\n\n"
        + "Accuracy in %, mean ± 2 standard deviations over seeds.\n\n"
        + table
    )
    print(table)
    print(f"Wrote {out / 'results.jsonl'}, {figure_path}, {page_path}")
    return figure_path, page_path


def command_line(script, records):
    """The command that made `records`, with the backends that ran them."""
    backends = sorted({r["backend"] for r in records})
    return f"KERAS_BACKEND={'|'.join(backends)} python " + shlex.join(
        [f"examples/{script}", *sys.argv[1:]]
    )


def run_metadata(records, command, evaluation_time=False):
    """Markdown lines: seeds, backend, device, time and command."""
    first = records[0]
    train_s = reports.training_seconds(records)
    time_line = f"- Total training time: {train_s:.0f} s"
    if evaluation_time:
        evaluate_s = sum(r["timings"]["evaluate_s"] for r in records)
        time_line += f"; evaluation (attacks included): {evaluate_s:.0f} s"
    return [
        f"- Seeds: {sorted({r['config']['seed'] for r in records})}",
        f"- Backend: {', '.join(sorted({r['backend'] for r in records}))}"
        f", Keras {first['versions']['keras']}",
        f"- Device: {first['machine']['device']} "
        f"({first['machine']['processor']}, "
        f"{first['machine']['cpu_count']} CPUs)",
        time_line,
        f"- Command: `{command}`",
    ]
