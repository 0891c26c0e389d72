"""Sweeps of training runs: the protocol behind Figs. 2, 6-9 and Tables 1-2.

A sweep is a list of `RunConfig`s, typically the grid methods x seeds x
sigma_eps x data set x architecture made by `expand_grid`. `run_sweep` trains
each one as the paper does (Sec. 3: SGD, the paper's learning rate and batch
size, until 98% training accuracy or an epoch cap), evaluates it (clean
accuracy, Eq. 8 corruption curve, MNIST->USPS domain shift, FGSM/PGD) and
appends one JSON line per run to a results file as soon as the run ends.

The results file is the sweep's memory: a rerun skips every config whose
`run_id` is already there, so a killed sweep resumes where it stopped, and
figures and tables (`keras_ninr.experiments.reports`) are made from it without training.
Each line is written whole in one call and synced to disk; a last line cut
short by a kill is ignored on reading and cut off before the next append.
Several sweeps may write one file at once: the file is locked while a
record is appended, and each run is claimed (a `flock` the OS drops if the
process dies) while it trains, so each run is trained once.
Non-finite numbers (the loss of a diverged run) are written as `null`, so
the file is strict JSON.

A run whose loss or NIW norm becomes non-finite, or whose loss explodes
(`PhaseMonitor`, NINR runs only), is recorded with status `"diverged"` and
no evaluations, and the sweep goes on.

Choices the paper leaves open:

- **Subsets.** `train_size` / `test_size` keep the first images of a fixed
  permutation (seed 0) of the split, the same for every method and seed, so
  methods are compared on the same data. Inputs are standardised with the
  statistics of the training images used.
- **Validation split** (Table 2's 60/40). `validation_split` holds out the
  last images of a second fixed permutation (seed 1) of the training images
  kept by `train_size`; standardisation statistics come from the images
  trained on only.
- **Corruption noise.** Every model is evaluated on the same corrupted test
  set (noise seed 0): the spread over seeds is the spread of training.
- **Adversarial attacks** run on the first `attack_size` test images, in
  pixel space ([0, 1], epsilon in pixel units), in inference mode.
"""

import contextlib
import dataclasses
import hashlib
import inspect
import json
import math
import numbers
import os
import platform
import sys
import time
import warnings
from datetime import datetime
from datetime import timezone

try:
    import fcntl
except ImportError:  # Windows: results files are not locked.
    fcntl = None

import keras
import numpy as np

from keras_ninr.src.robustness import attacks
from keras_ninr.src.datasets import loaders as datasets
from keras_ninr.src import noise
from keras_ninr.src.robustness import corruption_curves as robustness
from keras_ninr.src.experiments import zoo
from keras_ninr.src.callbacks.phase_monitor import PhaseMonitor
from keras_ninr.src.callbacks.stop_at_train_accuracy import StopAtTrainAccuracy
from keras_ninr.src.experiments import provenance
from keras_ninr.src.experiments.replicas.batches import EpochBatches
from keras_ninr.src.experiments.replicas.model import fit_replicas

EVALUATIONS = ("clean", "corruption_curve", "domain_shift", "fgsm", "pgd")
STATUSES = ("finished", "diverged")
NINR_REGULARIZATIONS = ("in-ninr", "full-ninr")
DEFAULT_EVALUATIONS = {
    "clean": True,
    "corruption_curve": tuple(round(0.1 * i, 1) for i in range(11)),
}

# Architectures whose inputs carry a channel axis.
_IMAGE_ARCHITECTURES = ("cnn", "vgg")

# The data set the USPS domain shift applies to (Table 1).
_DOMAIN_SHIFT_DATASET = "mnist"

# The builder `zoo.build` hands each architecture's `architecture_kwargs` to.
_ARCHITECTURE_BUILDERS = {
    "fc": zoo.fc_network,
    "fc1": zoo.fc_network,
    "cnn": zoo.cnn_network,
    "vgg": zoo.vgg_network,
}


