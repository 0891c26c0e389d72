"""Dense layer with a Noise Injection Node (fcNINR, paper Sec. 3.1, Fig. 4)."""

import keras
from keras import ops

from keras_ninr.src.api_export import register
from keras_ninr.src.checks import check_positive_int
from keras_ninr.src.layers.noise_injection_layer import NoiseInjectionLayer
from keras_ninr.src.layers.noise_injection_layer import default_initializer
from keras_ninr.src.layers.noise_injection_layer import set_weight_options
from keras_ninr.src.layers.noise_injection_layer import weight_options_config


def add_noise_bias_activation(layer, x, training, unit_noise):
    """The rest of a NIN dense layer's `call`, after the product `x`.

    `eps * noise_kernel` in training, then the bias and the activation. The
    noise-free path is the operations of `keras.layers.Dense` (and
    `EinsumDense`) in their order, so that its output is bit-identical. The
    noise goes in before the bias: TensorFlow's oneDNN graph rewrite of
    matmul + bias + add + ReLU leaves a node without an op, which grappler
    reports as four "E0000 ... tfg_optimizer_hook ... has an empty op name"
    lines (harmless: it then skips those optimizations), every run.
    """
    if training:
        eps = layer.draw_noise(x, unit_noise)
        x = ops.add(x, ops.multiply(eps, layer.noise_kernel))
    if layer.bias is not None:
        x = ops.add(x, layer.bias)
    if layer.activation is not None:
        x = layer.activation(x)
    return x


@register
class NoiseInjectionDense(NoiseInjectionLayer):
    """A `keras.layers.Dense` layer with one Noise Injection Node.

    In training the pre-activation gets one random scalar per sample, fed
    through the trainable noise injection weights (NIW) `noise_kernel`:

    `outputs = activation(inputs @ kernel + bias + eps * noise_kernel)`,

    with `eps` of shape `(batch, 1)` drawn afresh at every step from
    `noise_distribution` with scale `noise_stddev` (sigma_eps). This is the
    paper's fcNINR: the input vector extended by one noisy pixel that is
    densely connected to the layer. It is *not* independent noise per unit
    (that is `keras.layers.GaussianNoise`, a different method): every unit
    sees the same `eps_i`, weighted by its own NIW.

    With `training=False` (`predict`, `evaluate`, and `__call__` by default)
    the output is exactly what a `keras.layers.Dense` with the same `kernel`
    and `bias` computes; with `training=True` and `noise_stddev=0` the added
    term is exactly zero.

    Initialisation (App. A, `keras_ninr.src.initializers.FanInNormal`): by
    default the data kernel and the NIW are both drawn from N(0, 1/d), where
    d = input_dim + 1 is the fan-in of the layer counting the noise node
    (the paper's d_in = 785 for 28x28 images). Biases start at zero.

    Args:
        units: Positive integer, dimensionality of the output space.
        noise_stddev: Non-negative float, sigma_eps; may be far above 1.
            Defaults to `0.0`.
        noise_distribution: `"normal"`, `"uniform"`, `"double_normal"` or a
            callable `(shape, seed_generator, dtype) -> tensor` of unit scale.
            Defaults to `"normal"`.
        activation: Activation function. Defaults to `None` (linear).
        use_bias: Boolean, whether the layer uses a bias. Defaults to `True`.
        kernel_initializer: Initializer of `kernel`. Defaults to `None`,
            meaning N(0, 1/(input_dim + 1)).
        bias_initializer: Initializer of the bias. Defaults to `"zeros"`.
        noise_initializer: Initializer of the NIW. Defaults to `None`,
            meaning N(0, 1/(input_dim + 1)).
        kernel_regularizer: Regularizer of `kernel`. Defaults to `None`.
        bias_regularizer: Regularizer of the bias. Defaults to `None`.
        noise_regularizer: Regularizer of the NIW. Defaults to `None`.
        activity_regularizer: Regularizer of the output. Defaults to `None`.
        kernel_constraint: Constraint of `kernel`. Defaults to `None`.
        bias_constraint: Constraint of the bias. Defaults to `None`.
        noise_constraint: Constraint of the NIW. Defaults to `None`.
        seed: Optional int, seed of the noise stream. Defaults to `None`.
        **kwargs: Base layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: Tensor of shape `(batch, ..., input_dim)`.
        training: Python boolean; noise is injected only when `True`.
            Defaults to `False`.
        unit_noise: Optional tensor `(batch, 1)` of unit-scale draws, e.g.
            a `NoiseSource`'s output shared with other NIN layers (one NIN
            feeding several layers, the paper's full-NINR); scaled by this
            layer's `noise_stddev`. Defaults to `None`: the layer draws its
            own.

    Input shape:
        N-D tensor `(batch_size, ..., input_dim)` with a known `input_dim`.

    Output shape:
        N-D tensor `(batch_size, ..., units)`.

    Example:

    >>> layer = NoiseInjectionDense(64, noise_stddev=51.8, activation="relu")
    >>> y = layer(keras.ops.ones((8, 784)), training=True)

    References:
        - [Levi et al., Noise Injection Node Regularization for Robust
          Learning](https://arxiv.org/abs/2210.15764)
    """

    def __init__(
        self,
        units,
        noise_stddev=0.0,
        noise_distribution="normal",
        activation=None,
        use_bias=True,
        kernel_initializer=None,
        bias_initializer="zeros",
        noise_initializer=None,
        kernel_regularizer=None,
        bias_regularizer=None,
        noise_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        noise_constraint=None,
        seed=None,
        **kwargs,
    ):
        units = check_positive_int(units, "units")
        super().__init__(
            noise_stddev=noise_stddev,
            noise_distribution=noise_distribution,
            noise_initializer=noise_initializer,
            noise_regularizer=noise_regularizer,
            noise_constraint=noise_constraint,
            seed=seed,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        set_weight_options(
            self,
            "kernel",
            kernel_initializer,
            kernel_regularizer,
            kernel_constraint,
        )
        set_weight_options(
            self, "bias", bias_initializer, bias_regularizer, bias_constraint
        )
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                "`NoiseInjectionDense` needs the last dimension of its input "
                "to be known (it sets the shape of `kernel`). "
                f"Received: input_shape={tuple(input_shape)}"
            )
        fan_in = input_dim + 1  # App. A: the NIN counts as an input.
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units),
            initializer=default_initializer(self.kernel_initializer, fan_in),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self._build_noise_weights(shape=(self.units,), fan_in=fan_in)
        self.input_spec = keras.layers.InputSpec(
            min_ndim=2, axes={-1: input_dim}
        )

    def call(self, inputs, training=False, unit_noise=None):
        x = ops.matmul(inputs, self.kernel)
        return add_noise_bias_activation(self, x, training, unit_noise)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        base_config = super().get_config()
        config = {
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_options_config(self, "kernel", "bias"),
        }
        return {**base_config, **config}
