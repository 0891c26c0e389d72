"""Noise distributions for Noise Injection Nodes (paper Sec. 2.1, App. C.2).

A NIN draws one scalar `eps` per sample. Every distribution here is a scale
family, so it is written as `eps = noise_stddev * u`, where `u` is a draw of
unit scale returned by the distribution object and `noise_stddev` is the
paper's sigma_eps, held by the layer in a variable so it can be changed during
training without recompiling:

- `"normal"`: u ~ N(0, 1), so eps ~ N(0, sigma^2).
- `"uniform"`: u ~ U(-1, 1), so eps ~ U(-sigma, sigma) (App. C.2). Note that
  its standard deviation is sigma / sqrt(3), not sigma: the paper
  parameterises it by its half-width.
- `"double_normal"`: a mixture of two equally weighted Gaussians peaked at
  +1 and -1, so eps peaks at +-sigma, with zero mean (the symmetric reading
  of App. C.2's double Gaussian). See `DoubleNormal` for its two shape
  parameters and their defaults.
- `"asymmetric_double_normal"`: the same peaks weighted 3:1 towards +1, so
  eps has mean sigma / 2 (`ASYMMETRIC_POSITIVE_WEIGHT`): App. C.2 calls its
  double Gaussian "asymmetric", and Sec. 2.1 relaxes zero mean "only for
  some empirical results in App. C.2".

A user may also pass any callable `(shape, seed_generator, dtype) -> tensor`
returning unit-scale draws; to save a model that uses it, register it with
`keras.saving.register_keras_serializable`.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

from keras_ninr.src.api_export import register


def check_noise_stddev(value, name="noise_stddev"):
    """Return `value` as a float, or raise if it is not a usable sigma_eps.

    sigma_eps far above 1 is legitimate (the paper uses several hundred), but
    it must be a real number (not a string or a bool, which `float()` would
    quietly turn into one), non-negative, finite, and representable in the
    float32 variable the layers keep it in (above ~3.4e38 it would become
    inf there while the layer reported the value it was given).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, numbers.Real
    ):
        raise ValueError(
            f"Expected `{name}` to be a non-negative finite number. "
            f"Received: {name}={value!r} of type {type(value).__name__}"
        )
    as_float = float(value)
    if math.isnan(as_float) or math.isinf(as_float) or as_float < 0:
        raise ValueError(
            f"Expected `{name}` to be a non-negative finite number. "
            f"Received: {name}={value!r}"
        )
    if as_float > _FLOAT32_MAX:
        raise ValueError(
            f"Expected `{name}` to fit in float32 (at most {_FLOAT32_MAX:.4g}), "
            f"the dtype of the variable that holds it. Received: "
            f"{name}={value!r}"
        )
    return as_float


# `keras.random.SeedGenerator` keeps its seed as uint32 on JAX and int32 on
# PyTorch: a seed in both ranges works on every backend, and so does a saved
# model whose config holds it.
SEED_RANGE = (0, 2**31 - 1)


def check_seed(seed, name="seed"):
    """Return `seed` as an int or `None`, or raise naming the value."""
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(
        seed, numbers.Integral
    ):
        raise ValueError(
            f"Expected `{name}` to be an integer or None. "
            f"Received: {name}={seed!r} of type {type(seed).__name__}"
        )
    low, high = SEED_RANGE
    if not low <= seed <= high:
        raise ValueError(
            f"Expected `{name}` to be an integer from {low} to {high} (a "
            f"seed keras.random.SeedGenerator takes on every backend) or "
            f"None. Received: {name}={seed!r}"
        )
    return int(seed)


_FLOAT32_MAX = float(np.finfo(np.float32).max)


class _UnitDistribution:
    """Base of the distributions: their config (shape parameters, none by
    default), rebuilt from it, and shown by it."""

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


@register
class Normal(_UnitDistribution):
    """Unit normal draws: with scale sigma, eps ~ N(0, sigma^2)."""

    def __call__(self, shape, seed_generator, dtype=None):
        return keras.random.normal(shape, dtype=dtype, seed=seed_generator)


@register
class Uniform(_UnitDistribution):
    """Unit uniform draws: with scale sigma, eps ~ U(-sigma, sigma)."""

    def __call__(self, shape, seed_generator, dtype=None):
        return keras.random.uniform(
            shape, minval=-1.0, maxval=1.0, dtype=dtype, seed=seed_generator
        )


