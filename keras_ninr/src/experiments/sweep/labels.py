"""A run's display name in progress lines, tables and legends: its method
and sigma, and the readings of the paper it departs from (`readings`), so
that runs of two readings never share a name."""

from keras_ninr.src.experiments import zoo
from keras_ninr.src.experiments.methods import METHODS
from keras_ninr.src.experiments.methods import NINR_REGULARIZATIONS
from keras_ninr.src.experiments.sweep.run_ids import LEGACY_VALUES

_DISPLAY_NAMES = {name: method.title for name, method in METHODS.items()}


def method_label(config):
    """A display name for a `RunConfig` or a record's config dict.

    E.g. `"None"`, `"CDT (σ_noise = 0.4)"`, `"in-NINR (decay, σ_ε = 51.8)"`,
    `"full-NINR (σ_ε = 20)"`; a config's own `label` wins. Either way the
    readings the run departs from follow (`with_readings`), e.g.
    `"full-NINR (σ_ε = 20), independent ε"`.
    """
    if not isinstance(config, dict):  # A `RunConfig`: resolved when made.
        return config.method_label
    return _label(config)


def _label(config, noise_stddev_value=None):
    """The `method_label` of a config dict; a preset sigma_eps is shown
    as `noise_stddev_value` where given, else resolved here."""
    label = config.get("label") or _generated_label(
        config, noise_stddev_value
    )
    return with_readings(label, config)


def readings(config):
    """What sets a run apart from the package's readings of the paper, as
    display text: `"independent ε"` for a full-NINR run whose NINs draw
    their own eps, `"penalty 0.00025·Σw²"` for an L2 run whose Keras L2
    coefficient is not App. A's 5e-4. A config dict without these fields
    (an older record) holds their `LEGACY_VALUES`.

    Args:
        config: A `RunConfig`'s `to_dict()` or a record's config.

    Returns:
        A list of strings, empty for a run of the package's readings.
    """
    notes = []
    regularization = config.get("regularization")
    shared = config.get("shared_noise", LEGACY_VALUES["shared_noise"])
    if regularization == "full-ninr" and shared is False:
        notes.append("independent ε")
    weight_decay = config.get("weight_decay", LEGACY_VALUES["weight_decay"])
    if regularization == "l2" and weight_decay != zoo.WEIGHT_DECAY:
        notes.append(f"penalty {weight_decay:g}·Σw²")
    return notes


def with_readings(label, config):
    """`label` followed by the `readings(config)` it does not name yet, so
    that runs of two readings never share a name in a table or legend."""
    for note in readings(config):
        if note not in label:
            label = f"{label}, {note}"
    return label


def _generated_label(config, noise_stddev_value=None):
    regularization = config["regularization"]
    name = _DISPLAY_NAMES.get(regularization, regularization)
    if regularization == "cdt":
        return f"{name} (σ_noise = {config['cdt_sigma_noise']:g})"
    if regularization in NINR_REGULARIZATIONS:
        sigma = config["noise_stddev"]
        parts = []
        if isinstance(sigma, str):
            parts.append(sigma)
            sigma = noise_stddev_value
            if sigma is None:
                try:
                    sigma = zoo.noise_preset(
                        config["architecture"],
                        METHODS[regularization].topology,
                        config["noise_stddev"],
                        config.get("optimizer", "sgd"),
                    )
                except (KeyError, ValueError):
                    pass
        if sigma is not None:
            parts.append(f"σ_ε = {sigma:g}")
        distribution = config.get("noise_distribution")
        if distribution and distribution != "normal":
            parts.append(distribution)
        return f"{name} ({', '.join(parts)})"
    return name
