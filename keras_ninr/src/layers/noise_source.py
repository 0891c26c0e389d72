"""One Noise Injection Node shared by several layers (paper Secs. 3.1, 5).

The paper's full-NINR has a single NIN coupled "to every hidden layer
including the input one" (Sec. 3.1; "a single Noise Injection Node added to
various layers", Sec. 5): one eps per sample, shared by every layer it
feeds, each through its own NIW. `NoiseSource` is that node: it draws the
per-sample unit draws once, and every NIN layer given them as `unit_noise`
scales them by its own sigma_eps and weights them by its own NIW.
"""

import keras
from keras import ops

from keras_ninr.src import noise
from keras_ninr.src.api_export import register


@register
class NoiseSource(keras.layers.Layer):
    """Draws one noise scalar per sample for several NIN layers to share.

    In training the output is `(batch, 1)` unit-scale draws `u` of
    `noise_distribution`, drawn afresh at every call; pass it to NIN layers
    as `unit_noise`, and each adds `noise_stddev * u * noise_kernel` with its
    own sigma_eps and NIW. Layers given the same `u` therefore see the same
    eps_i per sample (when their sigma_eps agree, as `NINRModel.from_model`
    sets them): one Noise Injection Node feeding several layers, the paper's
    full-NINR. Outside training the output is zeros (NIN layers ignore it
    then anyway).

    `NINRModel.from_model(..., topology="full")` inserts one
    (`shared_noise=True`, the default); in a model of your own:

    ```python
    inputs = keras.Input((784,))
    u = keras_ninr.NoiseSource(seed=0)(inputs)
    h = keras_ninr.NoiseInjectionDense(256, noise_stddev=16.4,
                                       activation="relu")(inputs, unit_noise=u)
    outputs = keras_ninr.NoiseInjectionDense(10, noise_stddev=16.4)(
        h, unit_noise=u)
    model = keras_ninr.NINRModel(inputs, outputs)
    ```

    Args:
        noise_distribution: `"normal"`, `"uniform"`, `"double_normal"` or a
            callable `(shape, seed_generator, dtype) -> tensor` of unit scale
            (see `keras_ninr.noise`). Defaults to `"normal"`.
        seed: Optional int, seed of the noise stream. Defaults to `None`.
        **kwargs: Base layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: Any tensor whose first axis is the batch (e.g. the model's
            input); only its batch size is read.
        training: Python boolean; draws only when `True`. Defaults to
            `False`.

    Output shape:
        `(batch_size, 1)`.
    """

    def __init__(self, noise_distribution="normal", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.noise_distribution = noise.get(noise_distribution)
        self.seed = noise.check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def call(self, inputs, training=False):
        shape = (ops.shape(inputs)[0], 1)
        if not training:
            return ops.zeros(shape, dtype=self.compute_dtype)
        unit = self.noise_distribution(
            shape, self.seed_generator, self.compute_dtype
        )
        return ops.cast(unit, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)

    def get_config(self):
        base_config = super().get_config()
        config = {
            "noise_distribution": noise.serialize(self.noise_distribution),
            "seed": self.seed,
        }
        return {**base_config, **config}
