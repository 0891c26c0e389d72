"""What the sweep-based example scripts share: methods, modes, flags, pages.

Not part of the library (which never parses flags): a helper for the
scripts in this folder, imported as `_sweep_example` since Python puts the
script's folder first on the path. Each script is a `SweepExample`, a
definition (networks, methods, modes, evaluations, page); its `main` turns
it into flags, a `keras_ninr.experiments.sweep.run_sweep` and a Markdown
page with figures from `keras_ninr.experiments.reports`.

Every finished run is appended to `<out>/results.jsonl` as it ends and a
rerun skips the runs already there, so a killed example resumes; the page
and figures are made from that file. Three modes: the full protocol (a
GPU), `--quick` (minutes on a CPU, not the paper's protocol) and `--tiny`
(seconds, narrow networks, for smoke tests); the flags `--methods`,
`--seeds`, `--epochs`, `--train-size`, `--test-size` override a mode's
settings.
"""

import argparse
import dataclasses
import functools
import pathlib
import shlex
import sys

from keras_ninr.experiments import reports
from keras_ninr.experiments import sweep
from keras_ninr.experiments import zoo

RESULTS = pathlib.Path(__file__).parent / "results"
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
    "vgg": {"filters": [4, 4, 8], "dense_units": 16},
}
SIGMAS = [round(0.1 * i, 1) for i in range(11)]
TINY_SIGMAS = [0.0, 0.4]
CORRUPTION_TEST = "test: {test_size} images, Eq. 8 corruption in pixel space"

# The FC's in-NINR catapult sigma_eps. The paper's value diverges (NaN loss)
# with App. A's initialisation in every seed tried; find_phase_boundaries.py
# measured this network's catapult/divergent boundary between 133.4 and
# 154.0 (results/phase_boundaries_fc.md), so 133 stands for the catapult.
FC_IN_NINR_CATAPULT = 133.0
FC_CATAPULT_NOTE = (
    f"- The FC's in-NINR catapult is σ_ε = {FC_IN_NINR_CATAPULT:g}, not the "
    f"paper's {zoo.noise_preset('fc', 'input', 'catapult'):g}, which "
    "diverges with this initialisation (see fmnist_fc_robustness.py)."
)
_NINR_NAMES = {"in-ninr": ("in-NINR", "input"), "full-ninr": ("full-NINR", "full")}


def cdt_method(sigma_noise):
    """Corrupted-data training at `sigma_noise`, labelled with it."""
    label = f"CDT (σ_noise = {sigma_noise:g})"
    return dict(regularization="cdt", cdt_sigma_noise=sigma_noise, label=label)


def ninr_method(architecture, regularization, phase, optimizer="sgd", sigma=None):
    """in-/full-NINR at the zoo's sigma_eps preset (or `sigma`), labelled.

    The value (a float, not the preset's name) goes into the config, as in
    the results files these examples wrote, so their run ids still match.
    """
    name, topology = _NINR_NAMES[regularization]
    if sigma is None:
        sigma = zoo.noise_preset(architecture, topology, phase, optimizer)
    return dict(
        regularization=regularization,
        noise_stddev=sigma,
        label=f"{name} {phase} (σ_ε = {sigma:g})",
    )


def figure2_methods(architecture):
    """Fig. 2's methods of the FC or the CNN, by key (Table 2's rows)."""
    methods = {
        "none": dict(regularization="none", label="None"),
        "l2": dict(regularization="l2", label="L2"),
        "dropout": dict(regularization="dropout", label="Dropout"),
        "cdt": cdt_method(0.4),
    }
    for regularization in _NINR_NAMES:
        for phase in ("decay", "catapult"):
            methods[f"{regularization}-{phase}"] = ninr_method(
                architecture, regularization, phase
            )
    if architecture == "fc":
        methods["in-ninr-catapult"] = ninr_method(
            "fc", "in-ninr", "catapult", sigma=FC_IN_NINR_CATAPULT
        )
    return methods


