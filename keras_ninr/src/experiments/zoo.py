"""The paper's networks, regularizations and optimizers (Sec. 3, App. A, C, D).

`build(architecture, regularization)` returns a ready-to-compile Keras model
that takes [0, 1] pixels: it starts with the paper's preprocessing,
`Standardization(pixel_mean, pixel_std)` (Sec. 3), so a saved `.keras` model
needs nothing else remembered. After the input:

| architecture | paper | layers |
| --- | --- | --- |
| `"fc"` | Fig. 2a | Flatten, Dense 1024 x3 (ReLU), Dense 10 |
| `"cnn"` | Fig. 2b | 2 x [Conv2D(32/64, 2x2) -> ELU -> BatchNorm -> MaxPool 2x2], Dense 2048 (ReLU), Dense 10 |
| `"vgg"` | App. D | 3 x [Conv2D 3x3 -> ReLU -> BN -> Conv2D 3x3 -> ReLU -> BN -> MaxPool -> Dropout .2/.3/.4] (32/64/128 filters, L2 1e-4 on convs), Dense 500 (ReLU), Dense 10 |
| `"fc1"` | Fig. 3 | Flatten, Dense 1024 (ReLU), Dense 10 |

| regularization | what it adds (App. A: "applied at/after each layer") |
| --- | --- |
| `"none"` | nothing |
| `"l2"` | `keras.regularizers.L2(5e-4)` on the kernel of every Dense and Conv layer |
| `"dropout"` | Dropout(0.5) after every hidden layer (after each conv block in the CNN) |
| `"cdt"` | `InputCorruption` before the standardisation: pixels corrupted by Eq. 8 at `cdt_sigma_noise` in training |
| `"in-ninr"` | a NIN on the input layer, after the standardisation (`NINRModel.from_model(topology="input")`) |
| `"full-ninr"` | a NIN on every layer (`topology="full"`), all fed by one eps per sample (`shared_noise=True`) |

Choices where the paper is silent or ambiguous:

- **CNN filters.** App. A writes each block as "Conv2D(2,2)". Read in the
  notation of its own MaxPool(2,2) (and of App. D's "Conv2D(32,3,3)", where
  the first number is the filter count), it gives a 2x2 kernel and no filter
  count; 2 filters with a 2x2 kernel would be a very narrow CNN for 91%
  Fashion-MNIST accuracy (Table 2). We take a 2x2 kernel, "valid" padding
  and 32 then 64 filters (a common Fashion-MNIST CNN); `filters=(2, 2)`
  gives the other reading.
- **Initialisation.** Kernels of every Dense and Conv layer are drawn from
  App. A's N(0, 1/d), d the data fan-in without a NIN
  (`keras_ninr.src.initializers.FanInNormal`, which says why); biases are
  zero. A NIN added later does not change the data weights, so all methods
  of one seed start from the same weights.
- **Weight decay.** Sec. 3's "L2 regularization coefficient (weight
  decay) 5e-4" and App. D's "L2 weight decay 1e-4" on each convolution are
  both read as the coefficient of Keras's L2 regularizer,
  `keras.regularizers.L2(5e-4)`, which adds 5e-4 * sum(w^2) to the loss
  (gradient 2 * 5e-4 * w). The evidence is that the authors used Keras:
  App. C.3's optimizer settings (RMSprop rho 0.9, epsilon 1e-7; Adam beta
  0.9 / 0.999, epsilon 1e-7) are Keras's defaults and no other framework's
  (PyTorch: RMSprop alpha 0.99, eps 1e-8, Adam eps 1e-8; TensorFlow 1:
  RMSProp epsilon 1e-10, Adam epsilon 1e-8), and App. D writes its blocks
  in Keras 1's `Conv2D(32, 3, 3)` signature; in Keras code the "L2
  regularization coefficient" is the argument of `l2(...)`, a per-layer
  regularizer ("applied at/after each layer"). `l2_reading="sgd"` gives
  the other reading (SGD weight decay: gradient 5e-4 * w, a Keras
  `L2(2.5e-4)`, and L2(5e-5) on the VGG's convolutions), which the
  package used for App. A's value before issue 13 (such results are
  labelled "penalty 0.00025·Σw²").
- **VGG** has Dropout and L2 1e-4 (on convolutions) built in, as App. D
  specifies; "l2" and "dropout" add the paper's 5e-4 / 0.5 to the layers
  that lack them (the dense layers). Padding is "same".
"""

import keras

