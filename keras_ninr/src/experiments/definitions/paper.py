"""The paper's sweep experiments: Figs. 2a, 2b, 6, 7, 8, 9 and Tables 1, 2.

Each is a `SweepExperiment`: the paper's networks and data set, the
methods with the zoo's sigma_eps presets, the stopping rule (98% training
accuracy, Table 1's 100%) and epoch cap, the evaluations, and the three
modes. Where the package departs from the paper the definition says so in
its `notes` (and docs/presets.md, docs/choices.md).
"""

import dataclasses
import functools

from keras_ninr.src.experiments import reports
from keras_ninr.src.experiments import zoo
from keras_ninr.src.experiments.definitions.methods import cdt_method
from keras_ninr.src.experiments.definitions.methods import decay_methods
from keras_ninr.src.experiments.definitions.methods import figure2_methods
from keras_ninr.src.experiments.definitions.methods import ninr_method
from keras_ninr.src.experiments.definitions.modes import modes
from keras_ninr.src.experiments.definitions.sweep_experiment import SIGMAS
from keras_ninr.src.experiments.definitions.sweep_experiment import TINY_SIGMAS
from keras_ninr.src.experiments.definitions.protocol import Option
from keras_ninr.src.experiments.definitions.sweep_experiment import SweepExperiment
from keras_ninr.src.experiments.definitions.sweep_experiment import clean_table
from keras_ninr.src.experiments.methods import METHODS
from keras_ninr.src.experiments.methods import NINR_REGULARIZATIONS

# Fig. 6's attacks (App. C.1), by their names in the attack registry
# (`keras_ninr.robustness.ATTACKS`): an attack registered beyond the
# paper's is not Fig. 6's, so it changes neither its runs nor its page.
FIG6_ATTACKS = ("fgsm", "pgd")
EPSILONS = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
TINY_EPSILONS = (0.0, 0.1)
USPS_VARIANTS = ("lecun", "pad", "resize28")
DISTRIBUTIONS = {
    "double_normal": "symmetric double Gaussian",
    "asymmetric_double_normal": "asymmetric double Gaussian",
    "uniform": "uniform",
    "normal": "Gaussian",
}
OPTIMIZERS = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD"}
# The rows of Tables 1 and 2 but CDT (which Table 1 leaves out and Table 2
# has at two strengths).
_PAPER_METHODS = (
    "none",
    "l2",
    "dropout",
    "in-ninr-decay",
    "in-ninr-catapult",
    "full-ninr-decay",
    "full-ninr-catapult",
)
_PANEL_METHODS = (
    "none",
    "in-ninr-decay",
    "in-ninr-catapult",
    "full-ninr-decay",
    "full-ninr-catapult",
)


# Table 2 of the paper: clean Fashion-MNIST test accuracy (%, ± 2σ over 10
# runs) by network and method key; Fig. 2 uses the same methods (the
# caption's σ_ε), so its pages show these beside their own clean accuracy.
TABLE2_PAPER = {
    "fc": {
        "none": "87.7 ± 2.6", "l2": "89.9 ± 3.4", "dropout": "88.3 ± 0.5",
        "in-ninr-decay": "89.1 ± 0.7", "in-ninr-catapult": "86.2 ± 0.8",
        "full-ninr-decay": "88.5 ± 1.8", "full-ninr-catapult": "88.2 ± 0.6",
        "cdt-0.2": "86.6 ± 0.9", "cdt-0.4": "85.5 ± 3.8",
    },
    "cnn": {
        "none": "91.0 ± 1.0", "l2": "92.2 ± 0.7", "dropout": "91.0 ± 1.1",
        "in-ninr-decay": "91.0 ± 1.2", "in-ninr-catapult": "89.0 ± 0.6",
        "full-ninr-decay": "91.0 ± 0.8", "full-ninr-catapult": "90.0 ± 0.2",
        "cdt-0.2": "84.6 ± 2.6", "cdt-0.4": "84.1 ± 6.4",
    },
}
# Table 1 of the paper: USPS accuracy (%, ± 2σ over 10 runs, LeCun's
# processing) of the networks trained on MNIST, by network and method key.
TABLE1_PAPER = {
    "fc": {
        "none": "82.3 ± 2.0", "l2": "82.5 ± 1.2", "dropout": "87.5 ± 1.2",
        "in-ninr-decay": "82.1 ± 1.6", "in-ninr-catapult": "84.1 ± 2.0",
        "full-ninr-decay": "82.0 ± 2.0", "full-ninr-catapult": "83.3 ± 1.4",
    },
    "cnn": {
        "none": "80.3 ± 4.8", "l2": "80.5 ± 3.8", "dropout": "83.8 ± 4.6",
        "in-ninr-decay": "82.6 ± 4.6", "in-ninr-catapult": "88.5 ± 3.4",
        "full-ninr-decay": "82.3 ± 4.0", "full-ninr-catapult": "89.7 ± 2.0",
    },
}
PAPER_COLUMN_NOTE = (
    "- paper: Table 2's clean accuracy (10 runs, ± 2σ, 60/40 split) for the "
    "method of the same name, made at the paper's σ_ε: beside both the kit's "
    "and the paper's σ_ε where they differ."
)


