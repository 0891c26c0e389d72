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
from keras_ninr.src.robustness import benchmark_data

# Newer kinds go last: a config without them keeps its run_id.
EVALUATIONS = (
    "clean",
    "corruption_curve",
    "domain_shift",
    "fgsm",
    "pgd",
    "corruption_benchmark",
    "corruption_curve_standardized",
)
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
    """`evaluations` checked, in `EVALUATIONS` order, without the unasked.

    `"clean"` is `True`; `"corruption_benchmark"` a benchmark name
    (`"mnist_c"`, `"cifar10_c"`); every other entry a list without repeats
    (`"domain_shift": True` is `["lecun"]`; the two corruption curves
    sigma_noise values).
    """
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
        if name == "corruption_benchmark":
            normalized[name] = benchmark_data.get_benchmark(value).name
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
        if name in CORRUPTION_CURVES:
            values = [check_sigma_noise(sigma) for sigma in values]
        elif name == "domain_shift":
            for variant in values:
                check_choice(
                    variant,
                    datasets.USPS_TO_MNIST_VARIANTS,
                    "domain_shift variant",
                )
        else:
            values = [_check_epsilon(eps, name, value) for eps in values]
        normalized[name] = list(dict.fromkeys(values))
    return normalized


def _check_epsilon(epsilon, attack, epsilons):
    if not is_real(epsilon) or not math.isfinite(epsilon) or epsilon < 0:
        raise ValueError(
            f"Expected the {attack} epsilons to be finite non-negative "
            f"numbers. Received: {epsilons!r}"
        )
    return float(epsilon)


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
