"""An experiment that is a sweep: its runs as data, and the page it writes.

`SweepExperiment` holds what the paper says an experiment is (networks,
data set, methods with their sigma_eps, stopping rule and epoch cap,
evaluations) and its three modes; `configs` turns a mode and any overrides
into `RunConfig`s, `run` trains them through `run_sweep` (resumable: the
results file) and writes the page (figures and a Markdown table with the
command, backend, device and versions) with `reports.write_report`.
"""

import dataclasses
import functools
import pathlib
import shlex

from keras_ninr.src import training_rules
from keras_ninr.src.experiments import catalog
from keras_ninr.src.experiments import flags
from keras_ninr.src.experiments import reports
from keras_ninr.src.experiments import sweep
from keras_ninr.src.experiments.definitions.methods import preset_notes
from keras_ninr.src.experiments.definitions.modes import MODE_TEXT
from keras_ninr.src.experiments.definitions.modes import TINY_ARCHITECTURES
from keras_ninr.src.experiments.definitions.modes import check_common_settings
from keras_ninr.src.experiments.definitions.modes import check_mode
from keras_ninr.src.experiments.definitions.protocol import Option
from keras_ninr.src.experiments.definitions.protocol import Reproduction
from keras_ninr.src.experiments.methods import CDT_SIGMA_NOISE

# Epoch caps of the full protocol on Fashion-MNIST and MNIST (the paper's
# 500 do not fit a GPU session). The cap binds: none of the 14 full FC runs
# on an H200 (results/fmnist_fc_gpu) reached 98% training accuracy in 20.
FULL_EPOCHS = {"fc": 20, "cnn": 10, "vgg": 30}
SIGMAS = tuple(round(0.1 * i, 1) for i in range(11))
TINY_SIGMAS = (0.0, 0.4)
CORRUPTION_TEST = "test: {test_size} images, Eq. 8 corruption in pixel space"
# What every sweep experiment's mode can be overridden in.
COMMON_OVERRIDES = (
    "seeds", "epochs", "methods", "train_size", "test_size", "architectures",
    "independent_noise",
)
_RUN_CONFIG_FIELDS = {field.name for field in dataclasses.fields(sweep.RunConfig)}


def corruption_evaluations(settings, mode):
    """Clean accuracy and the Eq. 8 curve (two points in the tiny mode)."""
    return {
        "clean": True,
        "corruption_curve": list(TINY_SIGMAS if mode == "tiny" else SIGMAS),
    }


def clean_table(*sigma_noise, paper=None):
    """Table 2's columns: clean accuracy (and the paper's, `paper`: see
    `reports.clean_accuracy_table`), then at each `sigma_noise`."""
    return functools.partial(
        reports.clean_accuracy_table, sigma_noise=sigma_noise, paper=paper
    )


