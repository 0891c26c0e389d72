"""What the `keras-ninr` command's flags mean: argparse types of its
numeric flags, and the grammar of `sweep --methods`.

Each type checks its value as the library checks the argument it becomes
(`keras_ninr.src.checks`), so that `sweep` and `reproduce` refuse a bad
value alike, with the library's message, before Keras loads: `--epochs 0`
is a value to refuse, not a flag left out.
"""

import argparse

from keras_ninr.src import checks


def integer(name, minimum):
    """The type of a flag that becomes the integer argument `name`."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = text
        try:
            return checks.check_int(value, name, minimum)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def number(name, minimum, inclusive=True):
    """The type of a flag that becomes the number argument `name`."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = text
        try:
            return checks.check_number(value, name, minimum, inclusive)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def optional_number(text):
    """The type of a number flag that takes `none` for no value."""
    if text.lower() == "none":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number or 'none', got {text!r}"
        ) from None


def attack_epsilons(name, texts):
    """The epsilons of `--attack NAME EPS [EPS ...]` as floats; raises
    `ValueError` naming the flag for none or one that is not a number."""
    values = []
    for text in texts:
        try:
            values.append(float(text))
        except ValueError:
            values.append(None)
    if not values or None in values:
        raise ValueError(
            "Expected --attack NAME followed by one or more epsilons (numbers "
            f"in pixel units). Received: --attack {' '.join([name, *texts])}"
        )
    return values


# `--methods`: a regularization, and for those that take one a value after a
# colon (`cdt:0.2`, `in-ninr:51.8`, `full-ninr:catapult`).
_VALUELESS_METHODS = ("none", "l2", "dropout")
_VALUED_METHODS = ("cdt", "in-ninr", "full-ninr")
_NOISE_PRESETS = ("decay", "catapult")


def method(text, cdt_sigma_noise):
    """The `RunConfig` fields of the `--methods` entry `text`; `cdt` given
    without a value trains at `cdt_sigma_noise`."""
    name, _, value = text.partition(":")
    if name in _VALUELESS_METHODS:
        if value:
            raise ValueError(
                f"Method {name!r} takes no value. Received: {text!r}"
            )
        return {"regularization": name}
    if name not in _VALUED_METHODS:
        raise ValueError(
            f"Unrecognized method {text!r}. Expected one of none, l2, "
            "dropout, cdt[:SIGMA_NOISE], in-ninr[:SIGMA_EPS], "
            "full-ninr[:SIGMA_EPS]."
        )
    if name == "cdt":
        sigma = cdt_sigma_noise
        if value:
            sigma = _number(value, text)
        return {"regularization": "cdt", "cdt_sigma_noise": sigma}
    fields = {"regularization": name}
    if value:
        fields["noise_stddev"] = noise_stddev(value, context=text)
    return fields


def noise_stddev(text, context=None):
    """A sigma_eps: a number, or the name of a preset (decay, catapult);
    an error quotes `context` (the whole entry) if given."""
    if text in _NOISE_PRESETS:
        return text
    return _number(text, context or text)


def _number(text, context):
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"Expected a number or a preset (decay, catapult). Received: "
            f"{context!r}"
        ) from None
