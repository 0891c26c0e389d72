"""A network of the zoo with one of the paper's regularizations (`build`),
compiled as the paper trains (`make_optimizer`, `compile_model`).

The tables of architectures and regularizations are in
`keras_ninr.src.experiments.zoo`; the networks are in `zoo.networks` and
the paper's numbers (sigma_eps presets, learning rates, L2 coefficients) in
`zoo.presets`.
"""

import keras

from keras_ninr.src.checks import check_bool
from keras_ninr.src.checks import check_choice
from keras_ninr.src.experiments import catalog
from keras_ninr.src.experiments import methods
from keras_ninr.src.experiments.zoo.networks import cnn_network
from keras_ninr.src.experiments.zoo.networks import fc_network
from keras_ninr.src.experiments.zoo.networks import vgg_network
from keras_ninr.src.experiments.zoo.presets import DROPOUT_RATE
from keras_ninr.src.experiments.zoo.presets import L2_READINGS
from keras_ninr.src.experiments.zoo.presets import LEARNING_RATES
from keras_ninr.src.experiments.zoo.presets import VGG_CONV_L2
from keras_ninr.src.experiments.zoo.presets import WEIGHT_DECAY
from keras_ninr.src.experiments.zoo.presets import l2_coefficient
from keras_ninr.src.experiments.zoo.presets import noise_preset
from keras_ninr.src.layers.input_corruption import InputCorruption
from keras_ninr.src.models.ninr_model import NINRModel

ARCHITECTURES = catalog.ARCHITECTURES
REGULARIZATIONS = methods.REGULARIZATIONS
OPTIMIZERS = catalog.OPTIMIZERS

_DEFAULT_INPUT_SHAPES = {
    "fc": (28, 28),
    "fc1": (28, 28),
    "cnn": (28, 28, 1),
    "vgg": (32, 32, 3),
}


