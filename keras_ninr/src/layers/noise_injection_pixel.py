"""Pixel-wise Noise Injection Node before any layer (cNINR, paper Sec. 3.1)."""

import math

from keras import ops

from keras_ninr.src.api_export import register
from keras_ninr.src.layers.noise_injection_layer import NoiseInjectionLayer


@register
class NoiseInjectionPixel(NoiseInjectionLayer):
    """Adds a Noise Injection Node pixel-wise to its input (cNINR).

    In training: `outputs = inputs + noise_kernel * eps`, where the NIW
    `noise_kernel` has the shape of one input sample (`input_shape[1:]`,
    e.g. `(H, W, C)`) and `eps` is one random scalar per sample. This is the
    paper's convolutional realisation (Fig. 4, right): an auxiliary layer
    that is the identity for the data and densely connected for the noise
    node. Place it before a convolution, or before any other layer
    (footnote 8). At inference it is exactly the identity.

    Initialisation (App. A, `keras_ninr.src.initializers.FanInNormal`): the
    NIW is drawn from N(0, 1/d) with d = prod(input_shape[1:]) + 1, the
    size of the representation the NIN is appended to, counting the node
    itself (App. A's 1/d_{l_NI}).

    Args:
        noise_stddev: Non-negative float, sigma_eps. Defaults to `0.0`.
        noise_distribution: `"normal"`, `"uniform"`, `"double_normal"` or a
            callable `(shape, seed_generator, dtype) -> tensor` of unit scale.
            Defaults to `"normal"`.
        noise_initializer: Initializer of the NIW. Defaults to `None`,
            meaning N(0, 1/(prod(input_shape[1:]) + 1)).
        noise_regularizer: Regularizer of the NIW. Defaults to `None`.
        noise_constraint: Constraint of the NIW. Defaults to `None`.
        seed: Optional int, seed of the noise stream. Defaults to `None`.
        **kwargs: Base layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: Tensor with every dimension but the batch known.
        training: Python boolean; noise is injected only when `True`.
            Defaults to `False`.
        unit_noise: Optional tensor `(batch, 1)` of unit-scale draws to use
            in place of the layer's own, scaled by its `noise_stddev`: the
            output of a `NoiseSource` that feeds several NIN layers
            (full-NINR). Defaults to `None`.

    Input shape:
        Any `(batch_size, d1, ..., dn)` with known `d1...dn`.

    Output shape:
        Same as the input.

    Example:

    >>> x = keras.Input((28, 28, 1))
    >>> y = NoiseInjectionPixel(noise_stddev=2.8)(x)
    >>> y = keras.layers.Conv2D(32, 3)(y)

    References:
        - [Levi et al., Noise Injection Node Regularization for Robust
          Learning](https://arxiv.org/abs/2210.15764)
    """

    def build(self, input_shape):
        sample_shape = tuple(input_shape[1:])
        if not sample_shape or any(dim is None for dim in sample_shape):
            raise ValueError(
                "`NoiseInjectionPixel` needs every dimension of its input but "
                "the batch to be known (the NIW has the shape of one sample). "
                f"Received: input_shape={tuple(input_shape)}"
            )
        self._build_noise_weights(
            shape=sample_shape, fan_in=math.prod(sample_shape) + 1
        )

    def call(self, inputs, training=False, unit_noise=None):
        if training:
            eps = self.draw_noise(inputs, unit_noise)
            return ops.add(inputs, ops.multiply(self.noise_kernel, eps))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