def _paper_numbers(architecture, table=TABLE2_PAPER):
    """A table's `paper` column: Table 2's numbers (or `table`'s)
    by the labels of the kit's methods (Fig. 2's and Table 2's), a
    method's `-paper` twin (the paper's σ_ε) included."""
    methods = _table2_all_methods(architecture)
    return {
        (architecture, methods[name]["label"]): text
        for key, text in table[architecture].items()
        for name in (key, f"{key}-paper")
        if name in methods
    }


def _table2_all_methods(architecture):
    methods = figure2_methods(architecture)
    methods["cdt-0.2"] = cdt_method(0.2)
    methods["cdt-0.4"] = methods.pop("cdt")
    return methods


def _figure2(architecture, quick_mode, tiny_methods, per_mode=None, **fields):
    """Fig. 2a or 2b; `per_mode`: the experiment's own settings in each
    mode (`modes`), `fields`: more `SweepExperiment` fields."""
    letter, name = {"fc": ("a", "FC"), "cnn": ("b", "CNN")}[architecture]
    full_epochs = {"fc": 20, "cnn": 10}[architecture]
    fields.setdefault("figures", {f"fig2{letter}": reports.corruption_figure})
    # Table 2's split on Fig. 2's runs, the reading docs/choices.md names.
    fields["options"] = {**fields.get("options", {}), "validation_split": Option(
        "hold out this fraction of the training images as a validation set "
        "(Table 2's 60/40 split: 0.4); default: none",
        float, multiple=False, minimum=0, inclusive=False,
    )}
    return SweepExperiment(
        name=f"fig2{letter}",
        heading=f"Fig. 2{letter}: the {name} on Fashion-MNIST",
        methods=figure2_methods(architecture),
        modes=modes(full_epochs, quick_mode, tiny=tiny_methods, **(per_mode or {})),
        page=f"fig2{letter}",
        table=clean_table(0.4, 0.6, paper=_paper_numbers(architecture)),
        architectures=(architecture,),
        notes=(*fields.pop("notes", ()), PAPER_COLUMN_NOTE),
        **fields,
    )


# Where Eq. 8 corrupts the test images, and the evaluation measuring it.
SPACES = {
    "pixel": "corruption_curve",
    "standardized": "corruption_curve_standardized",
}


def _spaces_evaluations(settings, mode):
    """Clean accuracy and the Eq. 8 curve in each of `settings["spaces"]`."""
    sigmas = list(TINY_SIGMAS if mode == "tiny" else SIGMAS)
    evaluations = {"clean": True}
    for space in settings["spaces"]:
        evaluations[SPACES[space]] = sigmas
    return evaluations


def _standardized_figure(records, title=None):
    """Fig. 2's curves with Eq. 8 on the standardised pixels; `None` (no
    figure) if no run measured them."""
    if not any(
        r["config"]["evaluations"].get(SPACES["standardized"]) for r in records
    ):
        return None
    return reports.corruption_figure(
        records,
        title=f"{title}: Eq. 8 on the standardised pixels" if title else None,
        space="standardized",
    )