@dataclasses.dataclass(frozen=True)
class SweepExperiment:
    """One paper experiment that is a sweep, and the page it writes.

    Attributes:
        name: The registry's key, e.g. `"fig2b"`.
        summary: One line on what it reproduces. Defaults to `None`: the
            package's experiments have theirs in `catalog.EXPERIMENTS`
            (`reproduce --list` reads them there, without Keras).
        heading: The page's title, and its figures'.
        methods: Methods by key (`methods=` picks some): each an
            `expand_grid` method dict, or a string in `keras-ninr sweep
            --methods`'s grammar (`"in-ninr:51.8"`, `"cdt:0.2"`, `"l2"`),
            which means the same run in both.
        modes: `{"full": Mode, "quick": Mode, "tiny": Mode}`.
        page: The page's file stem.
        figures: `{stem: function}`: each figure saved as `<stem>.png`
            from `function(records, title=heading)`, unless that returns
            `None` (nothing to draw in these records).
        table: The page's table, from the records. Defaults to the clean
            accuracy and the accuracy at sigma_noise = 0.4.
        architectures: The networks.
        dataset: The training data set.
        test: What the page says was tested, formatted with the first
            record's `config` and `data` fields.
        evaluations: `(settings, mode) -> the configs' evaluations`.
        options: The experiment's own settings, `{name: Option}`; a mode
            gives their values, a user may override them.
        methods_of: `(architecture, method keys, settings) -> method
            dicts`; defaults to the dicts of `methods`.
        fields: More `RunConfig` fields of every run (e.g. Table 2's
            `validation_split`).
        target_accuracy: The stopping rule's training accuracy (`None`:
            train every epoch). Defaults to 98%.
        full_epochs: Epoch caps by network where a mode gives none.
        notes: More Markdown lines of the page.
    """

    name: str
    heading: str
    methods: dict
    modes: dict
    page: str
    summary: str = None
    figures: dict = dataclasses.field(default_factory=dict)
    table: object = clean_table(0.4)
    architectures: tuple = ("fc", "cnn")
    dataset: str = "fashion_mnist"
    test: str = CORRUPTION_TEST
    evaluations: object = corruption_evaluations
    options: dict = dataclasses.field(default_factory=dict)
    methods_of: object = None
    fields: dict = dataclasses.field(default_factory=dict)
    target_accuracy: object = training_rules.TARGET_ACCURACY
    full_epochs: dict = dataclasses.field(default_factory=lambda: dict(FULL_EPOCHS))
    notes: tuple = ()

    # The protocol's (definitions/protocol.py): the settings every sweep
    # takes beyond `options`, and the keywords of `run` that say how it runs.
    overrides = COMMON_OVERRIDES
    run_options = {
        "replicas": Option("train up to K runs of one method together", int,
                           multiple=False, minimum=1),
        "executor": Option("ray: each run as a Ray task (pip install keras-ninr[ray])",
                           choices=("local", "ray"), multiple=False, default="local"),
        "address": Option("with --executor ray: a Ray cluster", multiple=False),
        "gpus_per_task": Option("with --executor ray: GPUs a task reserves", float,
                                multiple=False, minimum=0, default=0),
        "cpus_per_task": Option("with --executor ray: CPU cores a task reserves", float,
                                multiple=False, minimum=0, default=1),
    }

    def __post_init__(self):
        if self.summary is None:
            object.__setattr__(self, "summary", catalog.EXPERIMENTS.get(self.name))

    def settings(self, mode="full", **overrides):
        """The mode's settings with `overrides` applied, as a dict.

        Keys: `COMMON_OVERRIDES` and the experiment's `options`. An
        override of `None` keeps the mode's value. `independent_noise`
        (default `False`) gives full-NINR an eps per NIN
        (`RunConfig(shared_noise=False)`).
        """
        check_mode(mode)
        allowed = self.overrides + tuple(self.options)
        unknown = sorted(set(overrides) - set(allowed))
        if unknown:
            raise ValueError(
                f"Unrecognized setting(s) {unknown} of experiment "
                f"{self.name!r}. Expected some of {list(allowed)}."
            )
        chosen = self.modes[mode]
        settings = dict(
            train_size=chosen.train_size,
            test_size=chosen.test_size,
            epochs=chosen.epochs,
            seeds=list(chosen.seeds),
            methods=list(chosen.methods or self.methods),
            architectures=list(self.architectures),
            tiny_networks=chosen.tiny_networks,
            independent_noise=False,
            **{name: None for name in self.options},
        )
        settings.update(chosen.settings)
        settings.update({k: v for k, v in overrides.items() if v is not None})
        check_common_settings(settings, catalog.minimum_epochs(self.name))
        for key in settings["methods"]:
            if key not in self.methods:
                raise ValueError(
                    f"Unrecognized method {key!r} of experiment {self.name!r}. "
                    f"Expected some of {list(self.methods)}."
                )
        for architecture in settings["architectures"]:
            if architecture not in self.architectures:
                raise ValueError(
                    f"Unrecognized architecture {architecture!r} of experiment "
                    f"{self.name!r}. Expected some of {list(self.architectures)}."
                )
        for name, option in self.options.items():
            option.check_setting(self.name, name, settings[name])
        return settings

    def configs(self, mode="full", **overrides):
        """The sweep's `RunConfig`s: one `expand_grid` per network."""
        settings = self.settings(mode, **overrides)
        fields = dict(self.fields)
        if settings["independent_noise"]:
            fields["shared_noise"] = False
        fields.update(
            {
                name: settings[name]
                for name in self.options
                if name in _RUN_CONFIG_FIELDS and settings[name] is not None
            }
        )
        grid = []
        for architecture in settings["architectures"]:
            if self.methods_of is None:
                chosen = [self.methods[key] for key in settings["methods"]]
            else:
                chosen = self.methods_of(architecture, settings["methods"], settings)
            # A method may be written in `keras-ninr sweep --methods`'s
            # grammar ("in-ninr:51.8", "cdt:0.2", "full-ninr:catapult").
            chosen = [
                flags.method(m, CDT_SIGMA_NOISE) if isinstance(m, str) else m
                for m in chosen
            ]
            architecture_kwargs = {}
            if settings.get("hidden_units"):
                architecture_kwargs = {"hidden_units": list(settings["hidden_units"])}
            elif settings["tiny_networks"]:
                architecture_kwargs = TINY_ARCHITECTURES[architecture]
            grid += sweep.expand_grid(
                chosen,
                seeds=settings["seeds"],
                datasets=[self.dataset],
                architectures=[architecture],
                epochs=(
                    self.full_epochs[architecture]
                    if settings["epochs"] is None
                    else settings["epochs"]
                ),
                target_accuracy=self.target_accuracy,
                train_size=settings["train_size"],
                test_size=settings["test_size"],
                evaluations=self.evaluations(settings, mode),
                architecture_kwargs=architecture_kwargs,
                **fields,
            )
        return grid

    def run(
        self,
        out,
        mode="full",
        *,
        replicas=None,
        data_dir=None,
        progress=True,
        executor="local",
        command=None,
        address=None,
        cpus_per_task=1,
        gpus_per_task=0,
        **overrides,
    ):
        """Train (or resume) the experiment, then write its page.

        Args:
            out: Folder of `results.jsonl`, the figures and the page.
            mode: `"full"`, `"quick"` or `"tiny"`. Defaults to `"full"`.
            replicas: Optional int: train up to K runs together
                (`run_sweep`'s `replicas`).
            data_dir: Optional data folder (`keras_ninr.datasets.load`).
            progress: Show a progress bar. Defaults to `True`.
            executor: `"local"` or `"ray"` (`run_sweep`).
            command: The command line the page names. Defaults to the
                `keras-ninr reproduce` command of these arguments.
            address, cpus_per_task, gpus_per_task: With `executor="ray"`,
                as in `run_sweep`.
            **overrides: Settings that replace the mode's (`settings`).

        Returns:
            A `Reproduction`.
        """
        configs = self.configs(mode, **overrides)
        out = pathlib.Path(out)
        out.mkdir(parents=True, exist_ok=True)
        records = sweep.run_sweep(
            configs,
            out / "results.jsonl",
            progress=progress,
            data_dir=data_dir,
            replicas=replicas,
            executor=executor,
            address=address,
            cpus_per_task=cpus_per_task,
            gpus_per_task=gpus_per_task,
        )
        if command is None:
            command = reproduce_command(self.name, mode, overrides)
        missing = len(configs) - len(records)
        written = self.report(out, records, mode, command, missing) if records else []
        return Reproduction(records, written, missing)

    def write_page(self, out, mode="full", *, command=None, data_dir=None, **overrides):
        """Write the page from the runs already in `<out>/results.jsonl`,
        training nothing: the page of a run still under way (or stopped),
        which says at its top how many of the runs it shows. (`data_dir`
        is not read: a sweep's run ids need no data.)

        Returns:
            A `Reproduction` (`missing`: the runs not yet recorded).
        """
        configs = self.configs(mode, **overrides)
        wanted = {config.run_id for config in configs}
        records = reports.unique_runs(
            record
            for record in sweep.load_results(pathlib.Path(out) / "results.jsonl")
            if record["run_id"] in wanted
        )
        # In the order of `configs`, as `run` (`run_sweep`) gives them: the
        # file's order is the order the runs ended (Ray, a resumed run,
        # sweeps sharing the file), which the page must not depend on.
        by_id = {record["run_id"]: record for record in records}
        records = [by_id.pop(c.run_id) for c in configs if c.run_id in by_id]
        if command is None:
            command = reproduce_command(self.name, mode, overrides)
        missing = len(configs) - len(records)
        written = self.report(out, records, mode, command, missing) if records else []
        return Reproduction(records, written, missing)

    def report(self, out, records, mode="full", command=None, missing=0):
        """Save the figures and `<page>[_mode].md`: header, figures, table.

        `missing`: runs of the experiment not in `records` yet; the page
        then says "n of N runs" at its top.
        """
        check_mode(mode)
        records = reports.unique_runs(records)
        suffix = "" if mode == "full" else f"_{mode}"
        title = self.heading + ("" if mode == "full" else f" ({mode} settings)")
        figures = [
            (f"{stem}{suffix}.png", stem, figure)
            for stem, function in self.figures.items()
            if (figure := function(records, title=title)) is not None
        ]
        table = self.table(records)
        return reports.write_report(
            out,
            f"{self.page}{suffix}.md",
            self.header(mode, records, command, missing),
            figures,
            [("Accuracy in %, mean ± 2 standard deviations over seeds.", table, None)],
        )

    def header(self, mode, records, command=None, missing=0):
        """The page's title, mode, settings, provenance and notes."""
        first = records[0]
        runs = len(reports.unique_runs(records))
        partial = (
            [
                f"**Partial: {runs} of {runs + missing} runs so far** (the "
                "rest still to train; rerunning the command resumes them).",
                "",
            ]
            if missing
            else []
        )
        epochs = {r["config"]["architecture"]: r["config"]["epochs"] for r in records}
        cap = ", ".join(
            f"{n} epoch{'s' * (n > 1)}" + (f" ({a})" if len(epochs) > 1 else "")
            for a, n in epochs.items()
        )
        epochs_run = ", ".join(map(str, sorted({r["epochs_run"] for r in records})))
        test = self.test.format(**{**first["config"], **first["data"]})
        target = first["config"].get("target_accuracy")
        stop = f"or until {target:.0%} training accuracy" if target else "(no early stop)"
        notes = list(self.notes)
        notes += preset_notes(records)
        diverged = sorted(
            {
                f"{reports.network_name(r['config'])}: {r['label']}"
                for r in records
                if r["status"] == "diverged"
            }
        )
        if diverged:
            notes.append(f"- Diverged: {'; '.join(diverged)}.")
        notes.insert(0, ended_by(records, target))
        if first["config"]["architecture_kwargs"]:
            notes.append("- Narrow networks, for a smoke test.")
        lines = [
            f"# {self.heading}",
            "",
            *partial,
            MODE_TEXT[mode],
            "",
            f"- Training: {first['data']['train_size']} images, at most "
            f"{cap} {stop} (epochs run: {epochs_run}); {test}",
            f"- Seeds: {sorted({r['config']['seed'] for r in records})}",
            *reports.provenance_lines(records),
        ]
        return [*lines, *command_lines(records, command), *notes, ""]


