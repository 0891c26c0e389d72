"""`keras-ninr reproduce NAME`: run one of the paper's experiments.

    keras-ninr reproduce --list
    keras-ninr reproduce fig2b                    # the paper's protocol (a GPU)
    keras-ninr reproduce fig2b --quick            # minutes on a 2-core CPU
    keras-ninr reproduce fig2b --epochs 20 --seeds 0 1 2 --replicas 3

The experiment is a definition of `keras_ninr.experiments.definitions`;
this command only picks it, a mode and any overrides. Every finished run is
appended to `<out>/results.jsonl` as it ends and a rerun skips the runs
already there, so a killed command resumes; the page (figures and a
Markdown table naming the command, backend, device and versions) is
rewritten from that file at the end.

`--list`, `--help` and the flags every experiment takes are answered from
`catalog` alone; the experiment's definition (and Keras) loads once the
command names one.
"""

import argparse
import os
import shlex
import sys

from keras_ninr.src import checks
from keras_ninr.src.experiments import catalog
from keras_ninr.src.experiments import flags

# The flags that are not settings of the experiment.
_COMMAND_FLAGS = ("name", "list", "quick", "tiny", "out", "data_dir", "no_progress", "page_only")
# The flags a page's command leaves out.
_NOT_IN_COMMAND = ("--page-only", "--no-progress")


def experiment_list():
    """One line per experiment: its name and what it reproduces."""
    width = max(len(name) for name in catalog.EXPERIMENTS)
    return "\n".join(
        f"{name:<{width}}  {summary}"
        for name, summary in catalog.EXPERIMENTS.items()
    )


def build_parser(experiment=None, add_help=True):
    """The flags of `keras-ninr reproduce` (of one `experiment`, if given)."""
    parser = argparse.ArgumentParser(
        prog="keras-ninr reproduce",
        add_help=add_help,
        description="Run one of the paper's experiments (resumable), then "
        "write its report. `keras-ninr reproduce NAME --help` adds the "
        "flags of that experiment.",
        epilog="Experiments:\n" + experiment_list(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "name", nargs="?", type=_experiment_name, metavar="NAME",
        help="the experiment (see --list), or a .py file that defines one as "
        "EXPERIMENT (docs/experiments.md)",
    )
    parser.add_argument("--list", action="store_true", help="list the experiments")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--quick", action="store_true",
        help="minutes on a 2-core CPU: small data, few epochs (not the paper's numbers)",
    )
    group.add_argument(
        "--tiny", action="store_true", help="seconds, narrow networks: a smoke test"
    )
    parser.add_argument("--out", help="output folder (default: results/NAME)")
    parser.add_argument("--seeds", nargs="+", type=flags.integer("seed", 0), metavar="SEED")
    # At least `catalog.minimum_epochs(NAME)`, checked once NAME is known.
    parser.add_argument("--epochs", type=flags.integer("epochs", 0), help="epoch cap")
    parser.add_argument("--train-size", type=flags.integer("train_size", 1), help="training images")
    parser.add_argument("--data-dir", help="data folder (default: $KERAS_NINR_DATA_DIR)")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument(
        "--page-only", action="store_true",
        help="train nothing: write the page from the runs already in --out "
        "(a partial page says how many of the runs it shows)",
    )
    if experiment is None:
        return parser
    # The rest from the experiment's protocol (definitions/protocol.py):
    # the common settings it takes, its own options, its run options.
    taken = set(experiment.overrides)
    methods = getattr(experiment, "methods", None)
    if methods and "methods" in taken:
        parser.add_argument("--methods", nargs="+", choices=list(methods), metavar="METHOD",
                            help="some of: " + ", ".join(methods))
    architectures = getattr(experiment, "architectures", ())
    if len(architectures) > 1 and "architectures" in taken:
        parser.add_argument("--architectures", nargs="+", choices=list(architectures))
    if "independent_noise" in taken and "full-ninr" in " ".join(methods or ()):
        # Default None, not False: the page's command names what was given.
        parser.add_argument(
            "--independent-noise", action="store_true", default=None,
            help="full-NINR: an eps per NIN (the package's full-NINR before "
            "issue 13) instead of the paper's one eps per sample",
        )
    if "test_size" in taken:
        parser.add_argument("--test-size", type=flags.integer("test_size", 1),
                            help="test images evaluated")
    for name, option in {**experiment.options, **experiment.run_options}.items():
        option.add_flag(parser, name)
    return parser


