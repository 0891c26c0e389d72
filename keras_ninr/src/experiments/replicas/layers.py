"""Replica-batched counterparts of the layers the paper's networks use.

Each layer here stands for the same layer of K models that differ only in
their weights, seeds and sigma_eps. Weights carry a leading replica axis,
every replica keeps its own seed generators, and each replica's output is
computed with the same operations as the single layer's, so that training
the K replicas together gives each the result it would get alone (up to
floating-point order).

Two activation layouts are used:

- `"stack"`: `(K, batch, ...)`, for flat features (dense layers: one
  batched matmul).
- `"merged"`: `(batch, H, W, K * C)`, for images: replica k owns channels
  `k * C ... (k + 1) * C - 1`. Convolutions are grouped convolutions with K
  groups; batch normalisation, pooling and element-wise layers act per
  channel, so the unchanged Keras layers compute every replica at once.
"""

import keras
import numpy as np
from keras import ops

from keras_ninr.src.corruption import corrupt_tensor

STACK = "stack"
MERGED = "merged"


def _value(variable):
    return np.asarray(ops.convert_to_numpy(variable))


class ReplicaLayer(keras.layers.Layer):
    """Base: replicated weights made from the K source layers' values.

    Subclasses list their weights in `_initial` (name -> stacked NumPy
    array, replica axis first) before `build`, create them with
    `_add_replicated`, and give replica k's values with `replica_values`.
    """

    def __init__(self, replicas, layout, **kwargs):
        super().__init__(**kwargs)
        self.replicas = replicas
        self.layout = layout
        self._initial = {}
        self._replicated = {}
        self._pending = {}

    def _add_replicated(self, name, regularizer=None, trainable=True):
        initial = self._initial.pop(name)
        variable = self.add_weight(
            name=name,
            shape=initial.shape,
            initializer="zeros",
            regularizer=regularizer,
            trainable=trainable,
            dtype=initial.dtype if not trainable else None,
            autocast=trainable,
        )
        self._pending[name] = (variable, initial)
        self._replicated[name] = variable
        return variable

    def assign_initial(self):
        """Give the weights their replicas' values (once the model is built).

        Keras may initialise variables created during a symbolic build
        later, from their initializer, so the values are assigned after.
        """
        for variable, value in self._pending.values():
            variable.assign(value)
        self._pending = {}

    def replica_values(self, indices):
        """`{weight name: [value of replica i for i in indices]}`.

        Each value has the source layer's shape; every weight crosses from
        the device once, however many replicas are asked for.
        """
        values = {}
        for name, variable in self._replicated.items():
            value = _value(variable)
            values[name] = [value[index] for index in indices]
        return values


def _seed_generators(layer, sources, attribute="seed_generator"):
    """One generator per replica, each in its source's current state."""
    generators = []
    for index, source in enumerate(sources):
        generator = keras.random.SeedGenerator(
            0, name=f"{layer.name}_seed_{index}"
        )
        state = ops.convert_to_numpy(getattr(source, attribute).state)
        layer._pending[f"seed_{index}"] = (generator.state, state)
        generators.append(generator)
    return generators


def _to_replica_slices(x, layout, replicas):
    """Replica k's part of `x`, in the single layer's shape, for every k."""
    if layout == STACK:
        return [x[k] for k in range(replicas)]
    shape = ops.shape(x)
    channels = x.shape[-1] // replicas
    x = ops.reshape(x, tuple(shape[:-1]) + (replicas, channels))
    return [x[..., k, :] for k in range(replicas)]


def _from_replica_slices(slices, layout):
    if layout == STACK:
        return ops.stack(slices, axis=0)
    x = ops.stack(slices, axis=-2)
    shape = ops.shape(x)
    return ops.reshape(x, tuple(shape[:-2]) + (shape[-2] * shape[-1],))