from keras_ninr.src.checks import check_bool
from keras_ninr.src.checks import check_choice
from keras_ninr.src.datasets.preprocessing import Standardization
from keras_ninr.src.experiments import catalog
from keras_ninr.src.experiments import methods
from keras_ninr.src.initializers import FanInNormal
from keras_ninr.src.layers.input_corruption import InputCorruption
from keras_ninr.src.models.ninr_model import NINRModel

ARCHITECTURES = catalog.ARCHITECTURES
REGULARIZATIONS = methods.REGULARIZATIONS
OPTIMIZERS = catalog.OPTIMIZERS

# App. A's and App. D's L2 coefficients, as Keras's `L2(l2)` reads them.
WEIGHT_DECAY = 5e-4
VGG_CONV_L2 = 1e-4
DROPOUT_RATE = 0.5
# How the paper's "L2 coefficient (weight decay)" becomes a Keras
# `L2(l2)`: "keras" takes it as `l2` (the package's reading), "sgd" as SGD
# weight decay of gradient `coefficient * w`, i.e. `l2 = coefficient / 2`.
L2_READINGS = ("keras", "sgd")

# sigma_eps of the paper, by (architecture, topology, optimizer): Fig. 2
# caption (SGD), App. D (VGG), Table 3 (Adam, RMSprop), and for "fc1"
# Fig. 3's sigma_eps^2 = {0.1, 1} * d_in / eta with d_in = 785, eta = 0.01.
# Table 3 leaves the FC's full-NINR cells blank; every other Table 3 entry
# is its SGD value times sqrt(0.05 / eta) (to within 3.1%, docs/presets.md),
# so those two are the FC's SGD full-NINR values scaled so:
# `_table3_rule`. docs/presets.md compares every preset with the phase
# boundaries measured on the package's networks.


def _table3_rule(sgd_sigma, learning_rate):
    """Table 3's pattern: the SGD (eta = 0.05) sigma_eps times
    sqrt(0.05 / eta), i.e. the same eta * sigma_eps^2, rounded as Table 3
    rounds (one decimal)."""
    return round(sgd_sigma * (0.05 / learning_rate) ** 0.5, 1)


NOISE_PRESETS = {
    ("fc", "input", "sgd"): {"decay": 51.8, "catapult": 231.6},
    ("fc", "full", "sgd"): {"decay": 16.4, "catapult": 51.8},
    ("cnn", "input", "sgd"): {"decay": 2.8, "catapult": 87.5},
    ("cnn", "full", "sgd"): {"decay": 0.9, "catapult": 62.0},
    ("vgg", "input", "sgd"): {"decay": 17.5, "catapult": 55.4},
    ("fc1", "input", "sgd"): {
        "decay": (0.1 * 785 / 0.01) ** 0.5,
        "catapult": (785 / 0.01) ** 0.5,
    },
    ("fc", "input", "rmsprop"): {"decay": 1158.2, "catapult": 5179.9},
    ("cnn", "input", "rmsprop"): {"decay": 19.6, "catapult": 619.1},
    ("cnn", "full", "rmsprop"): {"decay": 6.19, "catapult": 437.8},
    ("fc", "full", "rmsprop"): {
        "decay": _table3_rule(16.4, 1e-4),
        "catapult": _table3_rule(51.8, 1e-4),
    },
    ("fc", "input", "adam"): {"decay": 115.8, "catapult": 518.0},
    ("fc", "full", "adam"): {
        "decay": _table3_rule(16.4, 0.01),
        "catapult": _table3_rule(51.8, 0.01),
    },
    ("cnn", "input", "adam"): {"decay": 6.2, "catapult": 195.8},
    ("cnn", "full", "adam"): {"decay": 1.95, "catapult": 138.4},
}

# Learning rates (Sec. 3, App. A, App. C.3) and batch sizes.
LEARNING_RATES = {
    ("sgd", "fc"): 0.05,
    ("sgd", "cnn"): 0.05,
    ("sgd", "vgg"): 0.05,
    ("sgd", "fc1"): 0.01,
    ("adam", "fc"): 0.01,
    ("adam", "cnn"): 0.01,
    ("adam", "vgg"): 0.01,
    ("adam", "fc1"): 0.01,
    ("rmsprop", "fc"): 1e-4,
    ("rmsprop", "fc1"): 1e-4,
    ("rmsprop", "cnn"): 1e-3,
    ("rmsprop", "vgg"): 1e-3,
}
BATCH_SIZES = {"fc": 128, "cnn": 128, "vgg": 128, "fc1": 1000}

