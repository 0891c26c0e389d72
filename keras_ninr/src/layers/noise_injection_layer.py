"""Base class of the layers that carry a Noise Injection Node (paper Sec. 2.1).

A NIN is one extra input of a layer: a random scalar `eps`, drawn afresh for
every sample at every training step, fed through its own trainable weights
W_NI (the NIW, `noise_kernel`). Everything the realisations share lives
here: the noise distribution and its seed generator, the sigma_eps variable
that callbacks may change during training, the initialisation of the NIW
(App. A, `keras_ninr.src.initializers`), and the configuration of weights.
"""

import keras
import numpy as np
from keras import ops

from keras_ninr.src import noise
from keras_ninr.src.initializers import FanInNormal
from keras_ninr.src.norms import l2_norm


def set_weight_options(layer, weight, initializer, regularizer, constraint):
    """Set `layer.<weight>_initializer`, `_regularizer`, `_constraint`.

    A `None` initializer stays `None`: it means App. A's default, made in
    `build` once the fan-in is known (`default_initializer`).
    """
    setattr(
        layer,
        f"{weight}_initializer",
        None if initializer is None else keras.initializers.get(initializer),
    )
    setattr(layer, f"{weight}_regularizer", keras.regularizers.get(regularizer))
    setattr(layer, f"{weight}_constraint", keras.constraints.get(constraint))


def weight_options_config(layer, *weights):
    """The `get_config` entries that `set_weight_options` set, serialized."""
    config = {}
    for weight in weights:
        initializer = getattr(layer, f"{weight}_initializer")
        config[f"{weight}_initializer"] = (
            None
            if initializer is None
            else keras.initializers.serialize(initializer)
        )
        config[f"{weight}_regularizer"] = keras.regularizers.serialize(
            getattr(layer, f"{weight}_regularizer")
        )
        config[f"{weight}_constraint"] = keras.constraints.serialize(
            getattr(layer, f"{weight}_constraint")
        )
    return config


def default_initializer(initializer, fan_in):
    """`initializer`, or App. A's N(0, 1/fan_in) where it is `None`."""
    return FanInNormal(fan_in=fan_in) if initializer is None else initializer


class NoiseInjectionLayer(keras.layers.Layer):
    """Base class of the layers carrying a Noise Injection Node.

    Subclasses create `noise_kernel` in `build` through
    `_build_noise_weights` and add `noise_kernel * self.draw_noise(inputs,
    unit_noise)` in `call` when `training` is true, where `unit_noise` is
    the optional call argument through which several layers share one NIN
    (`keras_ninr.NoiseSource`). Callbacks and `NINRModel` find the
    NINs of any model with `isinstance(layer, NoiseInjectionLayer)`. The
    noise is one scalar per sample, so masks pass through unchanged.

    Args:
        noise_stddev: Non-negative float, the scale sigma_eps of the injected
            noise. Values far above 1 are expected (the paper uses up to a
            few hundred). Stored in a non-trainable variable, so it can be
            changed during training (see `keras_ninr.callbacks.NoiseScheduler`)
            without recompiling. Defaults to `0.0` (no noise).
        noise_distribution: `"normal"`, `"uniform"`, `"double_normal"`, or a
            callable `(shape, seed_generator, dtype) -> tensor` returning
            draws of unit scale; see `keras_ninr.noise`. Defaults to
            `"normal"`.
        noise_initializer: Initializer of the NIW. Defaults to `None`, which
            means N(0, 1/d) with d the fan-in of the layer including the noise
            node (paper App. A, `FanInNormal`).
        noise_regularizer: Optional regularizer of the NIW. Defaults to `None`.
        noise_constraint: Optional constraint of the NIW. Defaults to `None`.
        seed: Optional int, seed of the noise stream. Defaults to `None`.
        **kwargs: Base layer keyword arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        noise_stddev=0.0,
        noise_distribution="normal",
        noise_initializer=None,
        noise_regularizer=None,
        noise_constraint=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._initial_noise_stddev = noise.check_noise_stddev(noise_stddev)
        self.noise_distribution = noise.get(noise_distribution)
        set_weight_options(
            self,
            "noise",
            noise_initializer,
            noise_regularizer,
            noise_constraint,
        )
        self.seed = noise.check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.noise_kernel = None
        self._noise_stddev_variable = None
        self.supports_masking = True

    def _build_noise_weights(self, shape, fan_in):
        """Create the NIW of `shape` and the sigma_eps variable.

        `fan_in` counts the noise node, so the default NIW initialisation is
        N(0, 1/fan_in) as App. A prescribes.
        """
        self.noise_kernel = self.add_weight(
            name="noise_kernel",
            shape=shape,
            initializer=default_initializer(self.noise_initializer, fan_in),
            regularizer=self.noise_regularizer,
            constraint=self.noise_constraint,
            trainable=True,
        )
        # float32 whatever the dtype policy: sigma_eps of several hundred
        # must not be rounded by bfloat16 storage; it is cast to the compute
        # dtype when the noise is drawn.
        self._noise_stddev_variable = self.add_weight(
            name="noise_stddev",
            shape=(),
            initializer=keras.initializers.Constant(self._initial_noise_stddev),
            dtype="float32",
            trainable=False,
            autocast=False,
        )

    @property
    def noise_stddev(self):
        """The current sigma_eps, as a Python float."""
        if self._noise_stddev_variable is None:
            return self._initial_noise_stddev
        # Not `.value`: under tf.distribute that is a per-replica object.
        stored = ops.convert_to_numpy(self._noise_stddev_variable)
        # The variable holds float32: give back the value as it was set
        # (51.8, not 51.79999923706055) unless it has changed since (for
        # instance by loading weights).
        if stored == np.float32(self._initial_noise_stddev):
            return self._initial_noise_stddev
        return float(stored)

    @noise_stddev.setter
    def noise_stddev(self, value):
        value = noise.check_noise_stddev(value)
        self._initial_noise_stddev = value
        if self._noise_stddev_variable is not None:
            self._noise_stddev_variable.assign(value)

    def draw_noise(self, inputs, unit_noise=None):
        """One scaled draw `eps` per sample, shaped to broadcast over a sample.

        `unit_noise`, if given, holds the unit-scale draws (`(batch, 1)`, e.g.
        from a `NoiseSource` shared with other layers) in place of the
        layer's own; either way they are scaled by this layer's sigma_eps.
        Returns a tensor of shape `(batch, 1, ..., 1)` (rank of `inputs`) in
        the layer's compute dtype.
        """
        batch_size = ops.shape(inputs)[0]
        shape = (batch_size,) + (1,) * (len(inputs.shape) - 1)
        if unit_noise is None:
            unit = self.noise_distribution(
                shape, self.seed_generator, self.compute_dtype
            )
        else:
            unit = ops.reshape(unit_noise, shape)
        stddev = ops.cast(self._noise_stddev_variable, self.compute_dtype)
        return ops.multiply(ops.cast(unit, self.compute_dtype), stddev)

    def noise_weight_norm(self):
        """L2 norm of the NIW, as a Python float."""
        return l2_norm([self.noise_kernel])

    def get_config(self):
        base_config = super().get_config()
        config = {
            "noise_stddev": self.noise_stddev,
            "noise_distribution": noise.serialize(self.noise_distribution),
            "seed": self.seed,
            **weight_options_config(self, "noise"),
        }
        return {**base_config, **config}
