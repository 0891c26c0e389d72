"""What a sweep's run is: `RunConfig`, its run id, and its display name.

A run is data: the fields of a `RunConfig` (data set, network,
regularization, sigma_eps, seed, the paper's training protocol of Sec. 3,
what to evaluate) determine it, and its `run_id`, a hash of those fields,
is how a results file remembers it (`run_ids`); its display name is
`labels`'. Grids of runs are `grid.expand_grid`'s.
"""

import copy
import dataclasses
import math

from keras_ninr.src import noise
from keras_ninr.src import training_rules
from keras_ninr.src.checks import check_int
from keras_ninr.src.corruption import check_sigma_noise
from keras_ninr.src.datasets import loaders as datasets
from keras_ninr.src.experiments import zoo
from keras_ninr.src.experiments.methods import CDT_SIGMA_NOISE
from keras_ninr.src.experiments.methods import METHODS
from keras_ninr.src.experiments.methods import NINR_REGULARIZATIONS
from keras_ninr.src.experiments.sweep.checks import check_architecture_kwargs
from keras_ninr.src.checks import check_bool
from keras_ninr.src.checks import check_choice
from keras_ninr.src.experiments.sweep.checks import is_real
from keras_ninr.src.experiments.sweep.checks import normalize_evaluations
from keras_ninr.src.experiments.sweep.checks import to_json
from keras_ninr.src.experiments.sweep.labels import _label
from keras_ninr.src.experiments.sweep.run_ids import LEGACY_VALUES
from keras_ninr.src.experiments.sweep.run_ids import _run_id
from keras_ninr.src.robustness import benchmark_data

DEFAULT_EVALUATIONS = {
    "clean": True,
    "corruption_curve": tuple(round(0.1 * i, 1) for i in range(11)),
}

