"""EinsumDense layer with a Noise Injection Node (fcNINR on any einsum).

`keras.layers.EinsumDense` is the dense layer of attention blocks and of
models written with einsum equations. Its NIN is the one of
`NoiseInjectionDense` generalised: one scalar `eps` per sample, fed through
a NIW with one weight per output unit of the kernel (the kernel's output
axes), shared over the axes the kernel is shared over (sequence positions),
added before the activation.
"""

import keras
from keras import ops

from keras_ninr.src.api_export import register
from keras_ninr.src.layers.noise_injection_dense import add_noise_bias_activation
from keras_ninr.src.layers.noise_injection_layer import NoiseInjectionLayer


def noise_kernel_shape(equation, kernel_shape):
    """Shape of the NIW of an EinsumDense, and the fan-in counting the NIN.

    The NIW has the kernel's size on every output axis the kernel has, and
    1 on the others (batch, positions), so it broadcasts against the output
    the way a bias on those axes would. The fan-in is the product of the
    contracted (input-only) kernel axes, plus one for the noise node.
    """
    try:
        inputs_and_kernel, output = equation.replace(" ", "").split("->")
        _, kernel = inputs_and_kernel.split(",")
    except ValueError:
        raise ValueError(
            "Expected `equation` of the form 'ab,bc->ac'. "
            f"Received: equation={equation!r}"
        ) from None
    if "..." in kernel or ("..." in output and not output.startswith("...")):
        raise ValueError(
            "NoiseInjectionEinsumDense supports an ellipsis only at the start "
            f"of the output. Received: equation={equation!r}"
        )
    size = dict(zip(kernel, kernel_shape))
    # The batch axis is the ellipsis or, without one, the first output axis.
    axes = output[3:] if output.startswith("...") else output[1:]
    shape = tuple(size.get(axis, 1) for axis in axes)
    fan_in = 1
    for axis in kernel:
        if axis not in output:
            fan_in *= size[axis]
    return shape, fan_in + 1


@register
class NoiseInjectionEinsumDense(NoiseInjectionLayer, keras.layers.EinsumDense):
    """A `keras.layers.EinsumDense` layer with one Noise Injection Node.

    `outputs = activation(einsum(equation, inputs, kernel) + bias
    + eps * noise_kernel)`, with `eps` one scalar per sample (shape
    `(batch, 1, ..., 1)`) and `noise_kernel` shaped like the kernel's output
    axes (1 on the batch axis and on axes the kernel does not have). With
    `training=False` it computes exactly what `keras.layers.EinsumDense`
    computes with the same weights.

    Args:
        equation: The einsum equation, as for `keras.layers.EinsumDense`.
        output_shape: The expected output shape without the batch axis, as
            for `keras.layers.EinsumDense`.
        noise_stddev: Non-negative float, sigma_eps. Defaults to `0.0`.
        noise_distribution: `"normal"`, `"uniform"`, `"double_normal"` or a
            callable; see `keras_ninr.noise`. Defaults to `"normal"`.
        activation: Activation function. Defaults to `None`.
        bias_axes: Output axes that carry a bias. Defaults to `None`.
        noise_initializer: Initializer of the NIW. Defaults to `None`,
            meaning N(0, 1/d) with d the contracted size plus one (App. A).
        noise_regularizer: Optional regularizer of the NIW.
        noise_constraint: Optional constraint of the NIW.
        seed: Optional int, seed of the noise stream. Defaults to `None`.
        **kwargs: The NIN's arguments above from `noise_initializer` on,
            the other arguments of `keras.layers.EinsumDense` (initializers,
            regularizers, constraints of kernel and bias) and base layer
            arguments.

    Call arguments:
        inputs: Tensor, as for `keras.layers.EinsumDense`.
        training: Python boolean; noise is injected only when `True`.
            Defaults to `False`.
        unit_noise: Optional tensor `(batch, 1)` of unit-scale draws shared
            with other NIN layers (`keras_ninr.NoiseSource`). Defaults to
            `None`: the layer draws its own.

    Example:

    >>> layer = NoiseInjectionEinsumDense(
    ...     "abc,cd->abd", output_shape=(None, 16), bias_axes="d",
    ...     noise_stddev=5.0)
    >>> y = layer(keras.ops.ones((2, 7, 8)), training=True)
    """

    def __init__(
        self,
        equation,
        output_shape,
        noise_stddev=0.0,
        noise_distribution="normal",
        activation=None,
        bias_axes=None,
        **kwargs,
    ):
        if kwargs.get("lora_rank"):
            raise ValueError(
                "NoiseInjectionEinsumDense does not support LoRA. "
                f"Received: lora_rank={kwargs['lora_rank']!r}"
            )
        # The NIN's other arguments (noise_initializer, noise_regularizer,
        # noise_constraint, seed) travel in `kwargs` to NoiseInjectionLayer,
        # the rest on to keras.layers.EinsumDense.
        super().__init__(
            equation=equation,
            output_shape=output_shape,
            noise_stddev=noise_stddev,
            noise_distribution=noise_distribution,
            activation=activation,
            bias_axes=bias_axes,
            **kwargs,
        )
        # As keras.layers.EinsumDense: its output axes need not be the
        # input's, so an input mask may not fit the output.
        self.supports_masking = False

    def build(self, input_shape):
        keras.layers.EinsumDense.build(self, input_shape)
        shape, fan_in = noise_kernel_shape(self.equation, self.kernel.shape)
        self._build_noise_weights(shape=shape, fan_in=fan_in)

    def call(self, inputs, training=False, unit_noise=None):
        x = ops.einsum(self.equation, inputs, self.kernel)
        return add_noise_bias_activation(self, x, training, unit_noise)

    # EinsumDense saves its kernel and bias by position; the NIN's two
    # variables go beside them by name, so `.keras` files round-trip.
    def save_own_variables(self, store):
        super().save_own_variables(store)
        if self.built:
            store["noise_kernel"] = self.noise_kernel
            store["noise_stddev"] = self._noise_stddev_variable

    def load_own_variables(self, store):
        super().load_own_variables(store)
        if self.built:
            self.noise_kernel.assign(store["noise_kernel"])
            self._noise_stddev_variable.assign(store["noise_stddev"])