_DEFAULT_INPUT_SHAPES = {
    "fc": (28, 28),
    "fc1": (28, 28),
    "cnn": (28, 28, 1),
    "vgg": (32, 32, 3),
}


class _Initializers:
    """App. A kernels with a distinct, reproducible seed per layer."""

    def __init__(self, seed):
        self.seed = seed
        self.count = 0

    def kernel(self):
        seed = None if self.seed is None else self.seed * 1000 + self.count
        self.count += 1
        return FanInNormal(seed=seed)


def _dense(units, activation, init, kernel_regularizer, name):
    return keras.layers.Dense(
        units,
        activation=activation,
        kernel_initializer=init.kernel(),
        bias_initializer="zeros",
        kernel_regularizer=kernel_regularizer,
        name=name,
    )


def _pixel_input(input_shape, pixel_mean, pixel_std, input_corruption):
    """`(inputs, standardised)`: Input -> [corruption] -> Standardization."""
    inputs = keras.Input(input_shape)
    h = inputs if input_corruption is None else input_corruption(inputs)
    return inputs, Standardization(
        pixel_mean, pixel_std, name="standardization"
    )(h)


def fc_network(
    input_shape=(28, 28),
    hidden_units=(1024, 1024, 1024),
    num_classes=10,
    weight_decay=None,
    dropout_rate=None,
    seed=None,
    name="fc",
    pixel_mean=0.0,
    pixel_std=1.0,
    input_corruption=None,
):
    """The paper's FC (Fig. 2a): ReLU hidden layers and a linear output.

    Returns a model that takes [0, 1] pixels, standardises them with
    `pixel_mean` and `pixel_std` (the training set's statistics), and
    outputs logits. `weight_decay` puts `keras.regularizers.L2(weight_decay)`
    (a penalty `weight_decay * sum(w^2)`) on every kernel; `dropout_rate` a
    Dropout after every
    hidden layer; `input_corruption` (a layer, CDT's `InputCorruption`)
    acts on the pixels before the standardisation.
    """
    init = _Initializers(seed)
    regularizer = _l2(weight_decay)
    inputs, h = _pixel_input(
        input_shape, pixel_mean, pixel_std, input_corruption
    )
    layers = [keras.layers.Flatten(name="flatten")]
    for index, units in enumerate(hidden_units):
        layers.append(
            _dense(units, "relu", init, regularizer, f"dense_{index + 1}")
        )
        if dropout_rate:
            layers.append(
                keras.layers.Dropout(
                    dropout_rate,
                    seed=_layer_seed(seed, index),
                    name=f"dropout_{index + 1}",
                )
            )
    layers.append(_dense(num_classes, None, init, regularizer, "logits"))
    for layer in layers:
        h = layer(h)
    return keras.Model(inputs, h, name=name)


def cnn_network(
    input_shape=(28, 28, 1),
    filters=(32, 64),
    kernel_size=2,
    dense_units=2048,
    num_classes=10,
    weight_decay=None,
    dropout_rate=None,
    seed=None,
    name="cnn",
    pixel_mean=0.0,
    pixel_std=1.0,
    input_corruption=None,
):
    """The paper's CNN (Fig. 2b): conv blocks, Dense 2048, logits.

    Each block is Conv2D(filters, kernel_size) -> ELU -> BatchNormalization
    -> MaxPooling2D(2). See the module docstring for the filter count, and
    `fc_network` for the pixel input and the other arguments.
    """
    init = _Initializers(seed)
    regularizer = _l2(weight_decay)
    inputs, h = _pixel_input(
        input_shape, pixel_mean, pixel_std, input_corruption
    )
    for index, count in enumerate(filters):
        block = index + 1
        h = keras.layers.Conv2D(
            count,
            kernel_size,
            kernel_initializer=init.kernel(),
            bias_initializer="zeros",
            kernel_regularizer=regularizer,
            name=f"conv_{block}",
        )(h)
        h = keras.layers.ELU(name=f"elu_{block}")(h)
        h = keras.layers.BatchNormalization(name=f"batch_norm_{block}")(h)
        h = keras.layers.MaxPooling2D(2, name=f"max_pool_{block}")(h)
        if dropout_rate:
            h = keras.layers.Dropout(
                dropout_rate,
                seed=_layer_seed(seed, index),
                name=f"dropout_{block}",
            )(h)
    outputs = _dense_head(
        h, dense_units, num_classes, init, regularizer, dropout_rate, seed
    )
    return keras.Model(inputs, outputs, name=name)