FIG2A = _figure2(
    "fc",
    (10000, None, 5, ["none", "dropout", "in-ninr-decay"]),
    ["none", "in-ninr-decay"],
    per_mode={"spaces": (list(SPACES),) * 3},
    options={
        "hidden_units": Option(
            "hidden layer widths (smaller ones are for smoke tests only)",
            int,
            minimum=1,
        ),
        "spaces": Option(
            "where Eq. 8 corrupts the test images: the [0, 1] pixels, the "
            "standardised pixels (where it keeps their unit variance), or both",
            choices=tuple(SPACES),
        ),
    },
    evaluations=_spaces_evaluations,
    figures={
        "fig2a": reports.corruption_figure,
        "fig2a_standardized": _standardized_figure,
    },
    test="test: {test_size} images, Eq. 8 corruption in pixel space (and "
    "on the standardised pixels where a column or figure says so)",
)
FIG2B = _figure2(
    "cnn",
    (5000, 2000, 3, ["none", "dropout", "full-ninr-catapult"]),
    ["none", "full-ninr-catapult"],
    notes=(
        "- σ_ε values are the paper's CNN presets (Fig. 2 caption), each NINR "
        "catapult also at the kit's preset where its rule moves it "
        "(docs/presets.md).",
    ),
)


# Fig. 2's methods at the paper's sigma_eps where the kit's rule moved it
# (`figure2_methods`), of either network: Tables 1 and 2 take them too, so
# that runs made at the paper's values before the rule stay reachable.
_PAPER_PRESET_METHODS = tuple(
    dict.fromkeys(
        key
        for architecture in ("fc", "cnn")
        for key in figure2_methods(architecture)
        if key.endswith("-paper")
    )
)


def _method_of(methods, key):
    """`methods[key]`; a `...-paper` key that a network lacks is its kit
    method, whose sigma_eps is the paper's there (the same run)."""
    return methods[key] if key in methods else methods[key.removesuffix("-paper")]


def _table2_methods(architecture, keys, settings):
    methods = _table2_all_methods(architecture)
    return [_method_of(methods, key) for key in keys]


TABLE2 = SweepExperiment(
    name="table2",
    heading="Table 2: generalization on clean Fashion-MNIST",
    methods=dict.fromkeys((*_PAPER_METHODS, "cdt-0.2", "cdt-0.4", *_PAPER_PRESET_METHODS)),
    modes=modes(
        None,
        (10000, 2000, 5, ["none", "dropout", "in-ninr-decay", "cdt-0.4"]),
        tiny=["none", "in-ninr-decay"],
    ),
    page="table2",
    table=clean_table(paper={**_paper_numbers("fc"), **_paper_numbers("cnn")}),
    notes=(PAPER_COLUMN_NOTE,),
    methods_of=_table2_methods,
    evaluations=lambda settings, mode: {"clean": True},
    fields={"validation_split": 0.4},
    test="clean test: {test_size} images; validation: 40% of the training images held out",
)


def _attack_evaluations(settings, mode):
    epsilons = list(settings["epsilons"])
    return {"clean": True, **dict.fromkeys(FIG6_ATTACKS, epsilons)}


FIG6 = SweepExperiment(
    name="fig6",
    heading="Fig. 6: FGSM and PGD on Fashion-MNIST",
    methods=decay_methods(["none", "l2", "dropout", "in-ninr"]),
    modes=modes(
        None,
        (5000, 2000, 3, ["none", "in-ninr"]),
        attack_size=(1000, 300, 64),
        epsilons=(EPSILONS, EPSILONS, TINY_EPSILONS),
    ),
    page="fig6",
    figures={
        f"fig6_{attack}": functools.partial(reports.attack_figure, attack=attack)
        for attack in FIG6_ATTACKS
    },
    # Fig. 6 is a figure; its table gives two of its epsilons as numbers.
    table=functools.partial(
        reports.attack_table, epsilons=(0.05, 0.1), attacks=FIG6_ATTACKS
    ),
    test=(
        "attacks: L∞ FGSM and PGD in pixel space on the first "
        "{attack_size} test images, inference mode"
    ),
    evaluations=_attack_evaluations,
    notes=(
        "- paper: Fig. 6 has no numbers (a figure, 10 runs); App. C.1: NINR "
        "above L2 and None, Dropout best under FGSM, NINR under PGD "
        "(docs/claims.md sets the two side by side).",
    ),
    options={
        "epsilons": Option("attack strengths in pixel units", float, minimum=0),
        "attack_size": Option("test images attacked", int, multiple=False, minimum=1),
    },
)


