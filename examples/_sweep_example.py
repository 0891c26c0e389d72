"""What the sweep-based example scripts share: flags, modes, run, metadata.

Not part of the library (which never parses flags): a helper for the
scripts in this folder, imported as `_sweep_example` since Python puts the
script's folder first on the path.
"""

import argparse
import pathlib
import shlex
import sys

from keras_ninr import sweep

MODE_TEXT = {
    "full": "Full protocol of this example.",
    "quick": "**Quick CPU settings (`--quick`), not the paper's protocol.**",
    "tiny": "**Smoke-test settings (`--tiny`): the numbers mean nothing.**",
}


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
    )
    return out, records


def command_line(script, records):
    """The command that made `records`, with the backends that ran them."""
    backends = sorted({r["backend"] for r in records})
    return f"KERAS_BACKEND={'|'.join(backends)} python " + shlex.join(
        [f"examples/{script}", *sys.argv[1:]]
    )


def run_metadata(records, command, evaluation_time=False):
    """Markdown lines: seeds, backend, device, time and command."""
    first = records[0]
    train_s = sum(r["timings"]["train_s"] for r in records)
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
