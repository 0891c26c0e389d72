"""Fig. 3 and the phase-boundary finder as experiments (Sec. 2.2, App. A).

Neither is a sweep of methods: Fig. 3 trains the one-hidden-layer FC at
four sigma_eps (sigma_eps^2 = {0, 0.1, 1, 1.8} d_in / eta) and labels each
run's phase from its NIW dynamics (`PhaseMonitor`); the finder brackets the
phase boundaries of a network with short trainings
(`keras_ninr.phases.find_phase_boundaries`) and, in the full mode, checks
the catapult/divergent bracket with two full trainings. Both append each
finished run to `results.jsonl` as it ends and skip the runs already there,
so a killed run resumes; the page is made from that file.
"""

import dataclasses
import hashlib
import json
import math
import pathlib
import time

import keras
import numpy as np

from keras_ninr.src.callbacks.phase_monitor import PhaseMonitor
from keras_ninr.src.experiments import catalog
from keras_ninr.src.experiments import execution
from keras_ninr.src.experiments import provenance
from keras_ninr.src.experiments import reports
from keras_ninr.src.experiments import zoo
from keras_ninr.src.experiments.definitions.modes import MODE_TEXT
from keras_ninr.src.experiments.definitions.modes import TINY_ARCHITECTURES
from keras_ninr.src.experiments.definitions.modes import Mode
from keras_ninr.src.experiments.definitions.modes import check_common_settings
from keras_ninr.src.experiments.definitions.modes import check_mode
from keras_ninr.src.experiments.definitions.protocol import Option
from keras_ninr.src.experiments.definitions.protocol import Reproduction
from keras_ninr.src.experiments.definitions.sweep_experiment import command_lines
from keras_ninr.src.experiments.definitions.sweep_experiment import reproduce_command
from keras_ninr.src.experiments.sweep import RunConfig
from keras_ninr.src.experiments.sweep.checks import to_json
from keras_ninr.src.experiments.sweep.data import DataCache
from keras_ninr.src.experiments.sweep.store import append_record
from keras_ninr.src.phases.figures import phase_figure
from keras_ninr.src.phases.finder import find_phase_boundaries

# Fig. 3: sigma_eps^2 as a fraction of d_in / eta, and the paper's phase.
PAPER_PHASES = {0.0: "decoupled", 0.1: "decay", 1.0: "catapult", 1.8: "divergent"}
DATASETS = {"fc1": "fashion_mnist", "fc": "fashion_mnist", "cnn": "fashion_mnist", "vgg": "cifar10"}


def read_records(path):
    """The complete JSON lines of `path` (none if it does not exist); an
    unfinished last line (a killed write) is ignored and redone."""
    path = pathlib.Path(path)
    if not path.exists():
        return []
    text = path.read_text()
    complete = text[: text.rfind("\n") + 1]
    return [json.loads(line) for line in complete.splitlines() if line.strip()]


def _run_id(**fields):
    text = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _provenance(seconds, diverged=False):
    """What every record names, as a sweep's records do (so that the
    kit's `provenance_lines` reads them): status, time, backend, machine."""
    return {
        "status": "diverged" if diverged else "finished",
        "timings": {"train_s": seconds},
        "backend": keras.backend.backend(),
        "machine": provenance.machine(),
        "versions": provenance.versions(),
    }


def _check_overrides(name, overrides, allowed):
    unknown = sorted(set(overrides) - set(allowed))
    if unknown:
        raise ValueError(
            f"Unrecognized setting(s) {unknown} of experiment {name!r}. "
            f"Expected some of {list(allowed)}."
        )


def _data_and_count(architecture, train_size, data_dir, train):
    """The data (with `train`; else `None`: [0, 1] pixels of the network's
    data set, a channel axis for the convolutional ones, and their
    statistics, as a sweep prepares them) and the number of training
    images, which the run ids name: `train_size` where given (the data
    refuses a size beyond the data set), so that a page of a run with a
    given size needs no data set."""
    if train or train_size is None:
        config = RunConfig(dataset=DATASETS[architecture], architecture=architecture, train_size=train_size)
        data = DataCache(data_dir).prepare(config)
        return (data if train else None), len(data.x_train)
    return None, train_size