@dataclasses.dataclass
class RunConfig:
    """Everything that determines one training run and its evaluations.

    Two configs with the same fields have the same `run_id` (a hash of
    `to_dict()` without `label`), on every machine and backend: it is how
    a sweep recognises a finished run in its results file. Fields that a
    regularization does not use are normalised away (`noise_stddev` and
    `noise_distribution` outside NINR, `cdt_sigma_noise` outside CDT), so
    they do not make distinct runs of identical ones.

    Args:
        dataset: One of `keras_ninr.datasets.KNOWN_DATASETS`, loaded by
            `keras_ninr.datasets.load` (or by the sweep's `load_data`).
            Defaults to `"fashion_mnist"`.
        architecture: One of `keras_ninr.experiments.zoo.ARCHITECTURES`. Defaults to
            `"fc"`.
        regularization: One of `keras_ninr.experiments.zoo.REGULARIZATIONS`. Defaults to
            `"none"`.
        noise_stddev: sigma_eps for NINR: a float, or `"decay"` /
            `"catapult"` for the paper's preset (`keras_ninr.experiments.zoo.
            noise_preset`). Defaults to `"decay"`.
        noise_distribution: Distribution of the NINs. Defaults to
            `"normal"`.
        optimizer: `"sgd"`, `"adam"` or `"rmsprop"`. Defaults to `"sgd"`.
        learning_rate: Optional float; defaults to the paper's
            (`keras_ninr.experiments.zoo.LEARNING_RATES`).
        seed: Int: weights, noise, dropout and shuffling. Defaults to `0`.
        epochs: Int, the epoch cap. Defaults to `500` (the paper's).
        target_accuracy: Stop once the epoch's training accuracy reaches
            it (`StopAtTrainAccuracy`); `None` trains for `epochs`.
            Defaults to `0.98`.
        train_size: Optional int, the number of training images. Defaults
            to `None` (all).
        test_size: Optional int, the number of test images evaluated.
            Defaults to `None` (all).
        validation_split: Optional float in (0, 1): the fraction of the
            training images (after `train_size`) held out as a validation
            set, e.g. `0.4` for Table 2's 60/40 split. The held-out images
            are a fixed draw, the same for every method and seed; the
            model trains on the rest, standardised with their statistics
            alone, and its clean accuracy on the held-out images is the
            `"validation"` evaluation. Defaults to `None` (train on every
            training image, no validation evaluation).
        batch_size: Optional int; defaults to the paper's
            (`keras_ninr.experiments.zoo.BATCH_SIZES`).
        cdt_sigma_noise: sigma_noise of the training corruption for
            `"cdt"`. Defaults to `0.4`.
        evaluations: Dict of what to measure after training: `"clean"`
            (`True`), `"corruption_curve"` (sigma_noise values in [0, 1]),
            `"domain_shift"` (USPS processing variants, or `True` for
            `("lecun",)`; `dataset="mnist"` only), `"fgsm"` and `"pgd"`
            (epsilons in pixel units).
            Defaults to clean accuracy and sigma_noise = 0, 0.1, ..., 1.
        attack_size: Int, the number of test images attacked. Defaults to
            `1000`.
        architecture_kwargs: Dict passed to the architecture's builder,
            e.g. `{"hidden_units": (16,)}`; its keys are arguments of that
            builder (`keras_ninr.experiments.zoo.fc_network`, `cnn_network`,
            `vgg_network`) that `keras_ninr.experiments.zoo.build` does not set.
            Defaults to `{}`.
        label: Optional display name of the method in reports; not part of
            `run_id`. Defaults to `None` (a name made from the fields).
    """

    dataset: str = "fashion_mnist"
    architecture: str = "fc"
    regularization: str = "none"
    noise_stddev: object = "decay"
    noise_distribution: str = "normal"
    optimizer: str = "sgd"
    learning_rate: object = None
    seed: int = 0
    epochs: int = 500
    target_accuracy: object = 0.98
    train_size: object = None
    test_size: object = None
    validation_split: object = None
    batch_size: object = None
    cdt_sigma_noise: object = 0.4
    evaluations: dict = dataclasses.field(
        default_factory=lambda: dict(DEFAULT_EVALUATIONS)
    )
    attack_size: int = 1000
    architecture_kwargs: dict = dataclasses.field(default_factory=dict)
    label: object = None

    def __post_init__(self):
        _check_choice(self.architecture, zoo.ARCHITECTURES, "architecture")
        _check_choice(
            self.regularization, zoo.REGULARIZATIONS, "regularization"
        )
        _check_choice(self.optimizer, zoo.OPTIMIZERS, "optimizer")
        # Checked here, not when the run loads its data: a misspelt name
        # would otherwise stop a sweep after its earlier runs trained.
        _check_choice(self.dataset, datasets.KNOWN_DATASETS, "dataset")
        self.seed = _check_int(self.seed, "seed", minimum=0)
        self.epochs = _check_int(self.epochs, "epochs", minimum=1)
        self.attack_size = _check_int(self.attack_size, "attack_size", 1)
        for name in ("train_size", "test_size", "batch_size"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, _check_int(value, name, minimum=1))
        if self.target_accuracy is not None:
            if not _is_real(self.target_accuracy) or not (
                0.0 < self.target_accuracy <= 1.0
            ):
                raise ValueError(
                    "Expected `target_accuracy` to be an accuracy in (0, 1] "
                    "or None (train for `epochs`). Received: "
                    f"target_accuracy={self.target_accuracy!r}"
                )
            self.target_accuracy = float(self.target_accuracy)
        if self.validation_split is not None:
            if not _is_real(self.validation_split) or not (
                0.0 < self.validation_split < 1.0
            ):
                raise ValueError(
                    "Expected `validation_split` to be a fraction in (0, 1), "
                    "e.g. 0.4 for a 60/40 training/validation split, or "
                    "None (no validation set). Received: "
                    f"validation_split={self.validation_split!r}"
                )
            self.validation_split = float(self.validation_split)
        if self.learning_rate is not None:
            if not _is_real(self.learning_rate) or not self.learning_rate > 0:
                raise ValueError(
                    "Expected `learning_rate` to be a positive number or "
                    f"None. Received: learning_rate={self.learning_rate!r}"
                )
            self.learning_rate = float(self.learning_rate)

        if self.regularization in NINR_REGULARIZATIONS:
            if isinstance(self.noise_stddev, str):
                # Raises for a phase or combination the paper has no value for.
                zoo.noise_preset(
                    self.architecture,
                    self.topology,
                    self.noise_stddev,
                    self.optimizer,
                )
            elif (
                not _is_real(self.noise_stddev)
                or not math.isfinite(self.noise_stddev)
                or self.noise_stddev < 0
            ):
                raise ValueError(
                    "Expected `noise_stddev` to be a finite non-negative "
                    "number or a preset name ('decay', 'catapult'). "
                    f"Received: noise_stddev={self.noise_stddev!r}"
                )
            else:
                self.noise_stddev = float(self.noise_stddev)
            if not isinstance(self.noise_distribution, str):
                raise ValueError(
                    "Expected `noise_distribution` to be a name (a sweep "
                    "writes its configs as JSON), e.g. 'normal', 'uniform' "
                    "or 'double_normal'. Received: "
                    f"noise_distribution={self.noise_distribution!r}"
                )
            noise.get(self.noise_distribution)  # Raises for an unknown name.
        else:
            self.noise_stddev = None
            self.noise_distribution = None
        if self.regularization == "cdt":
            self.cdt_sigma_noise = robustness.check_sigma_noise(
                self.cdt_sigma_noise
            )
        else:
            self.cdt_sigma_noise = None

        self.evaluations = _normalize_evaluations(self.evaluations)
        if (
            "domain_shift" in self.evaluations
            and self.dataset != _DOMAIN_SHIFT_DATASET
        ):
            raise ValueError(
                "Expected the 'domain_shift' evaluation only with "
                f"dataset={_DOMAIN_SHIFT_DATASET!r}: it tests MNIST-trained "
                "models on USPS digits in MNIST's format (Table 1). "
                f"Received: dataset={self.dataset!r}"
            )
        if not isinstance(self.architecture_kwargs, dict):
            raise ValueError(
                "Expected `architecture_kwargs` to be a dict. Received: "
                f"architecture_kwargs={self.architecture_kwargs!r}"
            )
        _check_architecture_kwargs(self.architecture, self.architecture_kwargs)
        self.architecture_kwargs = {
            key: _to_json(value)
            for key, value in sorted(self.architecture_kwargs.items())
        }
        if self.label is not None and not isinstance(self.label, str):
            raise ValueError(
                f"Expected `label` to be a string or None. Received: "
                f"label={self.label!r}"
            )

    @property
    def topology(self):
        """`"input"` or `"full"` for NINR, else `None`."""
        if self.regularization not in NINR_REGULARIZATIONS:
            return None
        return "input" if self.regularization == "in-ninr" else "full"

    @property
    def noise_stddev_value(self):
        """sigma_eps as a float (a preset resolved), or `None` if not NINR."""
        if self.noise_stddev is None or not isinstance(self.noise_stddev, str):
            return self.noise_stddev
        return float(
            zoo.noise_preset(
                self.architecture,
                self.topology,
                self.noise_stddev,
                self.optimizer,
            )
        )

    @property
    def method_label(self):
        """`label`, or a display name made from the fields."""
        return self.label if self.label is not None else method_label(self)

    def to_dict(self):
        """The fields as a JSON-ready dict (lists for tuples)."""
        return {
            field.name: _to_json(getattr(self, field.name))
            for field in dataclasses.fields(self)
        }

    @classmethod
    def from_dict(cls, config):
        """The `RunConfig` of `to_dict()` output (e.g. a record's config)."""
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(config) - names)
        if unknown:
            raise ValueError(
                f"Unknown RunConfig field(s) {unknown}. Expected some of "
                f"{sorted(names)}."
            )
        return cls(**config)

    @property
    def run_id(self):
        """A 16-hex-digit hash of the config, without `label`.

        Fields added after the first results files were written leave the
        hash when they hold their default, so those files keep their ids.
        """
        config = self.to_dict()
        del config["label"]
        for name in _FIELDS_HASHED_WHEN_SET:
            if config[name] is None:
                del config[name]
        text = json.dumps(config, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# Fields newer than the first results files, hashed only when not None.
_FIELDS_HASHED_WHEN_SET = ("validation_split",)

_DISPLAY_NAMES = {
    "none": "None",
    "l2": "L2",
    "dropout": "Dropout",
    "cdt": "CDT",
    "in-ninr": "in-NINR",
    "full-ninr": "full-NINR",
}


def method_label(config):
    """A display name for a `RunConfig` or a record's config dict.

    E.g. `"None"`, `"CDT (σ_noise = 0.4)"`, `"in-NINR (decay, σ_ε = 51.8)"`,
    `"full-NINR (σ_ε = 20)"`; a config's own `label` wins.
    """
    if isinstance(config, RunConfig):
        config = config.to_dict()
    if config.get("label"):
        return config["label"]
    regularization = config["regularization"]
    name = _DISPLAY_NAMES.get(regularization, regularization)
    if regularization == "cdt":
        return f"{name} (σ_noise = {config['cdt_sigma_noise']:g})"
    if regularization in NINR_REGULARIZATIONS:
        sigma = config["noise_stddev"]
        parts = []
        if isinstance(sigma, str):
            parts.append(sigma)
            try:
                sigma = RunConfig.from_dict(config).noise_stddev_value
            except ValueError:
                sigma = None
        if sigma is not None:
            parts.append(f"σ_ε = {sigma:g}")
        distribution = config.get("noise_distribution")
        if distribution and distribution != "normal":
            parts.append(distribution)
        return f"{name} ({', '.join(parts)})"
    return name


def expand_grid(
    methods,
    *,
    seeds=(0,),
    noise_stddevs=("decay",),
    datasets=("fashion_mnist",),
    architectures=("fc",),
    **fields,
):
    """The configs of a grid, in the order a sweep should run them.

    The order is data set, architecture, seed, method, sigma_eps (the
    fastest), so that a sweep stopped early has every method for its first
    seeds rather than every seed of its first methods.

    Args:
        methods: Iterable of methods, each a regularization name
            (`"none"`, `"l2"`, `"dropout"`, `"cdt"`, `"in-ninr"`,
            `"full-ninr"`) or a dict of `RunConfig` fields (e.g.
            `{"regularization": "in-ninr", "noise_stddev": 133.0,
            "label": "in-NINR (catapult)"}`).
        seeds: Iterable of ints. Defaults to `(0,)`.
        noise_stddevs: sigma_eps values (floats or preset names) for the
            NINR methods that do not fix their own. Defaults to
            `("decay",)`.
        datasets: Iterable of data set names. Defaults to
            `("fashion_mnist",)`.
        architectures: Iterable of architecture names. Defaults to
            `("fc",)`.
        **fields: Further `RunConfig` fields shared by every config (e.g.
            `epochs=20`, `train_size=5000`, `evaluations={...}`); a method
            dict overrides them.

    Returns:
        A list of `RunConfig`s without duplicates (by `run_id`).
    """
    for name, value in (
        ("seeds", seeds),
        ("noise_stddevs", noise_stddevs),
        ("datasets", datasets),
        ("architectures", architectures),
        ("methods", methods),
    ):
        if isinstance(value, (str, bytes, dict)) or not hasattr(
            value, "__iter__"
        ):
            raise ValueError(
                f"Expected `{name}` to be a list. Received: {name}={value!r}"
            )
    methods = [
        {"regularization": method} if isinstance(method, str) else method
        for method in methods
    ]
    for method in methods:
        if not isinstance(method, dict) or "regularization" not in method:
            raise ValueError(
                "Expected each method to be a regularization name or a dict "
                "of RunConfig fields with a 'regularization'. Received: "
                f"{method!r}"
            )
    configs = []
    seen = set()
    for dataset in datasets:
        for architecture in architectures:
            for seed in seeds:
                for method in methods:
                    sigmas = [None]
                    if (
                        method["regularization"] in NINR_REGULARIZATIONS
                        and "noise_stddev" not in method
                    ):
                        sigmas = list(noise_stddevs)
                    for sigma in sigmas:
                        arguments = dict(
                            fields,
                            dataset=dataset,
                            architecture=architecture,
                            seed=seed,
                        )
                        arguments.update(method)
                        if sigma is not None:
                            arguments["noise_stddev"] = sigma
                        config = RunConfig(**arguments)
                        if config.run_id not in seen:
                            seen.add(config.run_id)
                            configs.append(config)
    return configs


class SweepProgress:
    """Receives the progress of `run_sweep`; override what you need.

    `index` counts configs from 1 in sweep order; `done` is the number of
    configs whose record is in the results file (written by this sweep or
    by another one writing the same file).
    """

    def on_sweep_begin(self, total, done):
        pass

    def on_run_begin(self, index, total, config):
        pass

    def on_epoch_end(self, epoch, epochs, logs):
        pass

    def on_run_end(self, index, total, done, record):
        pass

    def on_run_left_to_other_sweep(self, index, total, config):
        """Called at the end for each run that another process claimed
        and had not finished: it is left to that process."""

    def on_sweep_end(self, total, done):
        pass


class ConsoleProgress(SweepProgress):
    """Prints runs done / total and the current run's epochs.

    On a terminal the epoch line is rewritten in place; elsewhere (a log
    file) every epoch gets a line of its own.

    Args:
        stream: A text stream. Defaults to `sys.stdout` at each write.
    """

    def __init__(self, stream=None):
        self.stream = stream

    @property
    def _stream(self):
        return self.stream or sys.stdout

    def _write(self, text, end="\n"):
        self._stream.write(text + end)
        self._stream.flush()

    def _interactive(self):
        isatty = getattr(self._stream, "isatty", None)
        return bool(isatty and isatty())

    def on_sweep_begin(self, total, done):
        self._start = time.time()
        self._done = done
        self._left = 0
        self._write(
            f"Sweep: {total} runs, {done} already in the results file, "
            f"{total - done} to train."
        )

    def on_run_begin(self, index, total, config):
        self._width = 0
        self._write(
            f"[{self._done}/{total} done] run {index}: {config.dataset} "
            f"{config.architecture} {config.method_label}, seed {config.seed}"
        )

    def on_epoch_end(self, epoch, epochs, logs):
        parts = [f"epoch {epoch + 1}/{epochs}"]
        for key in ("loss", "accuracy", "niw_norm"):
            if key in logs:
                value = logs[key]
                parts.append(
                    f"{key} {value:.4g}" if value is not None else f"{key} nan"
                )
        line = "    " + ", ".join(parts)
        if self._interactive():
            padding = " " * max(0, self._width - len(line))
            self._width = len(line)
            self._write("\r" + line + padding, end="")
        else:
            self._write(line)

    def on_run_end(self, index, total, done, record):
        if self._interactive() and self._width:
            self._write("")
        self._done = done
        evaluations = record["evaluations"]
        parts = [record["status"], f"{record['epochs_run']} epochs"]
        if "clean" in evaluations:
            parts.append(f"clean accuracy {evaluations['clean']:.4f}")
        curve = evaluations.get("corruption_curve")
        if curve and 0.4 in curve["sigma_noise"]:
            accuracy = curve["accuracy"][curve["sigma_noise"].index(0.4)]
            parts.append(f"at sigma_noise 0.4 {accuracy:.4f}")
        parts.append(f"{record['timings']['total_s']:.0f} s")
        self._write(f"    {', '.join(parts)} [{done}/{total} done]")

    def on_run_left_to_other_sweep(self, index, total, config):
        self._left += 1
        self._write(
            f"run {index}: {config.dataset} {config.architecture} "
            f"{config.method_label}, seed {config.seed}: left to another "
            "sweep, which is training it into the same results file."
        )

    def on_sweep_end(self, total, done):
        left = (
            f", {self._left} left to another sweep" if self._left else ""
        )
        self._write(
            f"Sweep: {done}/{total} runs in the results file{left} "
            f"({time.time() - self._start:.0f} s)."
        )


def run_sweep(
    configs,
    results_path,
    progress=True,
    data_dir=None,
    load_data=None,
    replicas=None,
):
    """Train and evaluate every config not yet in `results_path`.

    Each finished run is appended to `results_path` (JSON lines) as it
    ends; configs whose `run_id` is already there are skipped, so a rerun
    of a killed sweep resumes it. Runs happen in the order of `configs`
    (with `replicas`, grouped). Every config is checked, and its data
    loaded, before the first run trains.

    Several sweeps, in several processes, may write one results file at
    once (e.g. one per GPU, or a second started by mistake): each run is
    claimed while it trains, and a sweep skips the runs another one has
    claimed or finished, so each run is trained once. The claims are
    `flock`s on files in `<results_path>.claims/`; the OS drops those of a
    killed process, so its runs are trained by the next sweep. At its
    end a sweep tries the other sweeps' unfinished runs once more (their
    process may have died) and leaves those still claimed to them. The
    file system must support `flock` across the processes (a local disk
    does; over NFS, only where locks reach the server). Where Python has
    no `fcntl` (Windows) nothing is locked: run one sweep at a time per
    results file there.

    The `run_id` does not name the backend or the machine (each record
    does): to compare backends, give each its own results file.

    Args:
        configs: Iterable of `RunConfig` (e.g. from `expand_grid`).
        results_path: Path of the JSON-lines results file; created, with
            its folder, if absent.
        progress: `True` for `ConsoleProgress` (prints, like Keras's
            `verbose=1`), `False` or `None` for silence, or a
            `SweepProgress`. Defaults to `True`.
        data_dir: Passed to `keras_ninr.datasets.load`. Defaults to `None`.
        load_data: Optional callable `load_data(name)` returning
            `(x_train, y_train), (x_test, y_test)` with pixel images
            (`uint8` 0-255 or floats in [0, 1]); replaces
            `keras_ninr.datasets.load`. Defaults to `None`.
        replicas: Optional int K: train up to K runs at once, in one
            compiled training step, where they differ only in `seed`,
            `noise_stddev`, `noise_distribution`, `cdt_sigma_noise` (or
            what is evaluated). Each run keeps its own initialisation,
            noise streams, data order, stopping rule, history and record,
            and ends with the weights it would have alone, up to
            floating-point order (`keras_ninr.src.experiments.replicas`). The records
            are appended when the group ends. `None` or `1` trains one run
            at a time. Defaults to `None`.

    Returns:
        The records of `configs` in the results file (the ones already
        there and the new ones, the first record of a run), in the order
        of `configs`. A run left to another sweep still training it is
        not among them.
    """
    configs = list(configs)
    for config in configs:
        if not isinstance(config, RunConfig):
            raise ValueError(
                "Expected `configs` to hold RunConfig objects (see "
                f"`expand_grid`). Received: {config!r}"
            )
        # Again, for a config changed after it was made: a bad one must
        # stop the sweep before any run trains, not when its turn comes.
        RunConfig.from_dict(config.to_dict())
    if replicas is not None:
        replicas = _check_int(replicas, "replicas", minimum=1)
    unique = {}
    for config in configs:
        unique.setdefault(config.run_id, config)
    configs = list(unique.values())
    reporter = _reporter(progress)
    results_path = os.fspath(results_path)
    folder = os.path.dirname(results_path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    results = _ResultsFile(results_path)
    with _locked(results_path) as f:
        _cut_unfinished_line(f)
        results.refresh(f)

    def done():
        return sum(config.run_id in results.records for config in configs)

    total = len(configs)
    reporter.on_sweep_begin(total, done())
    pending = [
        (index, config)
        for index, config in enumerate(configs, start=1)
        if config.run_id not in results.records
    ]
    cache = _DataCache(data_dir, load_data)
    for _, config in pending:
        cache.check(config)
    size = replicas or 1
    try:
        while pending:
            left, trained = _train_unclaimed(
                pending, size, results, reporter, cache, total, done
            )
            # Runs another sweep held: try once more, its process may have
            # died or finished; stop when a pass trains nothing.
            pending = [
                item for item in left if item[1].run_id not in results.records
            ]
            if not trained:
                break
        with _locked(results_path) as f:
            results.refresh(f)
        for index, config in pending:
            if config.run_id not in results.records:
                reporter.on_run_left_to_other_sweep(index, total, config)
    finally:
        results.remove_claims_folder()
    reporter.on_sweep_end(total, done())
    return [
        results.records[config.run_id]
        for config in configs
        if config.run_id in results.records
    ]


def _train_unclaimed(pending, size, results, reporter, cache, total, done):
    """Claim and train `pending` runs, up to `size` at once.

    Returns the `(index, config)` pairs another process held, and whether
    any run was trained.
    """
    held_elsewhere = []
    trained = False
    for queue in _replica_queues(pending, size):
        while queue:
            group = _claim_group(queue, size, results, held_elsewhere)
            if not group:
                continue
            trained = True
            try:
                for index, config, _ in group:
                    reporter.on_run_begin(index, total, config)
                if len(group) == 1:
                    records = [
                        train_and_evaluate(
                            group[0][1], progress=reporter, data=cache
                        )
                    ]
                else:
                    records = train_and_evaluate_replicas(
                        [config for _, config, _ in group],
                        progress=reporter,
                        data=cache,
                    )
                for (index, _, _), record in zip(group, records):
                    with _locked(results.path) as f:
                        _append_line(f, record)
                        results.refresh(f)
                    reporter.on_run_end(index, total, done(), record)
            finally:
                # After the records are in the file: a run is never free
                # and undone once trained.
                for _, _, claim in group:
                    results.release(claim)
    return held_elsewhere, trained


def _claim_group(queue, size, results, held_elsewhere):
    """Claim up to `size` runs from the front of `queue`, which it empties
    as it goes; `(index, config, claim)` triples.

    Runs finished meanwhile are dropped; runs another process holds go to
    `held_elsewhere`.
    """
    group = []
    try:
        with _locked(results.path) as f:
            results.refresh(f)
            while queue and len(group) < size:
                index, config = item = queue.pop(0)
                if config.run_id in results.records:
                    continue  # Finished by another sweep.
                claim = results.claim(config.run_id)
                if claim is None:
                    held_elsewhere.append(item)
                else:
                    group.append((index, config, claim))
    except BaseException:
        for _, _, claim in group:
            results.release(claim)
        raise
    return group


# Fields in which runs trained as replicas of one another may differ.
_REPLICA_FIELDS = (
    "seed",
    "noise_stddev",
    "noise_distribution",
    "cdt_sigma_noise",
    "evaluations",
    "attack_size",
    "label",
)


def _replica_key(config):
    fields = config.to_dict()
    for name in _REPLICA_FIELDS:
        fields.pop(name)
    return json.dumps(fields, sort_keys=True)


def _replica_queues(pending, size):
    """`pending` `(index, config)` pairs in queues of runs that can train
    as replicas of one another (one queue, in order, for `size` 1)."""
    if size == 1:
        return [list(pending)]
    by_key = {}
    for item in pending:
        by_key.setdefault(_replica_key(item[1]), []).append(item)
    return list(by_key.values())


def _build_model(config, prepared):
    """The run's network, initialised as the run starts (seeded)."""
    keras.utils.set_random_seed(config.seed)
    return zoo.build(
        config.architecture,
        config.regularization,
        noise_stddev=(
            config.noise_stddev if config.noise_stddev is not None else "decay"
        ),
        noise_distribution=config.noise_distribution or "normal",
        optimizer=config.optimizer,
        cdt_sigma_noise=(
            config.cdt_sigma_noise
            if config.cdt_sigma_noise is not None
            else 0.4
        ),
        pixel_mean=prepared.mean,
        pixel_std=prepared.std,
        input_shape=prepared.x_train.shape[1:],
        num_classes=prepared.num_classes,
        seed=config.seed,
        **config.architecture_kwargs,
    )


def _batch_size(config):
    return config.batch_size or zoo.BATCH_SIZES[config.architecture]


def train_and_evaluate(config, progress=None, data_dir=None, data=None):
    """Train one config and evaluate it; returns its record (a dict).

    The record holds `run_id`, `label`, `config`, `status` (`"finished"` or
    `"diverged"`), `epochs_run`, `reached_target`, `phase` (NINR runs: the
    `PhaseMonitor` label) and `message`, `history` (per epoch: `loss`,
    `accuracy`, `niw_norm` for NINR, `seconds`), `evaluations` (empty for
    a diverged run), `data` (sizes and standardisation), `timings`,
    `backend`, `versions`, `machine` and `finished_at`.

    The run sees the training data in `epoch_order(config.seed, epoch, n)`
    (`keras_ninr.src.experiments.replicas.batches`), not in Keras's backend-dependent
    shuffle, so that it sees the same batches on every backend and when
    trained as a replica.

    Args:
        config: A `RunConfig`.
        progress: Optional `SweepProgress`, told the end of every epoch.
        data_dir: Passed to `keras_ninr.datasets.load`.
        data: Internal: a sweep's data cache.
    """
    start = time.time()
    data = data if data is not None else _DataCache(data_dir, None)
    prepared = data.prepare(config)
    loaded = time.time()

    keras.utils.clear_session()
    model = _build_model(config, prepared)
    zoo.compile_model(
        model, config.architecture, config.optimizer, config.learning_rate
    )
    built = time.time()

    batch_size = _batch_size(config)
    steps_per_epoch = math.ceil(len(prepared.x_train) / batch_size)
    epoch_timer = _EpochTimer(progress, config.epochs)
    callbacks = [keras.callbacks.TerminateOnNaN(), epoch_timer]
    stopper = None
    if config.target_accuracy is not None:
        stopper = StopAtTrainAccuracy(config.target_accuracy)
        callbacks.append(stopper)
    monitor = None
    if config.regularization in NINR_REGULARIZATIONS:
        monitor = PhaseMonitor(every_n_batches=min(10, steps_per_epoch))
        callbacks.append(monitor)
    batches = EpochBatches(
        prepared.x_train, prepared.y_train, batch_size, config.seed
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        history = model.fit(
            batches,
            epochs=config.epochs,
            callbacks=callbacks,
            shuffle=False,
            verbose=0,
        )
    trained = time.time()
    for warning in caught:
        if not issubclass(warning.category, RuntimeWarning):
            warnings.warn_explicit(
                warning.message,
                warning.category,
                warning.filename,
                warning.lineno,
            )

    logs = history.history
    record_history = {
        key: [_finite_or_none(value) for value in logs[key]]
        for key in ("loss", "accuracy", "niw_norm")
        if key in logs
    }
    record_history["seconds"] = epoch_timer.seconds
    return _record(
        config,
        model,
        prepared,
        data,
        history=record_history,
        monitor_diverged=monitor is not None and monitor.diverged,
        reached_target=(
            stopper is not None and stopper.stopped_epoch is not None
        ),
        phase=monitor.phase if monitor is not None else None,
        message=monitor.message if monitor is not None else None,
        times=(start, loaded, built, trained),
        batch_size=batch_size,
    )


def train_and_evaluate_replicas(
    configs, progress=None, data_dir=None, data=None
):
    """Train K configs as replicas in one compiled step; returns K records.

    The configs must differ only in the fields `run_sweep(replicas=...)`
    groups by (seed, sigma_eps, noise distribution, CDT strength,
    evaluations). Each record is what `train_and_evaluate` gives for its
    config alone, up to floating-point order, except that `history.loss`
    is the cross-entropy without the weight-decay penalty, `seconds` and
    `timings.train_s` are the group's, and `replicas` gives the group size.

    Args:
        configs: List of `RunConfig`.
        progress: Optional `SweepProgress`, told the end of every epoch
            (the mean loss and accuracy of the replicas still training).
        data_dir: Passed to `keras_ninr.datasets.load`.
        data: Internal: a sweep's data cache.
    """
    configs = list(configs)
    keys = {_replica_key(config) for config in configs}
    if len(keys) > 1:
        raise ValueError(
            "Replicas must differ only in "
            f"{', '.join(_REPLICA_FIELDS)}. Received configs of "
            f"{len(keys)} different kinds: {sorted(keys)}"
        )
    start = time.time()
    data = data if data is not None else _DataCache(data_dir, None)
    first = configs[0]
    prepared = data.prepare(first)
    loaded = time.time()

    keras.utils.clear_session()
    models = [_build_model(config, prepared) for config in configs]
    built = time.time()
    batch_size = _batch_size(first)

    def on_epoch_end(epoch, runs, active):
        if progress is None:
            return
        logs = {"replicas_training": len(active)}
        for key in ("loss", "accuracy", "niw_norm"):
            values = [
                run.history[key][epoch]
                for run in runs
                if key in run.history and len(run.history[key]) > epoch
            ]
            if values:
                logs[key] = _finite_or_none(float(np.mean(values)))
        progress.on_epoch_end(epoch, first.epochs, logs)

    runs = fit_replicas(
        models,
        prepared.x_train,
        prepared.y_train,
        [config.seed for config in configs],
        optimizer=zoo.make_optimizer(
            first.optimizer, first.architecture, first.learning_rate
        ),
        batch_size=batch_size,
        epochs=first.epochs,
        target_accuracy=first.target_accuracy,
        monitor_phases=first.regularization in NINR_REGULARIZATIONS,
        every_n_batches=10,
        on_epoch_end=on_epoch_end,
    )
    trained = time.time()

    records = []
    for config, model, run in zip(configs, models, runs):
        zoo.compile_model(
            model, config.architecture, config.optimizer, config.learning_rate
        )
        history = {
            key: [_finite_or_none(value) for value in values]
            for key, values in run.history.items()
            if key != "seconds"
        }
        history["seconds"] = run.history["seconds"]
        trace = run.trace
        record = _record(
            config,
            model,
            prepared,
            data,
            history=history,
            monitor_diverged=run.diverged,
            reached_target=run.stopped_epoch is not None,
            phase=trace.phase if trace is not None else None,
            message=trace.message if trace is not None else None,
            times=(start, loaded, built, trained),
            batch_size=batch_size,
        )
        record["replicas"] = len(configs)
        records.append(record)
    return records


def _record(
    config,
    model,
    prepared,
    data,
    *,
    history,
    monitor_diverged,
    reached_target,
    phase,
    message,
    times,
    batch_size,
):
    """Evaluate a trained run and make its record."""
    start, loaded, built, trained = times
    diverged = monitor_diverged or any(
        value is None
        for key in ("loss", "niw_norm")
        for value in history.get(key, [])
    )
    status = "diverged" if diverged else "finished"
    evaluations = {} if diverged else _evaluate(model, config, prepared, data)
    evaluated = time.time()
    if message is None and diverged:
        message = "the training loss became non-finite"
    record = {
        "run_id": config.run_id,
        "label": config.method_label,
        "config": config.to_dict(),
        "noise_stddev_value": config.noise_stddev_value,
        "status": status,
        "epochs_run": len(history["loss"]),
        "reached_target": bool(reached_target),
        "phase": phase,
        "message": message,
        "history": history,
        "evaluations": evaluations,
        "data": _data_summary(prepared, batch_size),
        "timings": {
            "load_s": loaded - start,
            "build_s": built - loaded,
            "train_s": trained - built,
            "evaluate_s": evaluated - trained,
            "total_s": evaluated - start,
        },
        "backend": keras.backend.backend(),
        "versions": provenance.versions(),
        "machine": provenance.machine(),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return _to_json(record)


def _data_summary(prepared, batch_size):
    return {
        "train_size": int(len(prepared.x_train)),
        "test_size": int(len(prepared.x_test)),
        "validation_size": (
            int(len(prepared.x_validation))
            if prepared.x_validation is not None
            else None
        ),
        "pixel_mean": prepared.mean,
        "pixel_std": prepared.std,
        "batch_size": batch_size,
    }


def append_record(path, record):
    """Append one record to a JSON-lines file, whole or not at all.

    The line goes out in a single write, is flushed and synced, so a kill
    leaves at most one unfinished last line, which `load_results` ignores
    and the next append cuts off. The file is locked meanwhile (see
    `run_sweep`), so that writers in other processes do not interleave.
    """
    with _locked(os.fspath(path)) as f:
        _append_line(f, record)


def load_results(path):
    """The records of a JSON-lines results file, in file order.

    A missing file has no records. A last line without its newline (a
    write cut short by a kill) is ignored. Any other line that is not a
    sweep record (a JSON object with a `run_id`, a `config`, ...) raises a
    `ValueError` naming the file and the line.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        content = f.read()
    # After the last newline: empty, or an unfinished line whose run is
    # redone.
    complete = content[: content.rfind(b"\n") + 1]
    return _parse_records(complete, path, first_line=1)


# What every record `run_sweep` has written holds, and the reports read.
_RECORD_FIELDS = {
    "run_id": str,
    "config": dict,
    "status": str,
    "epochs_run": int,
    "evaluations": dict,
    "timings": dict,
}
_RECORD_CONFIG_FIELDS = ("dataset", "architecture", "regularization")


def _parse_records(content, path, first_line):
    """The records of whole lines `content`, the first being `first_line`."""
    records = []
    for number, line in enumerate(
        content.split(b"\n")[:-1], start=first_line
    ):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValueError(
                f"{path}, line {number}: not a JSON record ({error}). Remove "
                "or repair the line; the sweep reruns the run it held."
            ) from error
        problem = _record_problem(record)
        if problem:
            raise ValueError(
                f"{path}, line {number}: not a sweep record ({problem}). "
                "Remove or repair the line; the sweep reruns the run it held."
            )
        records.append(record)
    return records


def _record_problem(record):
    """Why `record` is not a sweep record, or `None`."""
    if not isinstance(record, dict):
        return "a JSON object with a 'run_id' and a 'config' is expected"
    missing = [name for name in _RECORD_FIELDS if name not in record]
    if missing:
        return f"no {', '.join(repr(name) for name in missing)}"
    for name, kind in _RECORD_FIELDS.items():
        if not isinstance(record[name], kind) or isinstance(
            record[name], bool
        ):
            return f"{name!r} is not a {kind.__name__}: {record[name]!r}"
    missing = [
        name for name in _RECORD_CONFIG_FIELDS if name not in record["config"]
    ]
    if missing:
        return f"its 'config' has no {', '.join(repr(n) for n in missing)}"
    return None


@contextlib.contextmanager
def _locked(path):
    """`path` open for reading and appending, locked against other writers.

    An exclusive `flock` on the file itself; the OS drops it when the file
    is closed or the process dies, so a killed sweep never leaves the file
    locked. Without `fcntl` (Windows) nothing is locked.
    """
    with open(path, "a+b") as f:
        if fcntl is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        yield f


def _append_line(f, record):
    """Append `record` to the locked file `f` as one whole, synced line."""
    line = json.dumps(_to_json(record), allow_nan=False, sort_keys=True)
    _cut_unfinished_line(f)
    f.write((line + "\n").encode("utf-8"))
    f.flush()
    os.fsync(f.fileno())


def _cut_unfinished_line(f):
    """Remove an unfinished last line of `f`, so the next record starts one.

    Such a line is a write that a kill cut short; its run is redone.
    """
    size = f.seek(0, os.SEEK_END)
    if size == 0:
        return
    f.seek(size - 1)
    if f.read(1) == b"\n":
        return
    # Walk back to the last newline.
    position = size
    chunk = 4096
    keep = 0
    while position > 0:
        start = max(0, position - chunk)
        f.seek(start)
        block = f.read(position - start)
        index = block.rfind(b"\n")
        if index >= 0:
            keep = start + index + 1
            break
        position = start
    f.truncate(keep)
    f.flush()
    os.fsync(f.fileno())


def _claim_path(results_path, run_id):
    """The claim file of `run_id` for the sweeps writing `results_path`."""
    return os.path.join(results_path + ".claims", run_id)


class _ResultsFile:
    """A results file that several sweeps may write at once.

    Two things keep every run trained once, by one process:

    - the file itself is locked (`_locked`) while a process reads which
      runs are done, claims runs, and appends a record;
    - a run is claimed by an exclusive, non-blocking `flock` on its claim
      file (`<results>.claims/<run_id>`), held while it trains. A process
      finds a run done (its record is in the file) or claimed (the lock
      is taken) and skips it. A record is appended before its claim is
      let go, so a run is never free and undone once trained. The OS lets
      go of the lock of a killed process, so its run is free again.

    `records` maps each `run_id` in the file to its first record; the
    file is read incrementally, from where the last read stopped.
    """

    def __init__(self, path):
        self.path = path
        self.records = {}
        self._offset = 0  # Bytes of whole lines read.
        self._lines = 0  # Lines read.

    def refresh(self, f):
        """Read the records appended to the locked file `f` since last read."""
        size = f.seek(0, os.SEEK_END)
        if size < self._offset:
            # Rewritten by hand while the sweep ran: read it anew.
            self.records, self._offset, self._lines = {}, 0, 0
        f.seek(self._offset)
        content = f.read(size - self._offset)
        content = content[: content.rfind(b"\n") + 1]
        for record in _parse_records(content, self.path, self._lines + 1):
            # A run twice (two sweeps before the file was locked): the
            # first record is the one that made it done.
            self.records.setdefault(record["run_id"], record)
        self._offset += len(content)
        self._lines += content.count(b"\n")

    def claim(self, run_id):
        """An open claim on `run_id`, or `None` if a live process holds it."""
        if fcntl is None:
            return _NoClaim()
        path = _claim_path(self.path, run_id)
        while True:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            try:
                f = open(path, "a+b")
            except FileNotFoundError:  # The folder went away meanwhile.
                continue
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.close()
                return None
            # The holder removes the file when it lets go (`release`): a
            # lock on a file removed since it was opened guards nothing.
            try:
                current = os.path.samestat(os.fstat(f.fileno()), os.stat(path))
            except FileNotFoundError:
                current = False
            if current:
                # For a person wondering which process holds the run.
                f.truncate(0)
                f.write(f"pid {os.getpid()} on {platform.node()}\n".encode())
                f.flush()
                return f
            f.close()

    def release(self, claim):
        """Let go of a claim, trained or not."""
        if isinstance(claim, _NoClaim):
            return
        try:
            os.unlink(claim.name)
        except FileNotFoundError:
            pass
        claim.close()

    def remove_claims_folder(self):
        """Remove the claims folder once no process holds a claim in it."""
        try:
            os.rmdir(self.path + ".claims")
        except OSError:  # Absent, or claims remain (other sweeps).
            pass


class _NoClaim:
    """A claim where runs cannot be locked (no `fcntl`): one writer only."""


class _EpochTimer(keras.callbacks.Callback):
    """Seconds per epoch; tells the sweep's progress the end of each epoch."""

    def __init__(self, progress, epochs):
        super().__init__()
        self.progress = progress
        self.epochs = epochs

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.time() - self._start)
        if self.progress is not None:
            logs = {
                key: _finite_or_none(value)
                for key, value in (logs or {}).items()
            }
            self.progress.on_epoch_end(epoch, self.epochs, logs)


@dataclasses.dataclass
class _Prepared:
    x_train: np.ndarray  # Standardised.
    y_train: np.ndarray
    x_test: np.ndarray  # Pixels in [0, 1].
    y_test: np.ndarray
    mean: float
    std: float
    num_classes: int
    # Held out of the training split (`validation_split`); pixels in [0, 1].
    x_validation: object = None
    y_validation: object = None


class _DataCache:
    """Data sets loaded once per sweep, and their subsets."""

    def __init__(self, data_dir, load_data):
        self.data_dir = data_dir
        self.load_data = load_data
        self._raw = {}
        self._prepared = {}
        self._usps = {}

    def raw(self, name):
        if name not in self._raw:
            if self.load_data is not None:
                self._raw[name] = self.load_data(name)
            else:
                self._raw[name] = datasets.load(name, data_dir=self.data_dir)
        return self._raw[name]

    def check(self, config):
        """Load what `config` needs and check that its sizes fit the data.

        A sweep calls it for every run before training any, so that
        missing files or a `train_size` beyond the data stop it before
        its first run rather than at the run that needs them.
        """
        (x_train, _), (x_test, _) = self.raw(config.dataset)
        _check_size(config.train_size, len(x_train), "train_size")
        _check_size(config.test_size, len(x_test), "test_size")
        _validation_count(
            config.validation_split, config.train_size or len(x_train)
        )
        channels = config.architecture in _IMAGE_ARCHITECTURES
        for variant in config.evaluations.get("domain_shift", ()):
            self.usps(variant, channels)

    def prepare(self, config):
        channels = config.architecture in _IMAGE_ARCHITECTURES
        key = (
            config.dataset,
            config.train_size,
            config.test_size,
            config.validation_split,
            channels,
        )
        if key not in self._prepared:
            (x_train, y_train), (x_test, y_test) = self.raw(config.dataset)
            x_train, y_train = _subset(
                x_train, y_train, config.train_size, "train_size"
            )
            x_test, y_test = _subset(
                x_test, y_test, config.test_size, "test_size"
            )
            (x_train, y_train), validation = _split_validation(
                x_train, y_train, config.validation_split
            )
            (x_train, _), (mean, std) = datasets.standardize(x_train)
            x_test = datasets.scale_pixels(x_test)
            x_validation = y_validation = None
            if validation is not None:
                x_validation = datasets.scale_pixels(validation[0])
                y_validation = _labels(validation[1])
            if channels:
                x_train = _with_channels(x_train)
                x_test = _with_channels(x_test)
                if x_validation is not None:
                    x_validation = _with_channels(x_validation)
            y_train = _labels(y_train)
            y_test = _labels(y_test)
            labels = [y_train, y_test]
            if y_validation is not None:
                labels.append(y_validation)
            # At least the paper's 10 classes, so that a small subset
            # missing a class still builds the paper's network.
            num_classes = max(10, 1 + max(int(y.max()) for y in labels))
            self._prepared[key] = _Prepared(
                x_train,
                y_train,
                x_test,
                y_test,
                float(mean),
                float(std),
                num_classes,
                x_validation,
                y_validation,
            )
        return self._prepared[key]

    def usps(self, variant, channels):
        if variant not in self._usps:
            self._usps[variant] = datasets.load_usps_as_mnist(
                data_dir=self.data_dir, variant=variant
            )
        x, y = self._usps[variant]
        return (_with_channels(x) if channels else x), y


def _check_size(size, available, name):
    if size is not None and size > available:
        raise ValueError(
            f"Expected `{name}` to be at most the {available} images of the "
            f"split. Received: {name}={size}"
        )


def _subset(x, y, size, name):
    if size is None:
        return x, y
    _check_size(size, len(x), name)
    # One fixed permutation: every method and seed sees the same images.
    order = np.random.default_rng(0).permutation(len(x))[:size]
    return x[order], y[order]


def _validation_count(fraction, available):
    """The number of images `validation_split=fraction` holds out."""
    if fraction is None:
        return 0
    count = int(round(fraction * available))
    if not 0 < count < available:
        raise ValueError(
            f"Expected `validation_split` to leave at least one image for "
            f"training and one for validation of the {available} training "
            f"images. Received: validation_split={fraction!r}"
        )
    return count


def _split_validation(x, y, fraction):
    """`((x_train, y_train), (x_validation, y_validation) or None)`."""
    if fraction is None:
        return (x, y), None
    count = _validation_count(fraction, len(x))
    # Seed 1, not the subsets' 0: the held-out images are a draw of their
    # own, the same for every method and seed.
    order = np.random.default_rng(1).permutation(len(x))
    kept, held_out = order[: len(x) - count], order[len(x) - count :]
    return (x[kept], y[kept]), (x[held_out], y[held_out])


def _labels(y):
    return np.asarray(y).reshape(-1).astype("int32")


def _with_channels(x):
    return x[..., None] if x.ndim == 3 else x


def _evaluate(model, config, prepared, data):
    x, y = prepared.x_test, prepared.y_test
    mean, std = prepared.mean, prepared.std
    results = {}
    spec = config.evaluations
    if spec.get("clean"):
        results["clean"] = robustness.corrupted_accuracy(
            model, x, y, 0.0, mean=mean, std=std
        )
    if prepared.x_validation is not None:
        results["validation"] = robustness.corrupted_accuracy(
            model,
            prepared.x_validation,
            prepared.y_validation,
            0.0,
            mean=mean,
            std=std,
        )
    if spec.get("corruption_curve"):
        curve = robustness.corruption_curve(
            model, x, y, mean=mean, std=std, sigmas=spec["corruption_curve"]
        )
        results["corruption_curve"] = {
            "sigma_noise": list(curve),
            "accuracy": list(curve.values()),
        }
    if spec.get("domain_shift"):
        channels = config.architecture in _IMAGE_ARCHITECTURES
        results["domain_shift"] = {}
        for variant in spec["domain_shift"]:
            x_usps, y_usps = data.usps(variant, channels)
            results["domain_shift"][variant] = robustness.corrupted_accuracy(
                model, x_usps, y_usps, 0.0, mean=mean, std=std
            )
    for attack in ("fgsm", "pgd"):
        if spec.get(attack):
            count = min(config.attack_size, len(x))
            accuracies = attacks.adversarial_accuracy(
                model,
                x[:count],
                y[:count],
                attack,
                epsilons=spec[attack],
                mean=mean,
                std=std,
                clip_min=0.0,
                clip_max=1.0,
            )
            results[attack] = {
                "epsilon": list(accuracies),
                "accuracy": list(accuracies.values()),
            }
    return results


def _normalize_evaluations(evaluations):
    if not isinstance(evaluations, dict):
        raise ValueError(
            "Expected `evaluations` to be a dict such as {'clean': True, "
            "'corruption_curve': [0.0, 0.4], 'fgsm': [0.05]}. Received: "
            f"evaluations={evaluations!r}"
        )
    unknown = sorted(set(evaluations) - set(EVALUATIONS))
    if unknown:
        raise ValueError(
            f"Unrecognized evaluation(s) {unknown}. Expected some of "
            f"{EVALUATIONS}."
        )
    normalized = {}
    for name in EVALUATIONS:
        value = evaluations.get(name)
        if value is None or value is False:
            continue
        if name == "clean":
            if value is not True:
                raise ValueError(
                    f"Expected evaluations['clean'] to be True or False. "
                    f"Received: {value!r}"
                )
            normalized[name] = True
            continue
        if name == "domain_shift" and value is True:
            value = ("lecun",)
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ValueError(
                f"Expected evaluations[{name!r}] to be a list. Received: "
                f"{value!r}"
            )
        values = list(value)
        if not values:
            continue
        if name == "corruption_curve":
            values = [robustness.check_sigma_noise(sigma) for sigma in values]
        elif name == "domain_shift":
            for variant in values:
                _check_choice(
                    variant,
                    datasets.USPS_TO_MNIST_VARIANTS,
                    "domain_shift variant",
                )
        else:
            for epsilon in values:
                if (
                    not _is_real(epsilon)
                    or not math.isfinite(epsilon)
                    or epsilon < 0
                ):
                    raise ValueError(
                        f"Expected the {name} epsilons to be finite "
                        f"non-negative numbers. Received: {value!r}"
                    )
            values = [float(epsilon) for epsilon in values]
        normalized[name] = list(dict.fromkeys(values))
    return normalized


def _reporter(progress):
    if progress is True:
        return ConsoleProgress()
    if progress is None or progress is False:
        return SweepProgress()
    if isinstance(progress, SweepProgress):
        return progress
    raise ValueError(
        "Expected `progress` to be True, False, None or a SweepProgress. "
        f"Received: progress={progress!r}"
    )


def _architecture_arguments(architecture):
    """The `architecture_kwargs` keys a `RunConfig` of `architecture` takes.

    The arguments of the architecture's builder (e.g. `zoo.fc_network`)
    that `zoo.build` does not set itself (`input_shape`, `seed`, ...),
    read from the signatures, so that they follow the zoo.
    """
    _check_choice(architecture, zoo.ARCHITECTURES, "architecture")
    builder = inspect.signature(_ARCHITECTURE_BUILDERS[architecture])
    build = inspect.signature(zoo.build)
    # `name` is the Keras model's name, not a property of the run (and
    # `zoo.build` sets it for "fc1").
    return tuple(
        name
        for name, parameter in builder.parameters.items()
        if name not in build.parameters
        and name != "name"
        and parameter.kind
        in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    )


def _check_architecture_kwargs(architecture, architecture_kwargs):
    accepted = _architecture_arguments(architecture)
    unknown = sorted(
        str(key) for key in architecture_kwargs if key not in accepted
    )
    if unknown:
        raise ValueError(
            f"Unrecognized `architecture_kwargs` key(s) {unknown} for "
            f"architecture={architecture!r}. Expected some of {accepted}. "
            f"Received: architecture_kwargs={architecture_kwargs!r}"
        )


def _check_choice(value, choices, name):
    if value not in choices:
        raise ValueError(
            f"Unrecognized `{name}`. Expected one of {tuple(choices)}. "
            f"Received: {name}={value!r}"
        )


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_int(value, name, minimum):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
    ):
        raise ValueError(
            f"Expected `{name}` to be an integer >= {minimum}. "
            f"Received: {name}={value!r}"
        )
    return int(value)


def _finite_or_none(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _to_json(value):
    """`value` with tuples as lists, NumPy scalars as Python, NaN as None."""
    if isinstance(value, dict):
        return {str(key): _to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(item) for item in value]
    if isinstance(value, np.ndarray):
        return _to_json(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    return value
