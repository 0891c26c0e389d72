"""Argument checks shared by every layer of the package, in Keras's form.

`ValueError("Expected <what>. Received: <name>=<value>")`, naming the
argument and the value. Needs nothing but the standard library, so that the
`keras-ninr` command checks its flags with these before Keras loads.
"""

import math
import numbers
import os


def check_int(value, name, minimum):
    """Return `value` as an int if it is an integer >= `minimum`."""
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


def check_positive_int(value, name, allow_none=False):
    """Return `value` as an int if it is a positive integer (or an allowed
    `None`), else raise a `ValueError` naming `name` and the value."""
    if value is None and allow_none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 1
    ):
        raise ValueError(
            f"Expected `{name}` to be a positive integer"
            f"{' or None' if allow_none else ''}. "
            f"Received: {name}={value!r}"
        )
    return int(value)


def check_choice(value, choices, name):
    """Return `value` if it is one of `choices`, else raise naming `name`."""
    if value not in choices:
        raise ValueError(
            f"Unrecognized `{name}`. Expected one of {tuple(choices)}. "
            f"Received: {name}={value!r}"
        )
    return value


def check_bool(value, name, meaning="", allow_none=False):
    """Return `value` as a bool if it is one (NumPy's `bool_` included), or
    an allowed `None`; `meaning` says what True and False mean, for the
    message, e.g. " (True: one eps per sample; False: an eps per NIN)"."""
    if value is None and allow_none:
        return None
    if type(value).__name__ == "bool_":  # NumPy's, without importing it
        value = bool(value)
    if not isinstance(value, bool):
        raise ValueError(
            f"Expected `{name}` to be True or False"
            f"{' or None' if allow_none else ''}{meaning}. "
            f"Received: {name}={value!r}"
        )
    return value


def check_number(value, name, minimum=None, inclusive=True):
    """Return `value` as a float if it is a finite real number >= `minimum`
    (> `minimum` with `inclusive=False`; any finite number with `minimum`
    `None`)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or (
            minimum is not None
            and (value < minimum or (value == minimum and not inclusive))
        )
    ):
        bound = "" if minimum is None else (
            f" {'>=' if inclusive else '>'} {minimum:g}"
        )
        raise ValueError(
            f"Expected `{name}` to be a finite number{bound}. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def check_path(value, name, allow_none=True):
    """Return `value` as a `str` path if it is a `str` or path-like (or an
    allowed `None`), else raise naming `name` and the value."""
    if value is None and allow_none:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise ValueError(
            f"Expected `{name}` to be a path (a str or os.PathLike)"
            f"{' or None' if allow_none else ''}. Received: {name}={value!r} "
            f"of type {type(value).__name__}"
        )
    path = os.fspath(value)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return path
