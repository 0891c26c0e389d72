"""The paper's architectures (Sec. 3, App. A, D), each taking [0, 1] pixels.

Every network starts with the paper's preprocessing,
`Standardization(pixel_mean, pixel_std)` (Sec. 3), optionally after an
input layer such as CDT's `InputCorruption`, and outputs logits. The table
of architectures is in `keras_ninr.src.experiments.zoo`; `zoo.build` adds
a regularization to one of them.

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
- **VGG** has Dropout and L2 1e-4 (on convolutions) built in, as App. D
  specifies; "l2" and "dropout" add the paper's 5e-4 / 0.5 to the layers
  that lack them (the dense layers). Padding is "same".
"""

import keras

from keras_ninr.src.datasets.preprocessing import Standardization
from keras_ninr.src.experiments.zoo.presets import VGG_CONV_L2
from keras_ninr.src.initializers import FanInNormal


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


def _conv(filters, kernel_size, init, kernel_regularizer, name, **kwargs):
    return keras.layers.Conv2D(
        filters,
        kernel_size,
        kernel_initializer=init.kernel(),
        bias_initializer="zeros",
        kernel_regularizer=kernel_regularizer,
        name=name,
        **kwargs,
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
    Dropout after every hidden layer; `input_corruption` (a layer, CDT's
    `InputCorruption`) acts on the pixels before the standardisation.
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
                _dropout(dropout_rate, seed, index, f"dropout_{index + 1}")
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
        h = _conv(count, kernel_size, init, regularizer, f"conv_{block}")(h)
        h = keras.layers.ELU(name=f"elu_{block}")(h)
        h = keras.layers.BatchNormalization(name=f"batch_norm_{block}")(h)
        h = keras.layers.MaxPooling2D(2, name=f"max_pool_{block}")(h)
        if dropout_rate:
            h = _dropout(dropout_rate, seed, index, f"dropout_{block}")(h)
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
            h = _conv(
                count,
                3,
                init,
                keras.regularizers.L2(conv_l2),
                f"conv_{block}_{part}",
                padding="same",
                activation="relu",
            )(h)
            h = keras.layers.BatchNormalization(
                name=f"batch_norm_{block}_{part}"
            )(h)
        h = keras.layers.MaxPooling2D(2, name=f"max_pool_{block}")(h)
        h = _dropout(rate, seed, index, f"dropout_{block}")(h)
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
        h = _dropout(dropout_rate, seed, 10, "dropout_dense")(h)
    return _dense(num_classes, None, init, regularizer, "logits")(h)


def _l2(weight_decay):
    if not weight_decay:
        return None
    return keras.regularizers.L2(weight_decay)


def _dropout(rate, seed, index, name):
    """A Dropout layer drawing from the network's `index`-th dropout seed."""
    layer_seed = None if seed is None else seed * 1000 + 500 + index
    return keras.layers.Dropout(rate, seed=layer_seed, name=name)