def _distribution_methods(architecture, keys, settings):
    """Each NINR method once per noise distribution."""
    chosen = []
    for key in keys:
        method = figure2_methods(architecture)[key]
        if method["regularization"] not in NINR_REGULARIZATIONS:
            chosen.append(method)
            continue
        for distribution in settings["distributions"]:
            chosen.append(
                dict(
                    method,
                    noise_distribution=distribution,
                    # The table has no distribution column: the label says.
                    label=f"{method['label']}, {DISTRIBUTIONS[distribution]}",
                )
            )
    return chosen


def _panel_experiment(name, figure, option, option_name, default, **fields):
    """Figs. 7 and 8: Fig. 2's protocol once per panel value (`option`:
    the noise distributions, the optimizers), each method in each panel."""
    return SweepExperiment(
        name=name,
        methods=dict.fromkeys(_PANEL_METHODS),
        modes={
            mode: dataclasses.replace(settings, settings={option_name: list(default)})
            for mode, settings in modes(
                None, (5000, 2000, 3, ["none", "in-ninr-decay"])
            ).items()
        },
        page=name,
        figures={name: figure},
        options={option_name: option},
        **fields,
    )


FIG7 = _panel_experiment(
    "fig7",
    reports.noise_distribution_figure,
    Option("noise distributions, a panel each", choices=tuple(DISTRIBUTIONS)),
    "distributions",
    ["double_normal", "asymmetric_double_normal", "uniform"],
    heading="Fig. 7: NINR with other noise distributions, Fashion-MNIST",
    methods_of=_distribution_methods,
    notes=(
        "- App. C.2 calls its double Gaussian (peaks at ±σ_ε) asymmetric "
        "and gives neither its weights nor its widths; both readings run: "
        "symmetric (equal weights, zero mean) and asymmetric (weights 3:1, "
        "mean σ_ε/2); peaks N(±σ_ε, (0.1σ_ε)²) (docs/choices.md).",
    ),
)


def _optimizer_methods(architecture, keys, settings):
    """Each method once per optimizer, at Table 3's sigma_eps (the zoo's
    presets, which fill Table 3's blank FC full-NINR cells by its rule); a
    NINR method without a preset for the network and optimizer is left
    out."""
    methods = {
        "none": ("none", None),
        "in-ninr-decay": ("in-ninr", "decay"),
        "in-ninr-catapult": ("in-ninr", "catapult"),
        "full-ninr-decay": ("full-ninr", "decay"),
        "full-ninr-catapult": ("full-ninr", "catapult"),
    }
    chosen = []
    for optimizer in settings["optimizers"]:
        for key in keys:
            regularization, phase = methods[key]
            method = dict(regularization=regularization, label="None")
            if phase is not None:
                topology = METHODS[regularization].topology
                if (architecture, topology, optimizer) not in zoo.NOISE_PRESETS:
                    continue
                # The preset's name, not its value, in the config (run ids).
                method = dict(
                    ninr_method(architecture, regularization, phase, optimizer),
                    noise_stddev=phase,
                )
            # The table has no optimizer column: the label says.
            method["label"] += f", {OPTIMIZERS[optimizer]}"
            chosen.append(dict(method, optimizer=optimizer))
    return chosen


FIG8 = _panel_experiment(
    "fig8",
    reports.optimizer_figure,
    Option("optimizers, a panel each", choices=tuple(OPTIMIZERS)),
    "optimizers",
    ["adam", "rmsprop"],
    heading="Fig. 8: NINR with Adam and RMSprop, Fashion-MNIST",
    methods_of=_optimizer_methods,
    notes=(
        "- σ_ε: Table 3's presets per optimizer; learning rates of App. C.3.",
        "- Table 3 leaves the FC's full-NINR cells blank: their σ_ε is the "
        "SGD value times √(0.05/η), the rule every other Table 3 entry "
        "follows (docs/presets.md).",
    ),
)


