"""The modes every experiment has: the paper's protocol and two smaller ones.

`full` is the paper's protocol (or as much of it as the definition says; a
GPU), `quick` what a 2-core CPU trains in minutes (not the paper's numbers)
and `tiny` a smoke test of seconds on narrow networks, for the tests.
"""

import dataclasses

from keras_ninr.src import checks
from keras_ninr.src.experiments import catalog

# The modes' names and page lines, and the tiny networks, live in `catalog`
# (the reports read them too, from a floor below the definitions).
MODES = catalog.MODES
MODE_TEXT = catalog.MODE_TEXT
TINY_ARCHITECTURES = catalog.TINY_ARCHITECTURES


@dataclasses.dataclass(frozen=True)
class Mode:
    """The settings of one mode of an experiment.

    Attributes:
        train_size: Training images (`None`: all).
        test_size: Test images evaluated (`None`: all).
        epochs: The epoch cap: an int, or `None` for the experiment's
            per-network default.
        seeds: The seeds.
        methods: Method keys (`None`: every method of the experiment).
        settings: The experiment's own settings in this mode (its
            `options`, e.g. `{"attack_size": 300}`).
        tiny_networks: Whether the networks are `TINY_ARCHITECTURES`.
    """

    train_size: object = None
    test_size: object = None
    epochs: object = None
    seeds: tuple = (0, 1, 2)
    methods: object = None
    settings: dict = dataclasses.field(default_factory=dict)
    tiny_networks: bool = False


# `keras-ninr sweep`'s own grid, where its flags leave a setting out: the
# same modes as an experiment's, its full one the paper's protocol (500
# epochs or the stopping rule, every method), its quick one what a 2-core
# CPU trains in minutes.
SWEEP_MODES = {
    "full": Mode(
        None, None, 500, (0, 1, 2),
        ("none", "l2", "dropout", "cdt", "in-ninr", "full-ninr"),
    ),
    "quick": Mode(2000, 1000, 2, (0,), ("none", "dropout", "in-ninr")),
}


def modes(full_epochs, quick, tiny=None, **per_mode):
    """The usual three modes of a sweep experiment.

    full: every image, `full_epochs` (`None`: the experiment's per-network
    caps), seeds 0-2, every method; quick: seed 0, `quick` =
    `(train_size, test_size, epochs, methods)`; tiny: 512 training and 256
    test images, 1 epoch, seed 0, narrow networks, the methods `tiny`
    (defaults to quick's). `per_mode`: the experiment's own settings, each
    a `(full, quick, tiny)` tuple.
    """
    train_size, test_size, epochs, methods = quick
    settings = [{}, {}, {}]
    for key, values in per_mode.items():
        for index, value in enumerate(values):
            settings[index][key] = value
    return {
        "full": Mode(None, None, full_epochs, (0, 1, 2), None, settings[0]),
        "quick": Mode(train_size, test_size, epochs, (0,), tuple(methods), settings[1]),
        "tiny": Mode(
            512, 256, 1, (0,), tuple(tiny or methods), settings[2], True
        ),
    }


def check_mode(mode):
    if mode not in MODES:
        raise ValueError(
            f"Unrecognized `mode`. Expected one of {MODES}. Received: "
            f"mode={mode!r}"
        )
    return mode


def check_common_settings(settings, epochs_minimum=1):
    """Check the numbers every experiment's settings may hold: `seeds`,
    `epochs` (at least `epochs_minimum`, where not `None`: the experiment's
    default), `train_size` and `test_size` (`None`: all images)."""
    if isinstance(settings["seeds"], (str, bytes)) or not hasattr(
        settings["seeds"], "__iter__"
    ):
        raise ValueError(
            "Expected `seeds` to be a list of integers >= 0. Received: "
            f"seeds={settings['seeds']!r}"
        )
    for seed in settings["seeds"]:
        checks.check_int(seed, "seed", 0)
    if settings["epochs"] is not None:
        checks.check_int(settings["epochs"], "epochs", epochs_minimum)
    for name in ("train_size", "test_size"):
        if settings.get(name) is not None:
            checks.check_int(settings[name], name, 1)