class ReplicaDense(ReplicaLayer):
    """K `Dense` (or `NoiseInjectionDense`) layers: one batched matmul.

    Inputs `(K, batch, d)`; outputs `(K, batch, units)`.
    """

    def __init__(self, sources, **kwargs):
        first = sources[0]
        super().__init__(len(sources), STACK, name=first.name, **kwargs)
        self.units = first.units
        self.activation = first.activation
        self.use_bias = first.use_bias
        self.kernel_regularizer = first.kernel_regularizer
        self.bias_regularizer = first.bias_regularizer
        self.noise = hasattr(first, "noise_kernel")
        self._initial["kernel"] = np.stack([_value(s.kernel) for s in sources])
        if self.use_bias:
            self._initial["bias"] = np.stack([_value(s.bias) for s in sources])
        if self.noise:
            self.noise_regularizer = first.noise_regularizer
            self._initial["noise_kernel"] = np.stack(
                [_value(s.noise_kernel) for s in sources]
            )
            self._initial["noise_stddev"] = np.asarray(
                [_value(s._noise_stddev_variable) for s in sources],
                dtype="float32",
            )
            self.distributions = [s.noise_distribution for s in sources]
            self.seed_generators = _seed_generators(self, sources)

    def build(self, input_shape):
        self.kernel = self._add_replicated("kernel", self.kernel_regularizer)
        if self.use_bias:
            self.bias = self._add_replicated("bias", self.bias_regularizer)
        if self.noise:
            self.noise_kernel = self._add_replicated(
                "noise_kernel", self.noise_regularizer
            )
            self.noise_stddev = self._add_replicated(
                "noise_stddev", trainable=False
            )

    def call(self, inputs, training=False):
        x = ops.matmul(inputs, self.kernel)
        if self.use_bias:
            x = ops.add(x, ops.expand_dims(self.bias, 1))
        if training and self.noise:
            # (K, batch, 1): replica k's draws, as NoiseInjectionDense's.
            eps = _draw_noise(self, ops.shape(inputs)[1], 2)
            x = ops.add(
                x, ops.multiply(eps, ops.expand_dims(self.noise_kernel, 1))
            )
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)


def _draw_noise(layer, batch_size, rank):
    """`(K, batch, 1, ..., 1)` scaled draws, replica k from its own stream.

    The same operations as `NoiseInjectionLayer.draw_noise` for each
    replica: a unit draw of shape `(batch,) + (1,) * (rank - 1)` times its
    sigma_eps.
    """
    shape = (batch_size,) + (1,) * (rank - 1)
    draws = []
    for k, (distribution, generator) in enumerate(
        zip(layer.distributions, layer.seed_generators)
    ):
        unit = distribution(shape, generator, layer.compute_dtype)
        stddev = ops.cast(layer.noise_stddev[k], layer.compute_dtype)
        draws.append(ops.multiply(ops.cast(unit, layer.compute_dtype), stddev))
    return ops.stack(draws, axis=0)


