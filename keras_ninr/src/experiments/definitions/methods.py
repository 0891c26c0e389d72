"""The methods of the paper's figures and tables, with the zoo's sigma_eps.

A method is a dict of `RunConfig` fields (regularization, sigma_eps, CDT
strength, label), keyed by the name `--methods` takes. The sigma_eps values
are read from `keras_ninr.experiments.zoo.noise_preset`: the kit's rule
(the paper's value unless it lies past a measured divergence boundary),
with the paper's own value as a `...-paper` method where they differ.
"""

from keras_ninr.src.experiments import zoo
from keras_ninr.src.experiments.methods import CDT_SIGMA_NOISE
from keras_ninr.src.experiments.methods import METHODS
from keras_ninr.src.experiments.methods import NINR_REGULARIZATIONS


def preset_notes(records):
    """A page's notes on the kit's presets its runs use where the paper's
    value differs (`zoo.noise_preset`'s rule), one per preset."""
    notes = []
    for (architecture, topology, optimizer), largest in sorted(
        zoo.MEASURED_LARGEST_SAFE.items()
    ):
        for phase in ("decay", "catapult"):
            kit = zoo.noise_preset(architecture, topology, phase, optimizer)
            paper = zoo.noise_preset(architecture, topology, phase, optimizer, "paper")
            used = any(
                r["config"]["architecture"] == architecture
                and METHODS[r["config"]["regularization"]].topology == topology
                and r["noise_stddev_value"] == kit
                for r in records
            )
            if kit != paper and used:
                notes.append(
                    f"- {_possessive(architecture)} {_TITLES[topology]} {phase}: σ_ε = "
                    f"{kit:g} (the kit's rule: the phase finder's largest safe "
                    f"value, {largest:g}, rounded down), not the paper's "
                    f"{paper:g}, which lies past the measured divergence "
                    "boundary (docs/presets.md; Fig. 2's `...-paper` methods "
                    "train the paper's)."
                )
    return notes


_TITLES = {"input": "in-NINR", "full": "full-NINR"}


def _possessive(architecture):
    return {"fc": "The FC's", "cnn": "The CNN's", "vgg": "The VGG's"}.get(
        architecture, architecture
    )


def cdt_method(sigma_noise):
    """Corrupted-data training at `sigma_noise`, labelled with it."""
    label = f"CDT (σ_noise = {sigma_noise:g})"
    return dict(regularization="cdt", cdt_sigma_noise=sigma_noise, label=label)


def ninr_method(
    architecture, regularization, phase, optimizer="sgd", sigma=None, presets="measured"
):
    """in-/full-NINR at the zoo's sigma_eps preset (or `sigma`), labelled.

    The value (a float, not the preset's name) goes into the config, as in
    the committed results files, so their run ids still match. `presets`:
    `"measured"` (the kit's rule) or `"paper"` (`zoo.noise_preset`).
    """
    method = METHODS[regularization]
    if sigma is None:
        sigma = zoo.noise_preset(
            architecture, method.topology, phase, optimizer, presets
        )
    return dict(
        regularization=regularization,
        noise_stddev=sigma,
        label=f"{method.title} {phase} (σ_ε = {sigma:g})",
    )


def figure2_methods(architecture):
    """Fig. 2's methods of the FC or the CNN, by key (Table 2's rows): NINR
    at the kit's presets, and, where the paper's value differs, also at the
    paper's (key `...-paper`, e.g. the CNN's `full-ninr-catapult-paper`,
    62), so that a full run measures both."""
    methods = {
        name: dict(regularization=name, label=METHODS[name].title)
        for name in ("none", "l2", "dropout")
    }
    methods["cdt"] = cdt_method(CDT_SIGMA_NOISE)
    for regularization in NINR_REGULARIZATIONS:
        for phase in ("decay", "catapult"):
            key = f"{regularization}-{phase}"
            methods[key] = ninr_method(architecture, regularization, phase)
            paper = ninr_method(architecture, regularization, phase, presets="paper")
            if paper["noise_stddev"] != methods[key]["noise_stddev"]:
                methods[f"{key}-paper"] = paper
    return methods


def decay_methods(keys):
    """Methods by key, labelled by the sweep: NINR at each network's decay
    preset (a preset name, so one method serves the FC and the CNN)."""
    return {
        key: dict(regularization=key)
        | ({"noise_stddev": "decay"} if key in NINR_REGULARIZATIONS else {})
        for key in keys
    }
