"""Checks of a sweep's configs, and the JSON values its records hold.

A sweep checks every config before its first run trains: a misspelt name
or an impossible value stops it at once, not hours later when that run's
turn comes. The values it writes are strict JSON (lists for tuples, Python
numbers, `null` for NaN), so that a results file reads anywhere.
"""

import inspect
import math
import numbers

import numpy as np

from keras_ninr.src.checks import check_choice
from keras_ninr.src.corruption import check_sigma_noise
from keras_ninr.src.datasets import loaders as datasets
from keras_ninr.src.experiments import zoo
from keras_ninr.src.robustness import attacks
from keras_ninr.src.robustness import benchmark_data

# The Eq. 8 curves: where each evaluation applies Eq. 8
# (`keras_ninr.robustness.corruption_curve`'s `space`).
CORRUPTION_CURVES = {
    "corruption_curve": "pixel",
    "corruption_curve_standardized": "standardized",
}

# The builder `zoo.build` hands each architecture's `architecture_kwargs` to.
ARCHITECTURE_BUILDERS = {
    "fc": zoo.fc_network,
    "fc1": zoo.fc_network,
    "cnn": zoo.cnn_network,
    "vgg": zoo.vgg_network,
}


# Builder arguments `zoo.build` sets from other arguments of its own: the
# Keras model's `name` (not a property of the run; "fc1" sets it), and
# CDT's `input_corruption` layer (from `cdt_sigma_noise`).
_SET_BY_BUILD = ("name", "input_corruption")


def is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def normalize_evaluations(evaluations):
    """`evaluations` checked, in `evaluation_checks()` order, without the
    unasked.

    `"clean"` is `True`; `"corruption_benchmark"` a benchmark name
    (`"mnist_c"`, `"cifar10_c"`); every other entry a list without repeats
    (`"domain_shift": True` is `["lecun"]`; the two corruption curves
    sigma_noise values, each attack its epsilons).
    """
    if not isinstance(evaluations, dict):
        raise ValueError(
            "Expected `evaluations` to be a dict such as {'clean': True, "
            "'corruption_curve': [0.0, 0.4], 'fgsm': [0.05]}. Received: "
            f"evaluations={evaluations!r}"
        )
    checks = evaluation_checks()
    unknown = sorted(set(evaluations) - set(checks))
    if unknown:
        raise ValueError(
            f"Unrecognized evaluation(s) {unknown}. Expected some of "
            f"{tuple(checks)}."
        )
    normalized = {}
    for name, check in checks.items():
        value = evaluations.get(name)
        if value is None or value is False:
            continue
        value = check(value, name)
        if value is not None:
            normalized[name] = value
    return normalized


def evaluation_checks():
    """The evaluations a config may ask for, by name, each with the check
    of its value (returning it normalized, or `None` for an empty list).

    Every attack of the attack registry (`keras_ninr.src.robustness.
    attacks.ATTACKS`) is one, its value a list of epsilons: an attack
    registered there is an evaluation here. The order is that of a
    record's evaluations; it does not enter run ids, which hash a config
    with sorted keys.
    """
    return {
        **_CHECKS_BEFORE_ATTACKS,
        **dict.fromkeys(attacks.ATTACKS, _check_epsilons),
        **_CHECKS_AFTER_ATTACKS,
    }


def _check_clean(value, name):
    if value is not True:
        raise ValueError(
            f"Expected evaluations[{name!r}] to be True or False. "
            f"Received: {value!r}"
        )
    return True


def _check_benchmark(value, name):
    return benchmark_data.get_benchmark(value).name


def _check_sigmas(value, name):
    sigmas = _listed(value, name)
    return _distinct([check_sigma_noise(sigma) for sigma in sigmas])


def _check_variants(value, name):
    if value is True:
        value = ("lecun",)
    variants = _listed(value, name)
    for variant in variants:
        check_choice(
            variant, datasets.USPS_TO_MNIST_VARIANTS, "domain_shift variant"
        )
    return _distinct(variants)


def _check_epsilons(value, name):
    epsilons = _listed(value, name)
    return _distinct(
        [_check_epsilon(epsilon, name, value) for epsilon in epsilons]
    )


def _listed(value, name):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ValueError(
            f"Expected evaluations[{name!r}] to be a list. Received: "
            f"{value!r}"
        )
    return list(value)


def _distinct(values):
    return list(dict.fromkeys(values)) or None


def _check_epsilon(epsilon, attack, epsilons):
    if not is_real(epsilon) or not math.isfinite(epsilon) or epsilon < 0:
        raise ValueError(
            f"Expected the {attack} epsilons to be finite non-negative "
            f"numbers. Received: {epsilons!r}"
        )
    return float(epsilon)


_CHECKS_BEFORE_ATTACKS = {
    "clean": _check_clean,
    "corruption_curve": _check_sigmas,
    "domain_shift": _check_variants,
}
_CHECKS_AFTER_ATTACKS = {
    "corruption_benchmark": _check_benchmark,
    "corruption_curve_standardized": _check_sigmas,
}
# The names of `evaluation_checks()` (those of the attacks registered when
# this module loaded).
EVALUATIONS = tuple(evaluation_checks())


def architecture_arguments(architecture):
    """The `architecture_kwargs` keys a `RunConfig` of `architecture` takes.

    The arguments of the architecture's builder (e.g. `zoo.fc_network`)
    that `zoo.build` does not set itself (`input_shape`, `seed`, ...),
    read from the signatures, so that they follow the zoo.
    """
    check_choice(architecture, zoo.ARCHITECTURES, "architecture")
    builder = inspect.signature(ARCHITECTURE_BUILDERS[architecture])
    build = inspect.signature(zoo.build)
    return tuple(
        name
        for name, parameter in builder.parameters.items()
        if name not in build.parameters
        and name not in _SET_BY_BUILD
        and parameter.kind
        in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    )


def check_architecture_kwargs(architecture, architecture_kwargs):
    if not isinstance(architecture_kwargs, dict):
        raise ValueError(
            "Expected `architecture_kwargs` to be a dict. Received: "
            f"architecture_kwargs={architecture_kwargs!r}"
        )
    accepted = architecture_arguments(architecture)
    unknown = sorted(
        str(key) for key in architecture_kwargs if key not in accepted
    )
    if unknown:
        raise ValueError(
            f"Unrecognized `architecture_kwargs` key(s) {unknown} for "
            f"architecture={architecture!r}. Expected some of {accepted}. "
            f"Received: architecture_kwargs={architecture_kwargs!r}"
        )


def finite_or_none(value):
    """`value` as a float, or `None` if it is not a finite number."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def to_json(value):
    """`value` with tuples as lists, NumPy scalars as Python, NaN as None."""
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    return value
