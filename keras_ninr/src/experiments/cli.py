"""The `keras-ninr` command: reproduce an experiment, run a sweep, report.

    keras-ninr reproduce --list                          # the paper's experiments
    keras-ninr reproduce fig2b --quick                   # one of them, on a CPU
    keras-ninr sweep --results runs.jsonl --epochs 20 --seeds 0 1 2 \\
        --methods none dropout in-ninr:51.8 full-ninr:catapult
    keras-ninr sweep --results quick.jsonl --quick      # minutes on a CPU
    keras-ninr report --results runs.jsonl --out report/
    keras-ninr report --results optimizers.jsonl --figure fig8

`python -m keras_ninr` is the same command. The subcommands are thin
wrappers over `keras_ninr.experiments.definitions` (`reproduce`, see
`keras_ninr.src.experiments.reproduce`), `keras_ninr.experiments.sweep`
(`run_sweep`) and `keras_ninr.experiments.reports`
(`write_results_report`); rerunning either skips the runs already in its
results file.

The parsers are built from `catalog`'s names and read their flags (numbers,
`--methods`) with `flags`, so that `--help`, `reproduce --list` and a bad
flag answer before Keras and its backend load; the subcommands import the
kit when they run.
"""

import argparse
import os
import sys

import keras_ninr
from keras_ninr.src import training_rules
from keras_ninr.src.experiments import catalog
from keras_ninr.src.experiments import flags
from keras_ninr.src.experiments.methods import CDT_SIGMA_NOISE
from keras_ninr.src.experiments import reproduce
from keras_ninr.src.experiments.definitions.modes import SWEEP_MODES

EXIT_INTERRUPTED = 130

# What `--quick` and a full sweep take where the flags leave it out.
_DEFAULTED = ("train_size", "test_size", "epochs", "seeds", "methods")


def sweep_defaults(quick):
    """The settings of `keras-ninr sweep`'s mode (`modes.SWEEP_MODES`)."""
    mode = SWEEP_MODES["quick" if quick else "full"]
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in ((key, getattr(mode, key)) for key in _DEFAULTED)
    }


# The layer-width flags, by the architecture argument each becomes: the
# architectures that take it, its metavar, and what its values are.
_WIDTH_FLAGS = {
    "hidden_units": (("fc", "fc1"), "UNITS", "hidden layer widths"),
    "filters": (("cnn", "vgg"), "COUNT", "filters per conv block"),
}