class _RecordedExperiment:
    """`run` and `write_page` of an experiment that appends each finished
    run to `<out>/results.jsonl` and makes its page from that file; the
    subclass's `_reproduce(out, mode, overrides, command, data_dir,
    progress, train)` does both (training only with `train`)."""

    def run(self, out, mode="full", *, data_dir=None, progress=True, command=None, **overrides):
        """Train the runs not in `<out>/results.jsonl` yet (each appended as
        it ends), then write the page; a `Reproduction`."""
        return self._reproduce(out, mode, overrides, command, data_dir, progress, train=True)

    def write_page(self, out, mode="full", *, command=None, data_dir=None, **overrides):
        """The page of the runs already in `<out>/results.jsonl`, training
        nothing (`data_dir`: the run ids name the training set's size, read
        from the data set only where no `train_size` gives it)."""
        return self._reproduce(out, mode, overrides, command, data_dir, False, train=False)


def _results_file(out):
    pathlib.Path(out).mkdir(parents=True, exist_ok=True)
    return pathlib.Path(out) / "results.jsonl"


@dataclasses.dataclass(frozen=True)
class PhasesExperiment(_RecordedExperiment):
    """Fig. 3: the four phases on the one-hidden-layer FC ("fc1")."""

    name: str = "fig3"
    summary: str = None  # `catalog.EXPERIMENTS`'s
    heading: str = "Fig. 3: the four phases of noise injection (one-hidden-layer FC)"
    modes: dict = dataclasses.field(
        default_factory=lambda: {
            "full": Mode(None, None, 30, (0,)),
            "quick": Mode(20000, None, 5, (0,)),
            "tiny": Mode(2000, None, 1, (0,), tiny_networks=True),
        }
    )

    # The protocol's (definitions/protocol.py).
    overrides = ("seeds", "epochs", "train_size")
    options = {}
    run_options = {}

    def __post_init__(self):
        if self.summary is None:
            object.__setattr__(self, "summary", catalog.EXPERIMENTS.get(self.name))

    def settings(self, mode="full", **overrides):
        check_mode(mode)
        _check_overrides(self.name, overrides, self.overrides)
        chosen = self.modes[mode]
        settings = dict(
            train_size=chosen.train_size,
            epochs=chosen.epochs,
            seeds=list(chosen.seeds),
            tiny_networks=chosen.tiny_networks,
        )
        settings.update({k: v for k, v in overrides.items() if v is not None})
        check_common_settings(settings, catalog.minimum_epochs(self.name))
        return settings

    def _reproduce(self, out, mode, overrides, command, data_dir, progress, train):
        settings = self.settings(mode, **overrides)
        path = _results_file(out)
        data, train_count = _data_and_count("fc1", settings["train_size"], data_dir, train)
        kwargs = TINY_ARCHITECTURES["fc1"] if settings["tiny_networks"] else {}
        d_over_eta = zoo.noise_preset("fc1", "input", "catapult") ** 2
        wanted = []
        for seed in settings["seeds"]:
            for fraction in PAPER_PHASES:
                run_id = _run_id(
                    experiment=self.name, fraction=fraction, seed=seed,
                    epochs=settings["epochs"], train_size=train_count,
                    architecture_kwargs=kwargs,
                )
                wanted.append((run_id, fraction, seed))
        done = {r["run_id"] for r in read_records(path)}
        for run_id, fraction, seed in wanted:
            if run_id in done or not train:
                continue
            sigma = float(np.sqrt(fraction * d_over_eta))
            record = self._train(data, sigma, seed, settings["epochs"], kwargs, progress)
            record.update(run_id=run_id, fraction=fraction, paper_phase=PAPER_PHASES[fraction])
            append_record(path, record)
        by_id = {r["run_id"]: r for r in read_records(path)}
        records = [by_id[run_id] for run_id, _, _ in wanted if run_id in by_id]
        if command is None:
            command = reproduce_command(self.name, mode, overrides)
        written = self.report(out, records, mode, command) if records else []
        return Reproduction(records, written, len(wanted) - len(records))

    def _train(self, data, sigma, seed, epochs, kwargs, progress):
        keras.utils.set_random_seed(seed)
        model = zoo.build(
            "fc1", "in-ninr", noise_stddev=sigma, seed=seed,
            pixel_mean=data.mean, pixel_std=data.std, **kwargs,
        )
        # The phase trace needs every step's loss: several steps per call
        # only where the compiled call keeps each (JAX).
        zoo.compile_model(
            model, "fc1",
            steps_per_execution=execution.steps_per_execution(phase_trace=True),
        )
        monitor = PhaseMonitor(every_n_batches=2, stop_on_divergence=False)
        batch_size = zoo.BATCH_SIZES["fc1"]
        start = time.time()
        history = model.fit(
            data.x_train, data.y_train, batch_size=batch_size, epochs=epochs,
            verbose=1 if progress else 0,
            validation_data=(data.x_test, data.y_test), callbacks=[monitor],
        )
        seconds = time.time() - start
        return {
            "noise_stddev": sigma,
            "seed": seed,
            "phase": monitor.phase or "divergent",
            "reason": str(monitor.report) if monitor.report else monitor.message,
            "records": to_json(monitor.records),
            "epochs": to_json(history.history),
            "steps_per_epoch": int(math.ceil(len(data.x_train) / batch_size)),
            "train_size": int(len(data.x_train)),
            "seconds": seconds,
            # The divergent phase is a phase here, not a failed run.
            **_provenance(seconds),
        }

    def report(self, out, records, mode="full", command=None):
        suffix = "" if mode == "full" else f"_{mode}"
        runs = [
            dict(
                r,
                title=(
                    f"sigma^2 = {r['fraction']:g} d/eta (sigma = {r['noise_stddev']:.1f})\n"
                    f"classified: {r['phase']}; paper: {r['paper_phase']}"
                ),
            )
            for r in records
        ]
        figures = [(f"fig3{suffix}.png", "fig3", phase_figure(runs))] if runs else []
        rows = [
            "| seed | σ_ε²·η/d_in | σ_ε | paper's phase | classified | reason |",
            "| ---: | ---: | ---: | --- | --- | --- |",
        ] + [
            f"| {r['seed']} | {r['fraction']:g} | {r['noise_stddev']:.1f} | "
            f"{r['paper_phase']} | {r['phase']} | {r['reason']} |"
            for r in records
        ]
        matches = sum(r["phase"] == r["paper_phase"] for r in records)
        header = [
            f"# {self.heading}",
            "",
            MODE_TEXT[mode],
            "",
            f"- {matches}/{len(records)} runs classified as the paper's phase",
            *_provenance_lines(records, command),
            "",
        ]
        return reports.write_report(
            out, f"fig3{suffix}.md", header, figures,
            [("Phases (App. A settings: SGD lr 0.01, batch 1000).", "\n".join(rows), None)],
        )