def decay_methods(keys):
    """Methods by key, labelled by the sweep: NINR at each network's decay
    preset (a preset name, so one method serves the FC and the CNN)."""
    return {
        key: dict(regularization=key)
        | ({"noise_stddev": "decay"} if key in _NINR_NAMES else {})
        for key in keys
    }


def modes(full_epochs, quick, tiny=None, **per_mode):
    """The settings of the full, quick and tiny modes.

    full: every image, `full_epochs` (`None`: `FULL_EPOCHS`), seeds 0-2,
    every method; quick: seed 0, `quick` = `(train_size, test_size,
    epochs, methods)`; tiny: 512 training and 256 test images, 1 epoch,
    seed 0, the methods `tiny` (defaults to quick's). `per_mode`: more
    settings, each a `(full, quick, tiny)` tuple.
    """
    train_size, test_size, epochs, methods = quick
    settings = {
        "full": dict(
            train_size=None, test_size=None, epochs=full_epochs, seeds=[0, 1, 2]
        ),
        "quick": dict(
            train_size=train_size, test_size=test_size, epochs=epochs, seeds=[0]
        ),
        "tiny": dict(train_size=512, test_size=256, epochs=1, seeds=[0]),
    }
    # The full mode's methods (`None`) are all of the example's.
    for mode, chosen in zip(settings, (None, methods, tiny or methods)):
        settings[mode]["methods"] = chosen
    for key, values in per_mode.items():
        for mode, value in zip(settings, values):
            settings[mode][key] = value
    return settings


def corruption_evaluations(args):
    """Clean accuracy and the Eq. 8 curve (two points with `--tiny`)."""
    sigmas = TINY_SIGMAS if args.tiny else SIGMAS
    return {"clean": True, "corruption_curve": sigmas}


def clean_table(*sigma_noise):
    """Table 2's columns: clean accuracy, then at each `sigma_noise`."""
    return functools.partial(reports.clean_accuracy_table, sigma_noise=sigma_noise)