def build_parser():
    """The argument parser of `keras-ninr` (for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="keras-ninr",
        description="Noise Injection Node Regularization: sweeps and reports "
        "(arXiv:2210.15764).",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {keras_ninr.__version__}",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    # Listed for `--help` only: its flags depend on the experiment, so
    # `main` hands everything after `reproduce` to `reproduce.main` before
    # this parser runs.
    commands.add_parser(
        "reproduce",
        help="run one of the paper's experiments (--list), then its report",
        add_help=False,
    )

    sweep_parser = commands.add_parser(
        "sweep",
        help="train a grid of runs, appending each to a results file",
        # A description is not %-formatted (a help string is): one "%".
        description="Train methods x seeds x sigma_eps x data set x "
        "architecture as the paper does (SGD, until 98% training accuracy "
        "or --epochs) and evaluate each run. Runs already in --results are "
        "skipped: rerun the same command to resume. Several sweeps may "
        "write one results file at once; each run is trained by one.",
    )
    sweep_parser.add_argument(
        "--results", required=True, help="JSON-lines results file (appended)"
    )
    sweep_parser.add_argument(
        "--quick",
        action="store_true",
        help="small defaults for a CPU: "
        + ", ".join(
            f"{key.replace('_', '-')} {_words(value)}"
            for key, value in sweep_defaults(quick=True).items()
        ),
    )
    sweep_parser.add_argument(
        "--dataset",
        nargs="+",
        default=["fashion_mnist"],
        choices=catalog.TRAINING_DATASETS,
    )
    sweep_parser.add_argument(
        "--architecture",
        nargs="+",
        default=["fc"],
        choices=catalog.ARCHITECTURES,
    )
    sweep_parser.add_argument(
        "--methods",
        nargs="+",
        metavar="METHOD",
        help="regularizations: none, l2, dropout, cdt[:SIGMA_NOISE], "
        "in-ninr[:SIGMA_EPS], full-ninr[:SIGMA_EPS]; SIGMA_EPS is a number "
        "or a preset (decay, catapult). Default: "
        f"{_words(sweep_defaults(quick=False)['methods'])}",
    )
    sweep_parser.add_argument(
        "--noise-stddev",
        nargs="+",
        default=["decay"],
        metavar="SIGMA_EPS",
        help="sigma_eps values or presets for NINR methods given without "
        "one (default: decay)",
    )
    sweep_parser.add_argument("--noise-distribution", default="normal")
    sweep_parser.add_argument(
        "--independent-noise",
        action="store_true",
        help="full-ninr: each NIN draws its own eps (the package's full-NINR "
        "before issue 13) instead of the paper's one eps per sample",
    )
    sweep_parser.add_argument(
        "--weight-decay",
        type=float,
        metavar="L2",
        help="l2: the Keras L2 coefficient (default: App. A's 5e-4; 2.5e-4 "
        "is SGD weight decay 5e-4)",
    )
    sweep_parser.add_argument(
        "--cdt-sigma-noise",
        type=float,
        default=CDT_SIGMA_NOISE,
        help="sigma_noise of cdt given without one (default: %(default)s)",
    )
    sweep_parser.add_argument(
        "--seeds", nargs="+", type=flags.integer("seed", 0), metavar="SEED"
    )
    sweep_parser.add_argument(
        "--epochs",
        type=flags.integer("epochs", 1),
        help="epoch cap (default: 500)",
    )
    sweep_parser.add_argument(
        "--target-accuracy",
        type=flags.optional_number,
        default=training_rules.TARGET_ACCURACY,
        help="stop at this training accuracy; 'none' trains all epochs "
        f"(default: {training_rules.TARGET_ACCURACY})",
    )
    sweep_parser.add_argument(
        "--train-size", type=flags.integer("train_size", 1), help="default: all"
    )
    sweep_parser.add_argument(
        "--test-size", type=flags.integer("test_size", 1), help="default: all"
    )
    sweep_parser.add_argument(
        "--validation-split",
        type=float,
        metavar="FRACTION",
        help="hold out this fraction of the training images and report the "
        "accuracy on them (Table 2: 0.4); default: none",
    )
    sweep_parser.add_argument(
        "--batch-size",
        type=flags.integer("batch_size", 1),
        help="default: the paper's (128)",
    )
    sweep_parser.add_argument(
        "--optimizer", default="sgd", choices=catalog.OPTIMIZERS
    )
    sweep_parser.add_argument(
        "--learning-rate", type=float, help="default: the paper's"
    )
    sweep_parser.add_argument(
        "--sigmas",
        nargs="+",
        type=float,
        metavar="SIGMA_NOISE",
        help="sigma_noise values of the corruption curve "
        "(default: 0, 0.1, ..., 1)",
    )
    sweep_parser.add_argument(
        "--attack",
        nargs="+",
        action="append",
        metavar=("NAME", "EPS"),
        help="an attack of keras_ninr.robustness.ATTACKS (the paper's: fgsm, "
        "pgd) and its epsilons in pixel units, e.g. --attack fgsm 0 0.02 "
        "0.05 --attack pgd 0.02; repeat for several attacks",
    )
    sweep_parser.add_argument(
        "--attack-size",
        type=flags.integer("attack_size", 1),
        default=1000,
        help="test images attacked (default: 1000)",
    )
    sweep_parser.add_argument(
        "--domain-shift",
        nargs="*",
        metavar="VARIANT",
        help="evaluate on USPS (train on mnist); variants lecun (default), "
        "resize28, pad",
    )
    for name, (architectures, metavar, what) in _WIDTH_FLAGS.items():
        sweep_parser.add_argument(
            "--" + name.replace("_", "-"),
            nargs="+",
            type=flags.integer(name, 1),
            metavar=metavar,
            help=f"{what} of {'/'.join(architectures)} (default: the paper's)",
        )
    sweep_parser.add_argument(
        "--data-dir", help="data folder (default: $KERAS_NINR_DATA_DIR)"
    )
    sweep_parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list the runs and whether they are done; train nothing",
    )
    sweep_parser.add_argument(
        "--replicas",
        type=flags.integer("replicas", 1),
        metavar="K",
        help="train up to K runs that differ only in seed, sigma_eps, noise "
        "distribution or CDT strength together, in one compiled step "
        "(default: one run at a time)",
    )
    sweep_parser.add_argument(
        "--executor",
        choices=["local", "ray"],
        default="local",
        help="local: one run after the other in this process; ray: each "
        "run (or group of replicas) as a Ray task, on this machine or on "
        "a Ray cluster (pip install keras-ninr[ray]) (default: local)",
    )
    sweep_parser.add_argument(
        "--address",
        metavar="ADDR",
        help="with --executor ray: address of a running Ray cluster "
        "(printed by `ray start --head`; 'auto' for the local one) "
        "(default: start Ray on this machine)",
    )
    sweep_parser.add_argument(
        "--gpus-per-task",
        type=flags.number("gpus_per_task", 0),
        default=0,
        metavar="F",
        help="with --executor ray: GPUs per run; 1 for a run per GPU, a "
        "fraction (e.g. 0.25) to share a GPU between small runs "
        "(default: 0)",
    )
    sweep_parser.add_argument(
        "--cpus-per-task",
        type=flags.number("cpus_per_task", 0),
        default=1,
        metavar="N",
        help="with --executor ray: CPU cores per run (default: 1)",
    )
    sweep_parser.add_argument("--no-progress", action="store_true")
    sweep_parser.set_defaults(run=_sweep, parser=sweep_parser)

    report_parser = commands.add_parser(
        "report",
        help="figures and Markdown tables from a results file",
        description="Write Fig. 2-style (corruption), Fig. 6-style "
        "(attacks) figures and Table 1/2-style Markdown tables.",
    )
    report_parser.add_argument(
        "--figure",
        choices=catalog.CORRUPTION_FIGURES,
        default="fig2",
        help="layout of the corruption figure: fig2, a panel per network "
        "(corruption.png); fig7, per noise distribution; fig8, per "
        "optimizer; fig9, the VGG net on CIFAR-10 (default: fig2)",
    )
    report_parser.add_argument("--results", required=True)
    report_parser.add_argument(
        "--out", help="output folder (default: the results file's folder)"
    )
    report_parser.add_argument(
        "--sigma-noise",
        nargs="+",
        type=float,
        default=[0.4],
        help="sigma_noise columns of the clean-accuracy table "
        "(default: 0.4)",
    )
    report_parser.add_argument("--title", help="title of the figures")
    report_parser.set_defaults(run=_report, parser=report_parser)
    return parser


def main(argv=None):
    """Run `keras-ninr` on `argv` (default `sys.argv[1:]`); the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["reproduce"] or (
        argv[:1] == ["sweep"] and len(argv) > 1 and argv[1].endswith(".py")
    ):
        # Its flags depend on the experiment named after it; a sweep of
        # one's own in a file is an experiment (docs/experiments.md).
        return _run(lambda: reproduce.main(argv[1:]), argv[0])
    parser = build_parser()
    args = parser.parse_args(argv)
    return _run(lambda: args.run(args, args.parser), args.command)