@dataclasses.dataclass(frozen=True)
class BoundaryExperiment(_RecordedExperiment):
    """The phase boundaries of the paper's networks, found and confirmed."""

    name: str = "phase-boundaries"
    summary: str = None  # `catalog.EXPERIMENTS`'s
    heading: str = "Phase boundaries, found and confirmed"
    methods: tuple = ("in-ninr", "full-ninr")
    architectures: tuple = ("fc", "cnn", "vgg")
    modes: dict = dataclasses.field(
        default_factory=lambda: {
            "full": Mode(None, None, 20, (0,), ("in-ninr",), {"steps": 150, "architectures": ["fc"]}),
            "quick": Mode(20000, None, 0, (0,), ("in-ninr",), {"steps": 100, "architectures": ["fc"]}),
            "tiny": Mode(
                2048, None, 1, (0,), ("in-ninr",), {"steps": 8, "architectures": ["fc"]}, True
            ),
        }
    )

    def __post_init__(self):
        if self.summary is None:
            object.__setattr__(self, "summary", catalog.EXPERIMENTS.get(self.name))

    # The protocol's (definitions/protocol.py).
    overrides = (
        "seeds", "epochs", "train_size", "methods", "architectures", "independent_noise"
    )
    options = {
        "steps": Option("training steps per finder trial", int, multiple=False, minimum=1),
        "sigmas": Option(
            "the finder's starting grid (default: 7 log-spaced values from 1 to 1000)",
            float, minimum=0, inclusive=False,
        ),
    }
    run_options = {}

    def settings(self, mode="full", **overrides):
        check_mode(mode)
        _check_overrides(self.name, overrides, self.overrides + tuple(self.options))
        chosen = self.modes[mode]
        settings = dict(
            train_size=chosen.train_size,
            epochs=chosen.epochs,
            seeds=list(chosen.seeds),
            methods=list(chosen.methods),
            tiny_networks=chosen.tiny_networks,
            independent_noise=False,
            sigmas=None,
            **chosen.settings,
        )
        settings.update({k: v for k, v in overrides.items() if v is not None})
        check_common_settings(settings, catalog.minimum_epochs(self.name))
        for name, option in self.options.items():
            option.check_setting(self.name, name, settings[name])
        for key, allowed in (("methods", self.methods), ("architectures", self.architectures)):
            for value in settings[key]:
                if value not in allowed:
                    raise ValueError(
                        f"Unrecognized {key[:-1]} {value!r} of experiment "
                        f"{self.name!r}. Expected some of {list(allowed)}."
                    )
        return settings

    def _reproduce(self, out, mode, overrides, command, data_dir, progress, train):
        settings = self.settings(mode, **overrides)
        path = _results_file(out)
        wanted = []
        for architecture in settings["architectures"]:
            data, train_count = _data_and_count(
                architecture, settings["train_size"], data_dir, train
            )
            kwargs = TINY_ARCHITECTURES[architecture] if settings["tiny_networks"] else {}
            for method in settings["methods"]:
                for seed in settings["seeds"]:
                    key = dict(
                        experiment=self.name, architecture=architecture, method=method,
                        seed=seed, steps=settings["steps"], train_size=train_count,
                        architecture_kwargs=kwargs,
                    )
                    if settings["sigmas"] is not None:
                        # In the key only when given: the default grid's
                        # records predate the setting.
                        key["sigmas"] = [float(s) for s in settings["sigmas"]]
                    if method == "full-ninr" and not settings["independent_noise"]:
                        # In the key (and so the run id) only for the
                        # paper's shared eps: full-NINR records without it
                        # were made with an eps per NIN.
                        key["shared_noise"] = True
                    wanted += self._run_one(path, data, key, settings["epochs"], progress, train)
        by_id = {r["run_id"]: r for r in read_records(path)}
        records = [by_id[run_id] for run_id in wanted if run_id in by_id]
        if command is None:
            command = reproduce_command(self.name, mode, overrides)
        written = self.report(out, records, mode, command) if records else []
        # A finder not run yet counts once: its confirmations are unknown.
        return Reproduction(records, written, len(wanted) - len(records))

    def _run_one(self, path, data, key, epochs, progress, train=True):
        """The run ids of one finder and its confirmations, training those
        not recorded yet (with `train`; else only those recorded)."""
        def build(noise_stddev):
            model = zoo.build(
                key["architecture"], key["method"], noise_stddev=noise_stddev,
                shared_noise=key.get("shared_noise", False),
                seed=key["seed"], pixel_mean=data.mean, pixel_std=data.std,
                num_classes=data.num_classes, **key["architecture_kwargs"],
            )
            # The finder's trials and the confirmations keep phase traces,
            # which need every step's loss: several steps per call only
            # where the compiled call keeps each (JAX).
            return zoo.compile_model(
                model, key["architecture"],
                steps_per_execution=execution.steps_per_execution(phase_trace=True),
            )

        done = {r["run_id"]: r for r in read_records(path)}
        finder_id = _run_id(kind="finder", **key)
        if finder_id not in done and not train:
            return [finder_id]
        if finder_id not in done:
            found = find_phase_boundaries(
                build, data.x_train, data.y_train, steps=key["steps"],
                sigmas=key.get("sigmas"),
                batch_size=zoo.BATCH_SIZES[key["architecture"]], seed=key["seed"],
            )
            record = {
                "run_id": finder_id, "kind": "finder", **key,
                "boundaries": {k: list(v) for k, v in found.boundaries.items()},
                "trials": [
                    {"noise_stddev": t.noise_stddev, "phase": t.phase, "reason": t.reason, "steps": t.steps}
                    for t in found.trials
                ],
                "steps_spent": found.steps, "seconds": found.seconds,
                "largest_safe": found.largest_safe(), "decay": found.largest_in("decay"),
                **_provenance(found.seconds),
            }
            append_record(path, record)
            done[finder_id] = record
        finder = done[finder_id]
        ids = [finder_id]
        bracket = next(
            (v for k, v in finder["boundaries"].items() if k.endswith("/divergent")), None
        )
        if not epochs or bracket is None:
            return ids
        for sigma in bracket:
            confirm_id = _run_id(kind="confirm", noise_stddev=sigma, epochs=epochs, **key)
            ids.append(confirm_id)
            if confirm_id in done or not train:
                continue
            record = _confirm(build, data, key, sigma, epochs, progress)
            append_record(path, {"run_id": confirm_id, "kind": "confirm", **key, **record})
        return ids

    def report(self, out, records, mode="full", command=None):
        suffix = "" if mode == "full" else f"_{mode}"
        finders = [r for r in records if r["kind"] == "finder"]
        confirms = [r for r in records if r["kind"] == "confirm"]
        rows = [
            "| network | method | seed | boundaries (σ_ε below, above) | largest safe σ_ε | steps | seconds |",
            "| --- | --- | ---: | --- | ---: | ---: | ---: |",
        ]
        for r in finders:
            bounds = "; ".join(
                f"{k}: {a:.4g}-{b:.4g}" for k, (a, b) in r["boundaries"].items()
            ) or "none found"
            safe = "-" if r["largest_safe"] is None else f"{r['largest_safe']:.4g}"
            rows.append(
                f"| {r['architecture']} | {_method_name(r)} | {r['seed']} | {bounds} | "
                f"{safe} | {r['steps_spent']} | {r['seconds']:.0f} |"
            )
        tables = [("## Finder (short trainings on the training data)", "\n".join(rows) + "\n", None)]
        for r in finders:
            trials = [
                "| σ_ε | phase | reason | steps |",
                "| ---: | --- | --- | ---: |",
            ] + [
                f"| {t['noise_stddev']:.4g} | {t['phase']} | {t['reason']} | {t['steps']} |"
                for t in r["trials"]
            ]
            tables.append((
                f"### Trials: {r['architecture']}, {_method_name(r)}, seed {r['seed']}",
                "\n".join(trials) + "\n",
                None,
            ))
        if confirms:
            lines = [
                "| network | method | σ_ε | diverged | epochs run | train accuracy | test accuracy | seconds |",
                "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |",
            ]
            for r in confirms:
                test = "-" if r["test_accuracy"] is None else f"{r['test_accuracy']:.4f}"
                lines.append(
                    f"| {r['architecture']} | {_method_name(r)} | {r['noise_stddev']:.4g} | "
                    f"{r['diverged']} | {r['epochs_run']} | {r['final_train_accuracy']:.4f} | "
                    f"{test} | {r['seconds']:.0f} |"
                )
            tables.append(("## Full trainings at the catapult/divergent bracket", "\n".join(lines), None))
        header = [f"# {self.heading}", "", MODE_TEXT[mode], "", *_provenance_lines(records, command), ""]
        return reports.write_report(out, f"phase_boundaries{suffix}.md", header, (), tables)