@dataclasses.dataclass
class SweepExample:
    """One example script: the sweep it runs and the page it writes.

    Attributes:
        doc: The script's docstring (`--help`).
        script: Its file name, for the command line on the page.
        methods: Method dicts (`expand_grid`'s) by key: `--methods`.
        modes: `modes(...)`; the full mode's methods default to all.
        heading: The page's title, and its figures'.
        figures: `{stem: function}`: each figure saved as `<stem>.png`
            from `function(records, title=heading)`.
        page: The page's file stem.
        results: The default output folder under `examples/results/`.
            Defaults to the script's name.
        table: The page's table, from the records. Defaults to the clean
            accuracy and the accuracy at sigma_noise = 0.4.
        architectures: The networks; more than one adds
            `--architectures`.
        dataset: The training data set.
        test: What the page says was tested, formatted with the first
            record's `config` and `data` fields.
        evaluations: `(args) -> the configs' evaluations`.
        arguments: More flags, `{name: add_argument kwargs}`.
        methods_of: `(architecture, method keys, args) -> method dicts`;
            defaults to the dicts of `methods`.
        notes: More Markdown lines of the page.
    """

    doc: str
    script: str
    methods: dict
    modes: dict
    heading: str
    figures: dict
    page: str
    results: str = None
    table: object = clean_table(0.4)
    architectures: tuple = ("fc", "cnn")
    dataset: str = "fashion_mnist"
    test: str = CORRUPTION_TEST
    evaluations: object = corruption_evaluations
    arguments: dict = dataclasses.field(default_factory=dict)
    methods_of: object = None
    notes: list = dataclasses.field(default_factory=list)

    def main(self, argv=None):
        """Parse `argv` (defaults to the command line's), run (or resume)
        the sweep, write the page."""
        argv = sys.argv[1:] if argv is None else list(argv)
        args, mode, grid = self.grid(argv)
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        records = sweep.run_sweep(
            grid,
            out / "results.jsonl",
            progress=not args.no_progress,
            data_dir=args.data_dir,
            replicas=args.replicas,
        )
        self.write_page(out, mode, records, argv)
        return 0

    def grid(self, argv=None):
        """`(args, mode, configs)`: what `main(argv)` runs, untrained."""
        parser = self.parser()
        args = parser.parse_args(argv)
        mode = "tiny" if args.tiny else "quick" if args.quick else "full"
        settings = dict(self.modes[mode])
        settings["methods"] = settings["methods"] or list(self.methods)
        for key in settings:
            if getattr(args, key) is not None:
                settings[key] = getattr(args, key)
        try:
            return args, mode, self.configs(args, **settings)
        except ValueError as error:
            parser.error(str(error))

    def parser(self):
        """The flags every sweep example takes, and this one's own."""
        parser = argparse.ArgumentParser(
            description=self.doc.splitlines()[0],
            epilog=__doc__.split("\n\n", 2)[2],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        group = parser.add_mutually_exclusive_group()
        for mode in ("quick", "tiny"):
            group.add_argument(
                f"--{mode}", action="store_true", help=self._mode_help(mode)
            )
        parser.add_argument("--methods", nargs="+", choices=list(self.methods))
        parser.add_argument("--seeds", nargs="+", type=int)
        parser.add_argument("--epochs", type=int, help="epoch cap")
        parser.add_argument("--train-size", type=int)
        parser.add_argument("--test-size", type=int)
        parser.add_argument("--data-dir")
        results = self.results or self.script.removesuffix(".py")
        parser.add_argument("--out", default=str(RESULTS / results))
        parser.add_argument(
            "--replicas",
            type=int,
            metavar="K",
            help="train up to K runs of one method together (run_sweep replicas)",
        )
        parser.add_argument("--no-progress", action="store_true")
        if len(self.architectures) > 1:
            parser.add_argument(
                "--architectures", nargs="+", choices=self.architectures
            )
        for name, kwargs in self.arguments.items():
            parser.add_argument(name, **kwargs)
        return parser

    def _mode_help(self, mode):
        settings = self.modes[mode]
        words = [
            f"{settings['train_size']:,} images",
            f"{settings['epochs']} epoch" + "s" * (settings["epochs"] > 1),
            "seed 0",
            "/".join(settings["methods"]),
        ]
        words += [
            f"{key.replace('_', ' ')} {value}"
            for key, value in settings.items()
            if key not in ("train_size", "test_size", "epochs", "seeds", "methods")
        ]
        if mode == "tiny":
            words.append("narrow networks (smoke tests)")
        return ", ".join(words)

    def configs(self, args, methods, epochs, **fields):
        """The sweep's `RunConfig`s: one `expand_grid` per network."""
        grid = []
        for architecture in getattr(args, "architectures", None) or (
            self.architectures
        ):
            if self.methods_of is None:
                chosen = [self.methods[key] for key in methods]
            else:
                chosen = self.methods_of(architecture, methods, args)
            architecture_kwargs = {}
            if getattr(args, "hidden_units", None):
                architecture_kwargs = {"hidden_units": args.hidden_units}
            elif args.tiny:
                architecture_kwargs = TINY_ARCHITECTURES[architecture]
            grid += sweep.expand_grid(
                chosen,
                datasets=[self.dataset],
                architectures=[architecture],
                epochs=epochs or FULL_EPOCHS[architecture],
                target_accuracy=0.98,
                evaluations=self.evaluations(args),
                architecture_kwargs=architecture_kwargs,
                **fields,
            )
        return grid

    def write_page(self, out, mode, records, argv):
        """Save the figures and `<page>.md`: header, figures, table."""
        suffix = "" if mode == "full" else f"_{mode}"
        title = self.heading + ("" if mode == "full" else f" ({mode} settings)")
        figures = [
            (f"{stem}{suffix}.png", stem, function(records, title=title))
            for stem, function in self.figures.items()
        ]
        table = self.table(records)
        written = reports.write_report(
            out,
            f"{self.page}{suffix}.md",
            self.header(mode, records, argv),
            figures,
            [("Accuracy in %, mean ± 2 standard deviations over seeds.", table, None)],
        )
        print(table)
        print(f"Wrote {out / 'results.jsonl'}, {', '.join(written)}")
        return written

    def header(self, mode, records, argv):
        """The page's title, mode, settings, provenance and notes."""
        first = records[0]
        epochs = {
            r["config"]["architecture"]: r["config"]["epochs"] for r in records
        }
        cap = ", ".join(
            f"{n} epoch{'s' * (n > 1)}" + (f" ({a})" if len(epochs) > 1 else "")
            for a, n in epochs.items()
        )
        epochs_run = ", ".join(map(str, sorted({r["epochs_run"] for r in records})))
        test = self.test.format(**{**first["config"], **first["data"]})
        notes = list(self.notes)
        if any(r["noise_stddev_value"] == FC_IN_NINR_CATAPULT for r in records):
            notes.append(FC_CATAPULT_NOTE)
        diverged = sorted(
            {
                f"{reports.network_name(r['config'])}: {r['label']}"
                for r in records
                if r["status"] == "diverged"
            }
        )
        if diverged:
            notes.append(f"- Diverged: {'; '.join(diverged)}.")
        if first["config"]["architecture_kwargs"]:
            notes.append("- Narrow networks, for a smoke test.")
        return [
            f"# {self.heading}",
            "",
            MODE_TEXT[mode],
            "",
            f"- Training: {first['data']['train_size']} images, at most "
            f"{cap} or until 98% training accuracy (epochs run: "
            f"{epochs_run}); {test}",
            f"- Seeds: {sorted({r['config']['seed'] for r in records})}",
            *reports.provenance_lines(records),
            f"- Command: `{self.command_line(records, argv)}`",
            *notes,
            "",
        ]

    def command_line(self, records, argv):
        """The command that made `records`, with the backends that ran them.

        Runs found in the results file were trained by an earlier command,
        perhaps under another backend: all of theirs are named.
        """
        backends = sorted({r["backend"] for r in records})
        return f"KERAS_BACKEND={'|'.join(backends)} python " + shlex.join(
            [f"examples/{self.script}", *argv]
        )


def figure2_example(doc, architecture, modes, **fields):
    """Fig. 2a (`"fc"`) or 2b (`"cnn"`) and Table 2: Fig. 2's methods on
    Fashion-MNIST under Eq. 8 corruption."""
    letter, name = {"fc": ("a", "FC"), "cnn": ("b", "CNN")}[architecture]
    return SweepExample(
        doc,
        f"fmnist_{architecture}_robustness.py",
        figure2_methods(architecture),
        modes,
        heading=f"Fig. 2{letter} / Table 2: the {name} on Fashion-MNIST",
        figures={f"fig2{letter}": reports.corruption_figure},
        page="table2" + ("_cnn" if architecture == "cnn" else ""),
        results=f"fmnist_{architecture}",
        table=clean_table(0.4, 0.6),
        architectures=(architecture,),
        **fields,
    )


def panel_example(
    doc, script, heading, figure, panels, methods, methods_of, **fields
):
    """Figs. 7 and 8: each method on the FC and the CNN once per panel
    value (`panels`: flag, choices, default), under Eq. 8 corruption."""
    flag, choices, default = panels
    return SweepExample(
        doc,
        script,
        methods,
        modes(None, (5000, 2000, 3, ["none", "in-ninr-decay"])),
        heading=heading,
        figures=figure,
        page=next(iter(figure)),
        arguments={flag: dict(nargs="+", choices=list(choices), default=default)},
        methods_of=methods_of,
        **fields,
    )