def _run(function, command):
    """`function()`, with an interrupt or a known error as an exit code."""
    try:
        return function()
    except KeyboardInterrupt:
        print(
            "\nInterrupted. Finished runs are in the results file; rerun "
            "the same command to resume.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except (FileNotFoundError, ImportError, ValueError) as error:
        # Missing data, a missing optional package, data that does not fit
        # the arguments: a message, not a traceback.
        print(f"keras-ninr {command}: error: {error}", file=sys.stderr)
        return 1


def _sweep(args, parser):
    from keras_ninr.src.experiments import sweep

    for key, value in sweep_defaults(args.quick).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.data_dir is not None and not os.path.isdir(args.data_dir):
        parser.error(f"--data-dir {args.data_dir}: no such folder")
    try:
        configs = sweep.expand_grid(
            [flags.method(m, args.cdt_sigma_noise) for m in args.methods],
            seeds=args.seeds,
            noise_stddevs=[flags.noise_stddev(v) for v in args.noise_stddev],
            datasets=args.dataset,
            architectures=args.architecture,
            **_common_fields(args),
        )
    except ValueError as error:
        parser.error(str(error))

    if args.dry_run:
        done = {r["run_id"] for r in sweep.load_results(args.results)}
        for index, config in enumerate(configs, start=1):
            state = "done" if config.run_id in done else "to run"
            print(
                f"{index:4d} {config.run_id} {state:6s} {config.dataset} "
                f"{config.architecture} {config.method_label} "
                f"seed {config.seed}"
            )
        return 0
    records = sweep.run_sweep(
        configs,
        args.results,
        progress=not args.no_progress,
        data_dir=args.data_dir,
        replicas=args.replicas,
        executor=args.executor,
        address=args.address,
        cpus_per_task=args.cpus_per_task,
        gpus_per_task=args.gpus_per_task,
    )
    diverged = sum(r["status"] == "diverged" for r in records)
    left = len(configs) - len(records)
    elsewhere = (
        f"; {left} still training in another sweep writing this file"
        if left
        else ""
    )
    print(
        f"{len(records)} of {len(configs)} runs in {args.results} "
        f"({diverged} diverged{elsewhere}). "
        f"Report: keras-ninr report --results {args.results} --out DIR"
    )
    return 0


def _common_fields(args):
    from keras_ninr.src.experiments import sweep

    evaluations = {"clean": True}
    evaluations["corruption_curve"] = (
        args.sigmas
        if args.sigmas is not None
        else sweep.DEFAULT_EVALUATIONS["corruption_curve"]
    )
    for name, *epsilons in args.attack or ():
        # The name is checked against the registry with the config.
        evaluations[name] = flags.attack_epsilons(name, epsilons)
    if args.domain_shift is not None:
        if args.dataset != ["mnist"]:
            raise ValueError(
                "--domain-shift tests MNIST-trained models on USPS (Table "
                "1): use it with --dataset mnist. Received: --dataset "
                f"{' '.join(args.dataset)}"
            )
        evaluations["domain_shift"] = args.domain_shift or ["lecun"]
    architecture_kwargs = {}
    for name, (architectures, _, _) in _WIDTH_FLAGS.items():
        if getattr(args, name):
            flag = "--" + name.replace("_", "-")
            _only_with(args, flag, architectures)
            architecture_kwargs[name] = getattr(args, name)
    return dict(
        epochs=args.epochs,
        target_accuracy=args.target_accuracy,
        train_size=args.train_size,
        test_size=args.test_size,
        validation_split=args.validation_split,
        batch_size=args.batch_size,
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        noise_distribution=args.noise_distribution,
        # Each is normalised away where its regularization does not use it.
        shared_noise=not args.independent_noise,
        weight_decay=args.weight_decay,
        evaluations=evaluations,
        attack_size=args.attack_size,
        architecture_kwargs=architecture_kwargs,
    )


def _only_with(args, flag, architectures):
    others = [a for a in args.architecture if a not in architectures]
    if others:
        raise ValueError(
            f"{flag} applies to the architectures {', '.join(architectures)}"
            f" only. Received: --architecture {' '.join(args.architecture)}"
        )


def _words(value):
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _report(args, parser):
    from keras_ninr.src.experiments import reports
    from keras_ninr.src.experiments import sweep

    if not os.path.isfile(args.results):
        parser.error(f"--results {args.results}: no such file")
    try:
        records = sweep.load_results(args.results)
    except ValueError as error:
        parser.error(str(error))
    if not records:
        parser.error(f"--results {args.results}: holds no finished run")
    written = reports.write_results_report(
        records,
        args.out or os.path.dirname(os.path.abspath(args.results)),
        source=args.results,
        figure=args.figure,
        sigma_noise=args.sigma_noise,
        title=args.title,
    )
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