def _confirm(build, data, key, sigma, epochs, progress):
    keras.utils.set_random_seed(key["seed"])
    model = build(sigma)
    monitor = PhaseMonitor(every_n_batches=50)
    start = time.time()
    history = model.fit(
        data.x_train, data.y_train, batch_size=zoo.BATCH_SIZES[key["architecture"]],
        epochs=epochs, verbose=1 if progress else 0, callbacks=[monitor],
    )
    loss = history.history["loss"]
    diverged = bool(monitor.diverged or not all(math.isfinite(v) for v in loss))
    test = None if diverged else float(model.evaluate(data.x_test, data.y_test, verbose=0)[1])
    seconds = time.time() - start
    return {
        "noise_stddev": sigma,
        "diverged": diverged,
        "epochs_run": len(loss),
        "final_train_accuracy": float(history.history["accuracy"][-1]),
        "test_accuracy": test,
        "phase": monitor.phase,
        "seconds": seconds,
        **_provenance(seconds, diverged),
    }


def _method_name(record):
    """The record's method, "full-ninr, independent ε" for full-NINR with
    an eps per NIN (a record without `shared_noise`)."""
    if record["method"] == "full-ninr" and not record.get("shared_noise"):
        return "full-ninr, independent ε"
    return record["method"]


def _provenance_lines(records, command):
    return [*reports.provenance_lines(records), *command_lines(records, command)]
