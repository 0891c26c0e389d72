"""The paper's numbers for its networks: sigma_eps presets, learning rates,
batch sizes and L2 coefficients (Sec. 3, App. A, C.3, D, Table 3, Fig. 3).

How the paper's L2 coefficients become Keras regularizers, where the paper
is ambiguous:

- **Weight decay.** Sec. 3's "L2 regularization coefficient (weight
  decay) 5e-4" and App. D's "L2 weight decay 1e-4" on each convolution are
  both read as the coefficient of Keras's L2 regularizer,
  `keras.regularizers.L2(5e-4)`, which adds 5e-4 * sum(w^2) to the loss
  (gradient 2 * 5e-4 * w). The evidence is that the authors used Keras:
  App. C.3's optimizer settings (RMSprop rho 0.9, epsilon 1e-7; Adam beta
  0.9 / 0.999, epsilon 1e-7) are Keras's defaults and no other framework's
  (PyTorch: RMSprop alpha 0.99, eps 1e-8, Adam eps 1e-8; TensorFlow 1:
  RMSProp epsilon 1e-10, Adam epsilon 1e-8), and App. D writes its blocks
  in Keras 1's `Conv2D(32, 3, 3)` signature; in Keras code the "L2
  regularization coefficient" is the argument of `l2(...)`, a per-layer
  regularizer ("applied at/after each layer"). `l2_reading="sgd"` gives
  the other reading (SGD weight decay: gradient 5e-4 * w, a Keras
  `L2(2.5e-4)`, and L2(5e-5) on the VGG's convolutions), which the
  package used for App. A's value before issue 13 (such results are
  labelled "penalty 0.00025·Σw²").
"""

import math

from keras_ninr.src.checks import check_choice

# App. A's and App. D's L2 coefficients, as Keras's `L2(l2)` reads them.
WEIGHT_DECAY = 5e-4
VGG_CONV_L2 = 1e-4
DROPOUT_RATE = 0.5
# How the paper's "L2 coefficient (weight decay)" becomes a Keras
# `L2(l2)`: "keras" takes it as `l2` (the package's reading), "sgd" as SGD
# weight decay of gradient `coefficient * w`, i.e. `l2 = coefficient / 2`.
L2_READINGS = ("keras", "sgd")

# sigma_eps of the paper, by (architecture, topology, optimizer): Fig. 2
# caption (SGD), App. D (VGG), Table 3 (Adam, RMSprop), and for "fc1"
# Fig. 3's sigma_eps^2 = {0.1, 1} * d_in / eta with d_in = 785, eta = 0.01.
# Table 3 leaves the FC's full-NINR cells blank; every other Table 3 entry
# is its SGD value times sqrt(0.05 / eta) (to within 3.1%, docs/presets.md),
# so those two are the FC's SGD full-NINR values scaled so:
# `_table3_rule`. docs/presets.md compares every preset with the phase
# boundaries measured on the package's networks.


def _table3_rule(sgd_sigma, learning_rate):
    """Table 3's pattern: the SGD (eta = 0.05) sigma_eps times
    sqrt(0.05 / eta), i.e. the same eta * sigma_eps^2, rounded as Table 3
    rounds (one decimal)."""
    return round(sgd_sigma * (0.05 / learning_rate) ** 0.5, 1)


NOISE_PRESETS = {
    ("fc", "input", "sgd"): {"decay": 51.8, "catapult": 231.6},
    ("fc", "full", "sgd"): {"decay": 16.4, "catapult": 51.8},
    ("cnn", "input", "sgd"): {"decay": 2.8, "catapult": 87.5},
    ("cnn", "full", "sgd"): {"decay": 0.9, "catapult": 62.0},
    ("vgg", "input", "sgd"): {"decay": 17.5, "catapult": 55.4},
    ("fc1", "input", "sgd"): {
        "decay": (0.1 * 785 / 0.01) ** 0.5,
        "catapult": (785 / 0.01) ** 0.5,
    },
    ("fc", "input", "rmsprop"): {"decay": 1158.2, "catapult": 5179.9},
    ("cnn", "input", "rmsprop"): {"decay": 19.6, "catapult": 619.1},
    ("cnn", "full", "rmsprop"): {"decay": 6.19, "catapult": 437.8},
    ("fc", "full", "rmsprop"): {
        "decay": _table3_rule(16.4, 1e-4),
        "catapult": _table3_rule(51.8, 1e-4),
    },
    ("fc", "input", "adam"): {"decay": 115.8, "catapult": 518.0},
    ("fc", "full", "adam"): {
        "decay": _table3_rule(16.4, 0.01),
        "catapult": _table3_rule(51.8, 0.01),
    },
    ("cnn", "input", "adam"): {"decay": 6.2, "catapult": 195.8},
    ("cnn", "full", "adam"): {"decay": 1.95, "catapult": 138.4},
}