# The data set the USPS domain shift applies to (Table 1).
DOMAIN_SHIFT_DATASET = "mnist"
# The data set of each corruption benchmark's clean test images.
BENCHMARK_DATASETS = {
    name: spec.clean_dataset for name, spec in benchmark_data.BENCHMARKS.items()
}


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Everything that determines one training run and its evaluations.

    Two configs with the same fields have the same `run_id` (a hash of
    `to_dict()` without `label`), on every machine and backend: it is how
    a sweep recognises a finished run in its results file. Fields that a
    regularization does not use (`keras_ninr.src.experiments.methods.
    METHODS`) are normalised away to `None` (`noise_stddev` and
    `noise_distribution` outside NINR, `shared_noise` outside full-NINR,
    `weight_decay` outside L2, `cdt_sigma_noise` outside CDT), so they do
    not make distinct runs of identical ones.

    Fields newer than the first results files follow one rule
    (`LEGACY_VALUES`): holding the value the older records implied, a field
    is left out of the hash, so those records keep their run ids and read
    back (`from_dict`) as what they were; any other value is hashed, so a
    run of new semantics never resumes from an old record.

    Args:
        dataset: One of `keras_ninr.datasets.KNOWN_DATASETS`, loaded by
            `keras_ninr.datasets.load` (or by the sweep's `load_data`).
            Defaults to `"fashion_mnist"`.
        architecture: One of `keras_ninr.experiments.zoo.ARCHITECTURES`.
            Defaults to `"fc"`.
        regularization: One of
            `keras_ninr.experiments.zoo.REGULARIZATIONS`. Defaults to
            `"none"`.
        noise_stddev: sigma_eps for NINR: a float, or `"decay"` /
            `"catapult"` for the paper's preset (`keras_ninr.experiments.zoo.
            noise_preset`). Defaults to `"decay"`.
        noise_distribution: Distribution of the NINs. Defaults to
            `"normal"`.
        shared_noise: For `"full-ninr"`: `True`, one eps per sample feeds
            every NIN (the paper's single noise node); `False`, each NIN
            draws its own (the package's full-NINR before issue 13, which
            records without this field hold). `None` (the default) means
            `True` for full-NINR; outside full-NINR it is `None`.
        weight_decay: For `"l2"`: the coefficient of the Keras
            `L2(weight_decay)` regularizer on every kernel (a penalty
            `weight_decay * sum(w^2)`; `keras_ninr.experiments.zoo`'s
            reading of App. A). `None` (the default) means App. A's
            `5e-4`; `2.5e-4` is SGD weight decay 5e-4, the reading of the
            records without this field. Outside L2 it is `None`.
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
            (`True`), `"corruption_curve"` (sigma_noise values in [0, 1];
            Eq. 8 on the pixels), `"corruption_curve_standardized"` (the
            same, Eq. 8 on the standardised pixels),
            `"domain_shift"` (USPS processing variants, or `True` for
            `("lecun",)`; `dataset="mnist"` only), `"fgsm"` and `"pgd"`
            (epsilons in pixel units), `"corruption_benchmark"`
            (`"mnist_c"` with `dataset="mnist"`, `"cifar10_c"` with
            `dataset="cifar10"`: `keras_ninr.robustness.
            corruption_benchmark`, its data under the sweep's `data_dir`
            as `mnist_c/`, `CIFAR-10-C/` or `cifar10_c/`, else TFDS).
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

    A config is frozen: construction checks and resolves every field, and
    the values a run reads are resolved then too, once:

    Attributes:
        run_id: A 16-hex-digit hash of `hashed_fields(self.to_dict())`.
        method_label: `label`, or a display name made from the fields,
            followed by the readings the run departs from (`readings`).
        noise_stddev_value: sigma_eps as a float (a preset resolved), or
            `None` if not NINR.
        model_options: The keyword arguments of `zoo.build` that the
            run's method uses (`METHODS[regularization].options`), as the
            config holds them: sigma_eps (`noise_stddev_value`) and
            `noise_distribution` for NINR, `shared_noise` for full-NINR,
            `weight_decay` for L2, `cdt_sigma_noise` for CDT; `{}` for
            None and Dropout.
        batch_size_value: `batch_size`, or the paper's for the
            architecture.
        learning_rate_value: `learning_rate`, or the paper's for the
            optimizer and architecture.
    """

    dataset: str = "fashion_mnist"
    architecture: str = "fc"
    regularization: str = "none"
    noise_stddev: object = "decay"
    noise_distribution: str = "normal"
    shared_noise: object = None
    weight_decay: object = None
    optimizer: str = "sgd"
    learning_rate: object = None
    seed: int = 0
    epochs: int = 500
    target_accuracy: object = training_rules.TARGET_ACCURACY
    train_size: object = None
    test_size: object = None
    validation_split: object = None
    batch_size: object = None
    cdt_sigma_noise: object = CDT_SIGMA_NOISE
    evaluations: dict = dataclasses.field(
        default_factory=lambda: dict(DEFAULT_EVALUATIONS)
    )
    attack_size: int = 1000
    architecture_kwargs: dict = dataclasses.field(default_factory=dict)
    label: object = None

    def __post_init__(self):
        check_choice(self.architecture, zoo.ARCHITECTURES, "architecture")
        check_choice(
            self.regularization, zoo.REGULARIZATIONS, "regularization"
        )
        check_choice(self.optimizer, zoo.OPTIMIZERS, "optimizer")
        # Checked here, not when the run loads its data: a misspelt name
        # would otherwise stop a sweep after its earlier runs trained.
        check_choice(self.dataset, datasets.KNOWN_DATASETS, "dataset")
        self._hold(seed=check_int(self.seed, "seed", minimum=0))
        self._hold(epochs=check_int(self.epochs, "epochs", minimum=1))
        self._hold(
            attack_size=check_int(self.attack_size, "attack_size", 1)
        )
        for name in ("train_size", "test_size", "batch_size"):
            value = getattr(self, name)
            if value is not None:
                self._hold(**{name: check_int(value, name, minimum=1)})
        if self.target_accuracy is not None:
            self._hold(
                target_accuracy=training_rules.check_target_accuracy(
                    self.target_accuracy
                )
            )
        if self.validation_split is not None:
            if not is_real(self.validation_split) or not (
                0.0 < self.validation_split < 1.0
            ):
                raise ValueError(
                    "Expected `validation_split` to be a fraction in (0, 1), "
                    "e.g. 0.4 for a 60/40 training/validation split, or "
                    "None (no validation set). Received: "
                    f"validation_split={self.validation_split!r}"
                )
            self._hold(validation_split=float(self.validation_split))
        if self.learning_rate is not None:
            if not is_real(self.learning_rate) or not self.learning_rate > 0:
                raise ValueError(
                    "Expected `learning_rate` to be a positive number or "
                    f"None. Received: learning_rate={self.learning_rate!r}"
                )
            self._hold(learning_rate=float(self.learning_rate))

        # The fields the method uses; the others are normalised away.
        uses = METHODS[self.regularization].options
        if "noise_stddev" in uses:
            if isinstance(self.noise_stddev, str):
                # Raises for a phase or combination the paper has no value for.
                zoo.noise_preset(
                    self.architecture,
                    self.topology,
                    self.noise_stddev,
                    self.optimizer,
                )
            elif (
                not is_real(self.noise_stddev)
                or not math.isfinite(self.noise_stddev)
                or self.noise_stddev < 0
            ):
                raise ValueError(
                    "Expected `noise_stddev` to be a finite non-negative "
                    "number or a preset name ('decay', 'catapult'). "
                    f"Received: noise_stddev={self.noise_stddev!r}"
                )
            else:
                self._hold(noise_stddev=float(self.noise_stddev))
            if not isinstance(self.noise_distribution, str):
                raise ValueError(
                    "Expected `noise_distribution` to be a name (a sweep "
                    "writes its configs as JSON), e.g. 'normal', 'uniform' "
                    "or 'double_normal'. Received: "
                    f"noise_distribution={self.noise_distribution!r}"
                )
            noise.get(self.noise_distribution)  # Raises for an unknown name.
        else:
            self._hold(noise_stddev=None, noise_distribution=None)
        self._hold(
            shared_noise=check_bool(
                self.shared_noise,
                "shared_noise",
                " (True: one eps per sample for every NIN of full-NINR; "
                "False: an eps per NIN; None: True for full-NINR)",
                allow_none=True,
            )
        )
        if "shared_noise" in uses:
            if self.shared_noise is None:
                self._hold(shared_noise=True)
        else:
            self._hold(shared_noise=None)
        if self.weight_decay is not None and (
            not is_real(self.weight_decay)
            or not math.isfinite(self.weight_decay)
            or not self.weight_decay > 0
        ):
            raise ValueError(
                "Expected `weight_decay` to be a positive finite number (the "
                "coefficient of Keras's L2 regularizer) or None (App. A's "
                f"5e-4). Received: weight_decay={self.weight_decay!r}"
            )
        if "weight_decay" in uses:
            if self.weight_decay is None:
                self._hold(weight_decay=zoo.WEIGHT_DECAY)
            self._hold(weight_decay=float(self.weight_decay))
        else:
            self._hold(weight_decay=None)
        if "cdt_sigma_noise" in uses:
            self._hold(
                cdt_sigma_noise=check_sigma_noise(self.cdt_sigma_noise)
            )
        else:
            self._hold(cdt_sigma_noise=None)

        self._hold(evaluations=normalize_evaluations(self.evaluations))
        if (
            "domain_shift" in self.evaluations
            and self.dataset != DOMAIN_SHIFT_DATASET
        ):
            raise ValueError(
                "Expected the 'domain_shift' evaluation only with "
                f"dataset={DOMAIN_SHIFT_DATASET!r}: it tests MNIST-trained "
                "models on USPS digits in MNIST's format (Table 1). "
                f"Received: dataset={self.dataset!r}"
            )
        benchmark = self.evaluations.get("corruption_benchmark")
        if benchmark and self.dataset != BENCHMARK_DATASETS[benchmark]:
            raise ValueError(
                f"Expected the {benchmark!r} corruption benchmark only with "
                f"dataset={BENCHMARK_DATASETS[benchmark]!r}: it corrupts that "
                f"data set's test images. Received: dataset={self.dataset!r}"
            )
        check_architecture_kwargs(self.architecture, self.architecture_kwargs)
        self._hold(
            architecture_kwargs={
                key: to_json(value)
                for key, value in sorted(self.architecture_kwargs.items())
            }
        )
        if self.label is not None and not isinstance(self.label, str):
            raise ValueError(
                f"Expected `label` to be a string or None. Received: "
                f"label={self.label!r}"
            )

        # What the fields resolve to, once: training, the data, the
        # evaluations and the records read these instead of going back to
        # the zoo's tables or filling in defaults of their own.
        fields = {
            field.name: to_json(getattr(self, field.name))
            for field in dataclasses.fields(self)
        }
        noise_stddev_value = self.noise_stddev
        if isinstance(noise_stddev_value, str):
            noise_stddev_value = float(
                zoo.noise_preset(
                    self.architecture,
                    self.topology,
                    noise_stddev_value,
                    self.optimizer,
                )
            )
        options = {name: getattr(self, name) for name in uses}
        if "noise_stddev" in options:
            options["noise_stddev"] = noise_stddev_value
        learning_rate = self.learning_rate
        if learning_rate is None:
            learning_rate = zoo.LEARNING_RATES[
                (self.optimizer, self.architecture)
            ]
        self._hold(
            _fields=fields,
            run_id=_run_id(fields),
            noise_stddev_value=noise_stddev_value,
            model_options=options,
            batch_size_value=(
                self.batch_size or zoo.BATCH_SIZES[self.architecture]
            ),
            learning_rate_value=learning_rate,
            method_label=_label(fields, noise_stddev_value),
        )

    def _hold(self, **values):
        """Set attributes of this frozen config: `__post_init__` alone
        does, so that a config never changes once made."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def topology(self):
        """`"input"` or `"full"` for NINR, else `None`."""
        if self.regularization not in NINR_REGULARIZATIONS:
            return None
        return METHODS[self.regularization].topology

    def to_dict(self):
        """The fields as a JSON-ready dict (lists for tuples)."""
        return copy.deepcopy(self._fields)

    @classmethod
    def from_dict(cls, config):
        """The `RunConfig` of `to_dict()` output (e.g. a record's config).

        A field the dict lacks (a record older than the field) takes the
        value such records implied (`LEGACY_VALUES`), not today's default:
        an old full-NINR record reads as `shared_noise=False`, an old L2
        record as `weight_decay=2.5e-4`, each with its original run id.
        """
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(config) - names)
        if unknown:
            raise ValueError(
                f"Unknown RunConfig field(s) {unknown}. Expected some of "
                f"{sorted(names)}."
            )
        return cls(**{**LEGACY_VALUES, **config})