def cifar10_experiment(name, heading, page, figure, **fields):
    """App. D's protocol: the VGG net on CIFAR-10 with None, in-NINR and
    CDT, 30 epochs at most; `figure`: the page's figure, `fields`: more
    `SweepExperiment` fields."""
    return SweepExperiment(
        name=name,
        heading=heading,
        methods={
            "none": dict(regularization="none", label="None"),
            "in-ninr-decay": ninr_method("vgg", "in-ninr", "decay"),
            "in-ninr-catapult": ninr_method("vgg", "in-ninr", "catapult"),
            "cdt-0.2": cdt_method(0.2),
            "cdt-0.4": cdt_method(0.4),
        },
        modes=modes(30, (3000, 1000, 2, ["none", "in-ninr-decay"])),
        page=page,
        figures={page: figure},
        architectures=("vgg",),
        dataset="cifar10",
        **fields,
    )


FIG9 = cifar10_experiment(
    "fig9",
    "App. D / Fig. 9: the VGG net on CIFAR-10",
    "fig9",
    reports.cifar10_figure,
    notes=(
        "- CIFAR-10 from the shared JPEG copy (lossy re-encoding).",
        "- The full mode caps training at 30 epochs; CIFAR-10 does not "
        "reach 98% training accuracy with this net in that time.",
        "- paper: Fig. 9 has no numbers (a figure; σ_ε 17.5 decay, 55.4 "
        "catapult); App. D: in-NINR decay keeps NINR's robustness, the "
        "catapult needs over 500 epochs to generalize as well "
        "(docs/claims.md sets the two side by side).",
    ),
)

_TABLE1_MODES = modes(
    None, (5000, 2000, 3, _PAPER_METHODS), tiny=["none", "in-ninr-catapult"]
)


def _table1_methods(architecture, keys, settings):
    methods = figure2_methods(architecture)
    return [_method_of(methods, key) for key in keys]


TABLE1 = SweepExperiment(
    name="table1",
    heading="Table 1: MNIST -> USPS",
    methods=dict.fromkeys((*_PAPER_METHODS, "cdt", *_PAPER_PRESET_METHODS)),
    modes={
        "full": dataclasses.replace(
            _TABLE1_MODES["full"],
            methods=_PAPER_METHODS,
            settings={"variants": ["lecun", "pad"]},
        ),
        "quick": dataclasses.replace(
            _TABLE1_MODES["quick"], seeds=(0, 1, 2), settings={"variants": ["lecun", "pad"]}
        ),
        "tiny": dataclasses.replace(
            _TABLE1_MODES["tiny"], settings={"variants": ["lecun", "pad"]}
        ),
    },
    page="table1",
    table=functools.partial(
        reports.domain_shift_table,
        paper={**_paper_numbers("fc", TABLE1_PAPER), **_paper_numbers("cnn", TABLE1_PAPER)},
    ),
    dataset="mnist",
    methods_of=_table1_methods,
    target_accuracy=1.0,
    test=(
        "clean test: {test_size} MNIST images; USPS: the 2,007 test digits "
        "in each processing variant (lecun is the paper's)"
    ),
    evaluations=lambda settings, mode: {
        "clean": True,
        "domain_shift": list(settings["variants"]),
    },
    options={
        "variants": Option("USPS processing variants", choices=USPS_VARIANTS)
    },
    notes=(
        "- The paper excludes CDT from Table 1; `--methods cdt` adds it.",
        "- Training stops at 100% training accuracy (Sec. 3.2.2) or the cap.",
        "- paper: Table 1's USPS accuracy (10 runs, ± 2σ, LeCun's processing) "
        "for the method of the same name, made at Fig. 2's σ_ε: beside both "
        "the kit's and the paper's σ_ε where they differ.",
    ),
)

SWEEP_EXPERIMENTS = (FIG2A, FIG2B, TABLE2, FIG6, FIG7, FIG8, FIG9, TABLE1)