# Learning rates (Sec. 3, App. A, App. C.3) and batch sizes.
LEARNING_RATES = {
    ("sgd", "fc"): 0.05,
    ("sgd", "cnn"): 0.05,
    ("sgd", "vgg"): 0.05,
    ("sgd", "fc1"): 0.01,
    ("adam", "fc"): 0.01,
    ("adam", "cnn"): 0.01,
    ("adam", "vgg"): 0.01,
    ("adam", "fc1"): 0.01,
    ("rmsprop", "fc"): 1e-4,
    ("rmsprop", "fc1"): 1e-4,
    ("rmsprop", "cnn"): 1e-3,
    ("rmsprop", "vgg"): 1e-3,
}
BATCH_SIZES = {"fc": 128, "cnn": 128, "vgg": 128, "fc1": 1000}


# The kit's presets follow one rule from the measured phase boundaries
# (issue 21, docs/presets.md): where the phase finder measured a network's
# catapult/divergent boundary (SGD, App. A's initialisation), a preset is
# the paper's value if the finder found it safe, else the finder's largest
# safe sigma_eps (the bracket's lower end) rounded down to three
# significant figures. Elsewhere (no boundary measured) it is the paper's.
# `presets="paper"` gives the paper's values everywhere.
PRESETS = ("measured", "paper")
# The finder's largest safe sigma_eps, by (architecture, topology,
# optimizer), where it lies below a paper value: the FC's in-NINR
# (results/phase_boundaries_fc.md: 133.4-154.0), the FC's and the CNN's
# full-NINR with one shared eps (results/phase_boundaries_full_shared/:
# 31.62-36.52, 27.38-31.62). The CNN's and the VGG's in-NINR were safe up
# to 1000 (results/phase_boundaries_cnn/, _vgg/), above every paper value.
MEASURED_LARGEST_SAFE = {
    ("fc", "input", "sgd"): 133.4,
    ("fc", "full", "sgd"): 31.62,
    ("cnn", "full", "sgd"): 27.38,
}


def _three_figures_down(value):
    """`value` rounded down to three significant figures (133.4 -> 133)."""
    digits = 2 - math.floor(math.log10(value))
    return round(math.floor(round(value * 10**digits, 6)) / 10**digits, max(digits, 0))


def l2_coefficient(coefficient, reading="keras"):
    """The Keras `L2(l2)` coefficient of a paper's "L2 coefficient".

    Args:
        coefficient: The paper's number, e.g. `5e-4` (App. A) or `1e-4`
            (App. D).
        reading: `"keras"`: the coefficient of Keras's `L2` itself, a
            penalty `coefficient * sum(w^2)` (the package's reading, see
            the module docstring); `"sgd"`: SGD weight decay, of gradient
            `coefficient * w`, i.e. `L2(coefficient / 2)`. Defaults to
            `"keras"`.

    Returns:
        The float to pass to `keras.regularizers.L2`.
    """
    check_choice(reading, L2_READINGS, "l2_reading")
    return coefficient if reading == "keras" else coefficient / 2.0


def noise_preset(
    architecture, topology="input", phase="decay", optimizer="sgd", presets="measured"
):
    """The kit's (or the paper's) sigma_eps for a network, topology and phase.

    Args:
        architecture: One of `zoo.ARCHITECTURES`.
        topology: `"input"` or `"full"`.
        phase: `"decay"` or `"catapult"`.
        optimizer: `"sgd"`, `"adam"` or `"rmsprop"`.
        presets: `"measured"`: the kit's rule (the module's comment at
            `PRESETS`): the paper's value, or the finder's largest safe
            sigma_eps rounded down where the paper's lies past a measured
            divergence boundary (the FC's in-NINR catapult 133, not 231.6;
            the full-NINR catapults with one shared eps: FC 31.6, not
            51.8, CNN 27.3, not 62). `"paper"`: the paper's values.
            Defaults to `"measured"`.
    """
    check_choice(presets, PRESETS, "presets")
    key = (architecture, topology, optimizer)
    if key not in NOISE_PRESETS:
        raise ValueError(
            "The paper gives no sigma_eps for this combination. Known: "
            f"{sorted(NOISE_PRESETS)}. Received: architecture={architecture!r}, "
            f"topology={topology!r}, optimizer={optimizer!r}"
        )
    table = NOISE_PRESETS[key]
    if phase not in table:
        raise ValueError(
            f"Unrecognized `phase`. Expected one of {tuple(table)}. "
            f"Received: phase={phase!r}"
        )
    value = table[phase]
    largest_safe = MEASURED_LARGEST_SAFE.get(key)
    if presets == "measured" and largest_safe is not None and value > largest_safe:
        value = _three_figures_down(largest_safe)
    return value
