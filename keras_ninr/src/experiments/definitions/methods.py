"""The methods of the paper's figures and tables, with the zoo's sigma_eps.

A method is a dict of `RunConfig` fields (regularization, sigma_eps, CDT
strength, label), keyed by the name `--methods` takes. The sigma_eps values
are read from `keras_ninr.experiments.zoo.noise_preset`; the one departure,
the FC's in-NINR catapult, is `FC_IN_NINR_CATAPULT` (see its comment).
"""

from keras_ninr.src.experiments import zoo
from keras_ninr.src.experiments.methods import CDT_SIGMA_NOISE
from keras_ninr.src.experiments.methods import METHODS
from keras_ninr.src.experiments.methods import NINR_REGULARIZATIONS

# The FC's in-NINR catapult sigma_eps. With App. A's initialisation the
# phase finder measured this network's catapult/divergent boundary between
# 133.4 and 154.0 (results/phase_boundaries_fc.md: non-finite values at
# 154.0, 177.8, 316.2 and 1000; a 20-epoch run at 154.0 diverged in epoch
# 1). The paper's value (231.6) lies above it but has not been run. 133 is
# the finder's largest safe value; a 20-epoch run at 133.4 trained without
# diverging (its phase test said decay, the H200 runs at 133 catapult).
FC_IN_NINR_CATAPULT = 133.0
FC_CATAPULT_NOTE = (
    f"- The FC's in-NINR catapult is σ_ε = {FC_IN_NINR_CATAPULT:g}, not the "
    f"paper's {zoo.noise_preset('fc', 'input', 'catapult'):g}, which lies "
    "above the divergence boundary measured with this initialisation "
    "(133.4–154.0; 231.6 itself not run; docs/presets.md)."
)


def cdt_method(sigma_noise):
    """Corrupted-data training at `sigma_noise`, labelled with it."""
    label = f"CDT (σ_noise = {sigma_noise:g})"
    return dict(regularization="cdt", cdt_sigma_noise=sigma_noise, label=label)


def ninr_method(architecture, regularization, phase, optimizer="sgd", sigma=None):
    """in-/full-NINR at the zoo's sigma_eps preset (or `sigma`), labelled.

    The value (a float, not the preset's name) goes into the config, as in
    the committed results files, so their run ids still match.
    """
    method = METHODS[regularization]
    if sigma is None:
        sigma = zoo.noise_preset(
            architecture, method.topology, phase, optimizer
        )
    return dict(
        regularization=regularization,
        noise_stddev=sigma,
        label=f"{method.title} {phase} (σ_ε = {sigma:g})",
    )


def figure2_methods(architecture):
    """Fig. 2's methods of the FC or the CNN, by key (Table 2's rows)."""
    methods = {
        name: dict(regularization=name, label=METHODS[name].title)
        for name in ("none", "l2", "dropout")
    }
    methods["cdt"] = cdt_method(CDT_SIGMA_NOISE)
    for regularization in NINR_REGULARIZATIONS:
        for phase in ("decay", "catapult"):
            methods[f"{regularization}-{phase}"] = ninr_method(
                architecture, regularization, phase
            )
    if architecture == "fc":
        methods["in-ninr-catapult"] = ninr_method(
            "fc", "in-ninr", "catapult", sigma=FC_IN_NINR_CATAPULT
        )
    return methods


def decay_methods(keys):
    """Methods by key, labelled by the sweep: NINR at each network's decay
    preset (a preset name, so one method serves the FC and the CNN)."""
    return {
        key: dict(regularization=key)
        | ({"noise_stddev": "decay"} if key in NINR_REGULARIZATIONS else {})
        for key in keys
    }
