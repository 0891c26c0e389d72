"""The kit's methods by name: the regularizations of the paper's comparison
(Sec. 3: None, L2, Dropout, corrupted-data training, in- and full-NINR).

Each name is registered once, in `METHODS`, with what it means: its name
in labels, tables and legends, for NINR the topology of
`NINRModel.from_model` it stands for (in-NINR a NIN on the input layer,
full-NINR one on every layer), and the arguments of `zoo.build` it uses
(sigma_eps, the L2 coefficient, ...). CDT's default strength is here too. The
zoo, `RunConfig`, the experiment definitions and the `keras-ninr` command
read them from this module, which loads neither Keras nor NumPy, so that
the command's help can name them.
"""

import dataclasses

from keras_ninr.src.checks import check_choice


@dataclasses.dataclass(frozen=True)
class Method:
    """A regularization of the kit, as the registry `METHODS` holds it.

    Attributes:
        title: Its name in labels, tables and legends, e.g. `"in-NINR"`.
        topology: For a NINR method, the `topology` of
            `NINRModel.from_model` (`"input"`, `"full"`); `None` for the
            others.
        options: The arguments of `zoo.build` the method uses, each a
            `RunConfig` field of the same name (a run of another method
            holds `None` there).
    """

    title: str
    topology: object = None
    options: tuple = ()


_NINR_OPTIONS = ("noise_stddev", "noise_distribution")


# Every method a run may train with, by the name `RunConfig(
# regularization=...)`, `zoo.build` and `--methods` take.
METHODS = {
    "none": Method("None"),
    "l2": Method("L2", options=("weight_decay",)),
    "dropout": Method("Dropout"),
    "cdt": Method("CDT", options=("cdt_sigma_noise",)),
    "in-ninr": Method("in-NINR", topology="input", options=_NINR_OPTIONS),
    "full-ninr": Method(
        "full-NINR",
        topology="full",
        options=_NINR_OPTIONS + ("shared_noise",),
    ),
}
REGULARIZATIONS = tuple(METHODS)
NINR_REGULARIZATIONS = tuple(
    name for name, method in METHODS.items() if method.topology is not None
)

# CDT's sigma_noise where a run names none: the CDT of Fig. 2 (Table 2
# also runs 0.2).
CDT_SIGMA_NOISE = 0.4


def topology(regularization):
    """The NINR topology of `regularization` (`"input"` for `"in-ninr"`,
    `"full"` for `"full-ninr"`), or `None` for a method without NINs."""
    check_choice(regularization, REGULARIZATIONS, "regularization")
    return METHODS[regularization].topology