def ended_by(records, target):
    """The page's line saying which stop ended the runs: the target
    training accuracy, the epoch cap or the divergence test."""
    reached = sum(bool(r.get("reached_target")) for r in records)
    diverged = sum(r["status"] == "diverged" for r in records)
    capped = len(records) - reached - diverged
    parts = [f"the epoch cap: {capped}"]
    if target:
        parts.insert(0, f"{target:.0%} training accuracy: {reached}")
    if diverged:
        parts.append(f"divergence: {diverged}")
    return f"- Runs ended by {'; '.join(parts)} (of {len(records)})."


def command_lines(records, command):
    """The page's line naming the command that made `records`, with every
    backend that trained them (runs found in the results file may come
    from an earlier command under another backend); none if no command."""
    if not command:
        return []
    backends = "|".join(sorted({str(r.get("backend")) for r in records}))
    return [f"- Command: `KERAS_BACKEND={backends} {command}`"]


def reproduce_command(name, mode="full", overrides=None):
    """The `keras-ninr reproduce` command line of an experiment's run."""
    words = ["keras-ninr", "reproduce", name]
    if mode != "full":
        words.append(f"--{mode}")
    for key, value in (overrides or {}).items():
        if value is None or value is False:
            continue
        words.append("--" + key.replace("_", "-"))
        if value is True:
            continue
        if isinstance(value, (list, tuple)):
            words += [str(v) for v in value]
        else:
            words.append(str(value))
    return shlex.join(words)