def main(argv=None):
    """Run `keras-ninr reproduce` on `argv`; the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # First the name, then the flags of that experiment (and its --help).
    generic = build_parser(add_help=False)
    first, _ = generic.parse_known_args(argv)
    if first.list:
        print(experiment_list())
        return 0
    if first.name is None:
        if {"-h", "--help"} & set(argv):
            build_parser().print_help()
            return 0
        build_parser().print_usage(sys.stderr)
        print("keras-ninr reproduce: error: name an experiment (or --list)", file=sys.stderr)
        return 2
    if first.epochs is not None:
        try:
            checks.check_int(first.epochs, "epochs", catalog.minimum_epochs(first.name))
        except ValueError as error:
            generic.error(f"argument --epochs: {error}")
    from keras_ninr.src.experiments.definitions import registry

    if first.name.endswith(".py"):
        try:
            experiment = registry.load_file(first.name)
        except ValueError as error:
            generic.error(str(error))
    else:
        experiment = registry.get(first.name)
    parser = build_parser(experiment)
    args = parser.parse_args(argv)
    if args.data_dir is not None and not os.path.isdir(args.data_dir):
        parser.error(f"--data-dir {args.data_dir}: no such folder")
    out = args.out or catalog.default_out(experiment.name)
    not_a_folder = _file_in_the_way(out)
    if not_a_folder is not None:
        parser.error(f"--out {out}: {not_a_folder} is a file, not a folder")
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    run_options = {name: getattr(args, name) for name in experiment.run_options}
    overrides = {
        k: v for k, v in vars(args).items()
        if k not in _COMMAND_FLAGS and k not in run_options and v is not None
    }
    # The command that trains the runs, without the flags that change only
    # what this call prints or whether it trains: a run's own page and a
    # page written later with --page-only name the same command.
    command = shlex.join(
        ["keras-ninr", "reproduce", *(a for a in argv if a not in _NOT_IN_COMMAND)]
    )
    try:
        experiment.settings(mode, **overrides)
    except ValueError as error:
        parser.error(str(error))
    if args.page_only:
        result = experiment.write_page(
            out, mode, command=command, data_dir=args.data_dir, **overrides
        )
        if not result.records:
            parser.error(f"--page-only: no run of this experiment in {out}/results.jsonl")
        print(f"{len(result.records)} of {len(result.records) + result.missing} runs. "
              "Wrote: " + ", ".join(result.written))
        return 0
    result = experiment.run(
        out, mode, data_dir=args.data_dir, progress=not args.no_progress, command=command,
        **run_options, **overrides,
    )
    left = f"; {result.missing} still training in another sweep" if result.missing else ""
    print(f"{len(result.records)} runs{left}. Wrote: " + ", ".join(result.written))
    return 0


def _experiment_name(text):
    """argparse type of NAME: a name of the catalog or a `.py` file."""
    if text in catalog.EXPERIMENTS or (text.endswith(".py") and os.path.isfile(text)):
        return text
    raise argparse.ArgumentTypeError(
        f"invalid choice: {text!r} (choose from {', '.join(catalog.EXPERIMENTS)}, "
        "or name a .py file that defines EXPERIMENT)"
    )


def _file_in_the_way(path):
    """The file at `path` or above it that keeps it from being a folder, or
    `None`."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return None if os.path.isdir(path) else path