def build(
    architecture,
    regularization="none",
    *,
    noise_stddev="decay",
    noise_distribution="normal",
    optimizer="sgd",
    cdt_sigma_noise=methods.CDT_SIGMA_NOISE,
    cdt_space="pixel",
    pixel_mean=0.0,
    pixel_std=1.0,
    weight_decay=WEIGHT_DECAY,
    l2_reading="keras",
    shared_noise=True,
    dropout_rate=DROPOUT_RATE,
    input_shape=None,
    num_classes=10,
    seed=None,
    **architecture_kwargs,
):
    """Build one of the paper's networks with one of its regularizations.

    Args:
        architecture: `"fc"`, `"cnn"`, `"vgg"` or `"fc1"`.
        regularization: One of `REGULARIZATIONS`. Defaults to `"none"`.
        noise_stddev: sigma_eps for `"in-ninr"` / `"full-ninr"`: a float, or
            `"decay"` / `"catapult"` for the paper's preset. Defaults to
            `"decay"`.
        noise_distribution: Distribution of the NINs. Defaults to
            `"normal"`.
        optimizer: Only used to pick the noise preset (App. C.3).
            Defaults to `"sgd"`.
        cdt_sigma_noise: sigma_noise of the corruption for `"cdt"`.
            Defaults to `0.4`.
        cdt_space: `"pixel"` or `"standardized"`, see `InputCorruption`.
            Defaults to `"pixel"`.
        pixel_mean, pixel_std: The training set's pixel statistics: the
            model's `Standardization` layer (and `"cdt"` in standardised
            space) uses them. Defaults to `0.0` and `1.0` (no change).
        weight_decay: For `"l2"`: the paper's L2 coefficient, read as
            `l2_reading` says. Defaults to `5e-4` (App. A).
        l2_reading: How the paper's L2 coefficients become Keras `L2`
            regularizers (`l2_coefficient`): `"keras"`, `L2(weight_decay)`,
            or `"sgd"`, SGD weight decay, `L2(weight_decay / 2)`; it applies
            to `weight_decay` and to the VGG's convolutions (App. D's
            `1e-4`, or `conv_l2` if given). Defaults to `"keras"`.
        shared_noise: For `"full-ninr"`: whether its NINs share one eps
            per sample (the paper's single noise node, Sec. 3-4) or draw
            their own (`False`, the package's full-NINR before issue 13);
            `NINRModel.from_model`'s argument (in-NINR's one NIN has
            nothing to share). Defaults to `True`.
        dropout_rate: For `"dropout"`. Defaults to `0.5`.
        input_shape: Defaults to the paper's data (28x28 or 32x32x3).
        num_classes: Defaults to `10`.
        seed: Optional int: kernels, dropout and noise streams.
        **architecture_kwargs: Passed to the architecture's builder
            (`fc_network`, `cnn_network`, `vgg_network`), e.g.
            `hidden_units=(256, 256)` or `filters=(2, 2)`.

    Returns:
        A `keras.Model` (a `NINRModel` for the NINR regularizations) that
        takes [0, 1] pixels and outputs logits; compile it with
        `compile_model`.
    """
    check_choice(architecture, ARCHITECTURES, "architecture")
    check_choice(regularization, REGULARIZATIONS, "regularization")
    check_choice(l2_reading, L2_READINGS, "l2_reading")
    shared_noise = check_bool(
        shared_noise,
        "shared_noise",
        " (True: one eps per sample for every NIN; False: an eps per NIN)",
    )
    if input_shape is None:
        input_shape = _DEFAULT_INPUT_SHAPES[architecture]
    input_corruption = None
    if regularization == "cdt":
        input_corruption = InputCorruption(
            cdt_sigma_noise,
            mean=pixel_mean,
            std=pixel_std,
            space=cdt_space,
            seed=seed,
            name="input_corruption",
        )
    network = {
        "fc": fc_network,
        "fc1": fc_network,
        "cnn": cnn_network,
        "vgg": vgg_network,
    }[architecture]
    if architecture == "fc1":
        architecture_kwargs = {"hidden_units": (1024,), **architecture_kwargs}
        architecture_kwargs.setdefault("name", "fc1")
    if architecture == "vgg":
        architecture_kwargs = dict(architecture_kwargs)
        architecture_kwargs["conv_l2"] = l2_coefficient(
            architecture_kwargs.get("conv_l2", VGG_CONV_L2), l2_reading
        )
    base = network(
        input_shape=input_shape,
        num_classes=num_classes,
        seed=seed,
        weight_decay=(
            l2_coefficient(weight_decay, l2_reading)
            if regularization == "l2"
            else None
        ),
        dropout_rate=dropout_rate if regularization == "dropout" else None,
        pixel_mean=pixel_mean,
        pixel_std=pixel_std,
        input_corruption=input_corruption,
        **architecture_kwargs,
    )
    if regularization in methods.NINR_REGULARIZATIONS:
        topology = methods.topology(regularization)
        if isinstance(noise_stddev, str):
            noise_stddev = noise_preset(
                architecture, topology, noise_stddev, optimizer
            )
        return NINRModel.from_model(
            base,
            topology=topology,
            noise_stddev=noise_stddev,
            noise_distribution=noise_distribution,
            seed=seed,
            shared_noise=shared_noise,
        )
    return base


def make_optimizer(name="sgd", architecture="fc", learning_rate=None):
    """The paper's optimizer: SGD without momentum (Sec. 3), Adam or RMSprop.

    Learning rates by default: SGD 0.05 (0.01 for `"fc1"`, Fig. 3); Adam
    0.01 with beta = (0.9, 0.999), epsilon 1e-7; RMSprop rho 0.9, epsilon
    1e-7, 1e-4 for the FCs and 1e-3 for the CNNs (App. C.3).
    """
    check_choice(name, OPTIMIZERS, "optimizer")
    check_choice(architecture, ARCHITECTURES, "architecture")
    if learning_rate is None:
        learning_rate = LEARNING_RATES[(name, architecture)]
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.0)
    if name == "adam":
        return keras.optimizers.Adam(
            learning_rate=learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7
        )
    return keras.optimizers.RMSprop(
        learning_rate=learning_rate, rho=0.9, epsilon=1e-7
    )


def compile_model(
    model, architecture, optimizer="sgd", learning_rate=None, **compile_kwargs
):
    """Compile `model` as the paper trains: cross-entropy on logits, accuracy.

    `compile_kwargs` go to `Model.compile`, e.g. `steps_per_execution=
    keras_ninr.experiments.execution.steps_per_execution()` for the kit's
    measured choice (the default is Keras's, one step per call).
    """
    model.compile(
        optimizer=make_optimizer(optimizer, architecture, learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        **compile_kwargs,
    )
    return model