@register
class DoubleNormal(_UnitDistribution):
    """Mixture of two Gaussians peaked at +-1 (times sigma: at +-sigma).

    App. C.2 compares NINR with "an asymmetric (double Gaussian peaked at
    +-sigma_eps) distribution" but gives neither the width of the peaks nor
    their weights. We expose both:

    Args:
        peak_stddev: Float, standard deviation of each peak relative to the
            distance of the peaks from zero (so each peak is
            N(+-sigma, (peak_stddev * sigma)^2)). Defaults to `0.1`: two
            narrow, well-separated peaks, the plain reading of "peaked at
            +-sigma".
        positive_weight: Float in [0, 1], probability of the positive peak.
            Defaults to `0.5`, which keeps the noise zero-mean as the theory
            of Sec. 2.1 assumes; any other value gives a biased, genuinely
            asymmetric NIN (mean (2 * positive_weight - 1) * sigma), the
            reading under which Sec. 2.1 says App. C.2 relaxes zero mean.
            The name `"asymmetric_double_normal"` is `positive_weight=0.75`
            (`ASYMMETRIC_POSITIVE_WEIGHT`, which says why).
    """

    def __init__(self, peak_stddev=0.1, positive_weight=0.5):
        peak_stddev = check_noise_stddev(peak_stddev, "peak_stddev")
        try:
            weight = float(positive_weight)
        except (TypeError, ValueError):
            weight = float("nan")
        if not 0.0 <= weight <= 1.0:
            raise ValueError(
                "Expected `positive_weight` to be a probability in [0, 1]. "
                f"Received: positive_weight={positive_weight!r}"
            )
        self.peak_stddev = peak_stddev
        self.positive_weight = weight

    def __call__(self, shape, seed_generator, dtype=None):
        choice = keras.random.uniform(shape, dtype=dtype, seed=seed_generator)
        sign = ops.where(choice < self.positive_weight, 1.0, -1.0)
        sign = ops.cast(sign, dtype)
        spread = keras.random.normal(shape, dtype=dtype, seed=seed_generator)
        return sign + self.peak_stddev * spread

    def get_config(self):
        return {
            "peak_stddev": self.peak_stddev,
            "positive_weight": self.positive_weight,
        }


# The positive peak's weight of `"asymmetric_double_normal"`; the paper
# gives none. 0.75 is halfway from the symmetric mixture (0.5) to a single
# peak (1.0): a quarter of the draws stay near -sigma, so it is still "a
# double Gaussian peaked at +-sigma", and the mean, (2 * 0.75 - 1) * sigma
# = sigma / 2, is of the order of its spread (std 0.87 sigma), so that the
# mean term of R_1 (Eq. 4), absent under zero mean, matters.
ASYMMETRIC_POSITIVE_WEIGHT = 0.75


def _asymmetric_double_normal():
    return DoubleNormal(positive_weight=ASYMMETRIC_POSITIVE_WEIGHT)


_DISTRIBUTIONS = {
    "normal": Normal,
    "gaussian": Normal,
    "uniform": Uniform,
    "double_normal": DoubleNormal,
    "double_gaussian": DoubleNormal,
    "asymmetric_double_normal": _asymmetric_double_normal,
    "asymmetric_double_gaussian": _asymmetric_double_normal,
}
# The name `serialize` writes for each distribution that has one.
_NAMES = ("normal", "uniform", "double_normal", "asymmetric_double_normal")


def get(identifier):
    """Return a unit-scale noise sampler from a name, config or callable.

    Args:
        identifier: One of `"normal"`, `"uniform"`, `"double_normal"`,
            `"asymmetric_double_normal"` (aliases `"gaussian"`,
            `"double_gaussian"`, `"asymmetric_double_gaussian"`), a
            serialized config dict, or a callable
            `(shape, seed_generator, dtype) -> tensor`.

    Returns:
        A callable `(shape, seed_generator, dtype) -> tensor` of unit scale.
    """
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in _DISTRIBUTIONS:
            raise ValueError(
                "Unrecognized `noise_distribution`. Expected one of "
                f"{sorted(set(_DISTRIBUTIONS))} or a callable "
                "`(shape, seed_generator, dtype) -> tensor`. "
                f"Received: noise_distribution={identifier!r}"
            )
        return _DISTRIBUTIONS[key]()
    if isinstance(identifier, dict):
        return keras.saving.deserialize_keras_object(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(
        "Expected `noise_distribution` to be a name or a callable "
        "`(shape, seed_generator, dtype) -> tensor`. "
        f"Received: noise_distribution={identifier!r}"
    )


def serialize(distribution):
    """Inverse of `get` for saving in a layer config: the name of a named
    distribution, else a Keras serialized config."""
    for name in _NAMES:
        named = _DISTRIBUTIONS[name]()
        if type(distribution) is type(named) and (
            distribution.get_config() == named.get_config()
        ):
            return name
    return keras.saving.serialize_keras_object(distribution)