def vgg_network(
    input_shape=(32, 32, 3),
    filters=(32, 64, 128),
    block_dropout=(0.2, 0.3, 0.4),
    dense_units=500,
    num_classes=10,
    conv_l2=VGG_CONV_L2,
    weight_decay=None,
    dropout_rate=None,
    seed=None,
    name="vgg",
    pixel_mean=0.0,
    pixel_std=1.0,
    input_corruption=None,
):
    """App. D's VGG-style CIFAR-10 network.

    Convolutions carry `keras.regularizers.L2(conv_l2)` (App. D's "L2 1e-4",
    read as `zoo.build` reads it); `weight_decay` and `dropout_rate` add the
    paper's generic L2 / Dropout to the dense layers. See `fc_network` for
    the pixel input and the other arguments.
    """
    init = _Initializers(seed)
    inputs, h = _pixel_input(
        input_shape, pixel_mean, pixel_std, input_corruption
    )
    for index, (count, rate) in enumerate(zip(filters, block_dropout)):
        block = index + 1
        for part in (1, 2):
            h = keras.layers.Conv2D(
                count,
                3,
                padding="same",
                activation="relu",
                kernel_initializer=init.kernel(),
                bias_initializer="zeros",
                kernel_regularizer=keras.regularizers.L2(conv_l2),
                name=f"conv_{block}_{part}",
            )(h)
            h = keras.layers.BatchNormalization(
                name=f"batch_norm_{block}_{part}"
            )(h)
        h = keras.layers.MaxPooling2D(2, name=f"max_pool_{block}")(h)
        h = keras.layers.Dropout(
            rate, seed=_layer_seed(seed, index), name=f"dropout_{block}"
        )(h)
    outputs = _dense_head(
        h,
        dense_units,
        num_classes,
        init,
        _l2(weight_decay),
        dropout_rate,
        seed,
    )
    return keras.Model(inputs, outputs, name=name)


def _dense_head(
    h, dense_units, num_classes, init, regularizer, dropout_rate, seed
):
    """Flatten -> Dense(dense_units, ReLU) -> [Dropout] -> logits."""
    h = keras.layers.Flatten(name="flatten")(h)
    h = _dense(dense_units, "relu", init, regularizer, "dense_1")(h)
    if dropout_rate:
        h = keras.layers.Dropout(
            dropout_rate, seed=_layer_seed(seed, 10), name="dropout_dense"
        )(h)
    return _dense(num_classes, None, init, regularizer, "logits")(h)


def _l2(weight_decay):
    if not weight_decay:
        return None
    return keras.regularizers.L2(weight_decay)


def l2_coefficient(coefficient, reading="keras"):
    """The Keras `L2(l2)` coefficient of a paper's "L2 coefficient".

    Args:
        coefficient: The paper's number, e.g. `5e-4` (App. A) or `1e-4`
            (App. D).
        reading: `"keras"`: the coefficient of Keras's `L2` itself, a
            penalty `coefficient * sum(w^2)` (the package's reading, see
            the module docstring); `"sgd"`: SGD weight decay, of gradient
            `coefficient * w`, i.e. `L2(coefficient / 2)`. Defaults to
            `"keras"`.

    Returns:
        The float to pass to `keras.regularizers.L2`.
    """
    check_choice(reading, L2_READINGS, "l2_reading")
    return coefficient if reading == "keras" else coefficient / 2.0


def _layer_seed(seed, index):
    return None if seed is None else seed * 1000 + 500 + index


def noise_preset(
    architecture, topology="input", phase="decay", optimizer="sgd"
):
    """The paper's sigma_eps for an architecture, topology and phase.

    Args:
        architecture: One of `ARCHITECTURES`.
        topology: `"input"` or `"full"`.
        phase: `"decay"` or `"catapult"`.
        optimizer: `"sgd"`, `"adam"` or `"rmsprop"`.

    The presets are where the paper's runs were, not guarantees: with the
    App. A initialisation, the FC's in-NINR catapult value (231.6) lies
    above the measured catapult/divergent boundary (133.4-154.0,
    docs/presets.md); 231.6 itself has not been run.
    """
    key = (architecture, topology, optimizer)
    if key not in NOISE_PRESETS:
        raise ValueError(
            "The paper gives no sigma_eps for this combination. Known: "
            f"{sorted(NOISE_PRESETS)}. Received: architecture={architecture!r}, "
            f"topology={topology!r}, optimizer={optimizer!r}"
        )
    presets = NOISE_PRESETS[key]
    if phase not in presets:
        raise ValueError(
            f"Unrecognized `phase`. Expected one of {tuple(presets)}. "
            f"Received: phase={phase!r}"
        )
    return presets[phase]


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