class ReplicaNoisePixel(ReplicaLayer):
    """K `NoiseInjectionPixel` layers, in either layout."""

    def __init__(self, sources, layout, **kwargs):
        first = sources[0]
        super().__init__(len(sources), layout, name=first.name, **kwargs)
        self.noise_regularizer = first.noise_regularizer
        self._initial["noise_kernel"] = np.stack(
            [_value(s.noise_kernel) for s in sources]
        )
        self._initial["noise_stddev"] = np.asarray(
            [_value(s._noise_stddev_variable) for s in sources],
            dtype="float32",
        )
        self.sample_rank = len(first.noise_kernel.shape)
        self.distributions = [s.noise_distribution for s in sources]
        self.seed_generators = _seed_generators(self, sources)

    def build(self, input_shape):
        self.noise_kernel = self._add_replicated(
            "noise_kernel", self.noise_regularizer
        )
        self.noise_stddev = self._add_replicated(
            "noise_stddev", trainable=False
        )

    def call(self, inputs, training=False):
        if not training:
            return inputs
        if self.layout == STACK:
            batch_size = ops.shape(inputs)[1]
            eps = _draw_noise(self, batch_size, self.sample_rank + 1)
            kernel = ops.expand_dims(self.noise_kernel, 1)
            return ops.add(inputs, ops.multiply(kernel, eps))
        # Merged (batch, H, W, K * C): work on (batch, H, W, K, C).
        shape = ops.shape(inputs)
        k = self.replicas
        x = ops.reshape(inputs, tuple(shape[:-1]) + (k, inputs.shape[-1] // k))
        # Drawn in the single layer's shape (batch, 1, ..., 1), per replica.
        eps = _draw_noise(self, shape[0], self.sample_rank + 1)
        eps = ops.reshape(
            ops.transpose(ops.reshape(eps, (k, -1))), (-1, 1, 1, k, 1)
        )
        kernel = ops.transpose(self.noise_kernel, (1, 2, 0, 3))
        x = ops.add(x, ops.multiply(kernel, eps))
        return ops.reshape(x, shape)

    def compute_output_shape(self, input_shape):
        return input_shape


class ReplicaConv(ReplicaLayer):
    """K `Conv2D` layers on the merged layout.

    `grouped=True` computes them as one grouped convolution with K groups
    (one kernel launch: the fast way on a GPU); `False` as K convolutions
    side by side (XLA's CPU grouped convolution is several times slower
    than K plain ones).
    """

    def __init__(self, sources, grouped=True, **kwargs):
        first = sources[0]
        if first.data_format != "channels_last" or first.groups != 1:
            raise ValueError(
                "Replicas support channels_last convolutions without groups. "
                f"Received: layer {first.name!r} with "
                f"data_format={first.data_format!r}, groups={first.groups}"
            )
        super().__init__(len(sources), MERGED, name=first.name, **kwargs)
        self.strides = first.strides
        self.padding = first.padding
        self.dilation_rate = first.dilation_rate
        self.activation = first.activation
        self.use_bias = first.use_bias
        self.filters = first.filters
        self.kernel_regularizer = first.kernel_regularizer
        self.bias_regularizer = first.bias_regularizer
        self.grouped = grouped
        self._initial["kernel"] = np.stack([_value(s.kernel) for s in sources])
        if self.use_bias:
            self._initial["bias"] = np.stack([_value(s.bias) for s in sources])

    def build(self, input_shape):
        self.kernel = self._add_replicated("kernel", self.kernel_regularizer)
        if self.use_bias:
            self.bias = self._add_replicated("bias", self.bias_regularizer)

    def _conv(self, inputs, kernel):
        return ops.conv(
            inputs,
            kernel,
            strides=list(self.strides),
            padding=self.padding,
            dilation_rate=self.dilation_rate,
            data_format="channels_last",
        )

    def call(self, inputs):
        if self.grouped:
            # (K, kh, kw, C, F) -> (kh, kw, C, K * F): group k reads
            # channels k * C ... and writes filters k * F ...
            kernel = ops.transpose(self.kernel, (1, 2, 3, 0, 4))
            shape = ops.shape(kernel)
            kernel = ops.reshape(
                kernel, tuple(shape[:3]) + (self.replicas * self.filters,)
            )
            x = self._conv(inputs, kernel)
        else:
            slices = _to_replica_slices(inputs, MERGED, self.replicas)
            x = _from_replica_slices(
                [self._conv(x, self.kernel[k]) for k, x in enumerate(slices)],
                MERGED,
            )
        if self.use_bias:
            x = ops.add(x, ops.reshape(self.bias, (-1,)))
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        raise NotImplementedError


class ReplicaChannelwise(ReplicaLayer):
    """A per-channel Keras layer (batch norm, pooling) on the merged layout.

    A fresh copy of the source layer built for `K * C` channels computes
    every replica at once; its per-channel weights are the replicas'
    weights laid end to end.
    """

    def __init__(self, sources, **kwargs):
        first = sources[0]
        super().__init__(len(sources), MERGED, name=first.name, **kwargs)
        self.inner = first.__class__.from_config(first.get_config())
        self._sources_weights = [
            {v.name: _value(v) for v in s.weights} for s in sources
        ]

    def build(self, input_shape):
        self.inner.build(input_shape)
        for variable in self.inner.weights:
            value = np.concatenate(
                [w[variable.name] for w in self._sources_weights], axis=-1
            )
            self._pending[variable.name] = (variable, value)
            self._replicated[variable.name] = variable
        self._sources_weights = None

    def call(self, inputs, training=False):
        return self.inner(inputs, training=training)

    def replica_values(self, indices):
        values = {}
        for name, variable in self._replicated.items():
            value = _value(variable)
            size = value.shape[-1] // self.replicas
            values[name] = [
                value[..., index * size : (index + 1) * size]
                for index in indices
            ]
        return values

    def compute_output_shape(self, input_shape):
        return self.inner.compute_output_shape(input_shape)


class ReplicaElementwise(ReplicaLayer):
    """A weightless element-wise layer (activations): the same in any layout."""

    def __init__(self, sources, layout, **kwargs):
        first = sources[0]
        super().__init__(len(sources), layout, name=first.name, **kwargs)
        self.inner = first.__class__.from_config(first.get_config())

    def call(self, inputs, training=False):
        return self.inner(inputs, training=training)

    def compute_output_shape(self, input_shape):
        return input_shape


class ReplicaDropout(ReplicaLayer):
    """K `Dropout` layers: replica k's mask from its own seed generator."""

    def __init__(self, sources, layout, **kwargs):
        first = sources[0]
        super().__init__(len(sources), layout, name=first.name, **kwargs)
        self.rate = first.rate
        self.noise_shape = first.noise_shape
        self.seed_generators = _seed_generators(self, sources)

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        slices = _to_replica_slices(inputs, self.layout, self.replicas)
        slices = [
            keras.random.dropout(
                x, self.rate, noise_shape=self.noise_shape, seed=generator
            )
            for x, generator in zip(slices, self.seed_generators)
        ]
        return _from_replica_slices(slices, self.layout)

    def compute_output_shape(self, input_shape):
        return input_shape


class ReplicaInputCorruption(ReplicaLayer):
    """K `InputCorruption` (CDT) layers, each with its own noise stream."""

    def __init__(self, sources, layout, **kwargs):
        first = sources[0]
        super().__init__(len(sources), layout, name=first.name, **kwargs)
        self.corruptions = [
            (s.sigma_noise, s.mean, s.std, s.space) for s in sources
        ]
        self.seed_generators = _seed_generators(self, sources)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        slices = _to_replica_slices(inputs, self.layout, self.replicas)
        slices = [
            corrupt_tensor(x, *corruption, generator, self.compute_dtype)
            for x, corruption, generator in zip(
                slices, self.corruptions, self.seed_generators
            )
        ]
        return _from_replica_slices(slices, self.layout)

    def compute_output_shape(self, input_shape):
        return input_shape


class ReplicaFlatten(ReplicaLayer):
    """K `Flatten` layers: `(K, batch, d)` out of either layout."""

    def __init__(self, sources, layout, **kwargs):
        super().__init__(len(sources), layout, name=sources[0].name, **kwargs)

    def call(self, inputs):
        if self.layout == STACK:
            shape = ops.shape(inputs)
            return ops.reshape(inputs, (shape[0], shape[1], -1))
        # (batch, H, W, K * C) -> (K, batch, H * W * C), each replica's
        # features in the single Flatten's (H, W, C) order.
        shape = ops.shape(inputs)
        k = self.replicas
        x = ops.reshape(inputs, tuple(shape[:-1]) + (k, inputs.shape[-1] // k))
        rank = len(x.shape)
        x = ops.transpose(
            x, (rank - 2, 0) + tuple(range(1, rank - 2)) + (rank - 1,)
        )
        return ops.reshape(x, (k, shape[0], -1))

    def compute_output_shape(self, input_shape):
        raise NotImplementedError


class ToMerged(keras.layers.Layer):
    """`(K, batch, H, W, C)` -> `(batch, H, W, K * C)`."""

    def call(self, inputs):
        rank = len(inputs.shape)
        x = ops.transpose(
            inputs, (1,) + tuple(range(2, rank - 1)) + (0, rank - 1)
        )
        shape = ops.shape(x)
        return ops.reshape(x, tuple(shape[:-2]) + (shape[-2] * shape[-1],))


class Gather(keras.layers.Layer):
    """The training images on the device; `(batch, K)` indices -> `(K, batch, ...)`.

    Keeping the data set in a (non-trainable) variable makes a training
    step's input a few integers per sample instead of K images.
    """

    def __init__(self, data, **kwargs):
        super().__init__(**kwargs)
        self._data = np.asarray(data, dtype="float32")

    def build(self, input_shape):
        self.data = self.add_weight(
            name="data",
            shape=self._data.shape,
            initializer="zeros",
            trainable=False,
            autocast=False,
            dtype="float32",
        )

    def assign_initial(self):
        self.data.assign(self._data)
        self._data = None

    def call(self, indices):
        indices = ops.cast(indices, "int32")  # Symbolic builds pass floats.
        x = ops.take(self.data, ops.transpose(indices), axis=0)
        return ops.cast(x, self.compute_dtype)
