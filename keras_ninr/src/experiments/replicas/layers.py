"""Replica-batched counterparts of the layers the paper's networks use.

Each layer here stands for the same layer of K models that differ only in
their weights, seeds and sigma_eps. Weights carry a leading replica axis,
every replica keeps its own seed generators, and each replica's output is
computed with the same operations as the single layer's, so that training
the K replicas together gives each the result it would get alone (up to
floating-point order). The activations are in one of two layouts
(`keras_ninr.src.experiments.replicas.layout`).
"""

import keras
import numpy as np
from keras import ops

from keras_ninr.src.corruption import corrupt_tensor

from keras_ninr.src.experiments.replicas.layout import MERGED
from keras_ninr.src.experiments.replicas.layout import STACK
from keras_ninr.src.experiments.replicas.layout import from_replica_slices
from keras_ninr.src.experiments.replicas.layout import to_replica_slices


def _value(variable):
    return np.asarray(ops.convert_to_numpy(variable))


class ReplicaLayer(keras.layers.Layer):
    """Base: stands for the K `sources` layers, named as they are.

    Subclasses list their weights in `_initial` (name -> stacked NumPy
    array, replica axis first) before `build`, create them with
    `_add_replicated`, and give replica k's values with `replica_values`.
    A replica layer keeps its input's shape unless it says otherwise.
    """

    def __init__(self, sources, layout, **kwargs):
        super().__init__(name=sources[0].name, **kwargs)
        self.replicas = len(sources)
        self.layout = layout
        self._initial = {}
        self._replicated = {}
        self._pending = {}

    def _stack(self, name, sources, attribute=None):
        """Stack the sources' `attribute` (default: `name`) as `name`."""
        self._initial[name] = np.stack(
            [_value(getattr(s, attribute or name)) for s in sources]
        )

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

    def compute_output_shape(self, input_shape):
        return input_shape


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


def _init_noise(layer, sources):
    """The NIN of NIN-carrying sources: replica k's NIW, sigma_eps (the
    variable as it is) and noise stream."""
    layer.noise_regularizer = sources[0].noise_regularizer
    layer._stack("noise_kernel", sources)
    layer._stack("noise_stddev", sources, "_noise_stddev_variable")
    layer.distributions = [s.noise_distribution for s in sources]
    layer.seed_generators = _seed_generators(layer, sources)


def _build_noise(layer):
    layer.noise_kernel = layer._add_replicated(
        "noise_kernel", layer.noise_regularizer
    )
    layer.noise_stddev = layer._add_replicated("noise_stddev", trainable=False)


def _draw_noise(layer, batch_size, rank, unit_noise=None):
    """`(K, batch, 1, ..., 1)` scaled draws, replica k from its own stream.

    The same operations as `NoiseInjectionLayer.draw_noise` for each
    replica: a unit draw of shape `(batch,) + (1,) * (rank - 1)` (or
    replica k's slice of the shared `unit_noise`, `(K, batch, 1)`) times
    its sigma_eps.
    """
    shape = (batch_size,) + (1,) * (rank - 1)
    dtype = layer.compute_dtype
    draws = []
    for k, (distribution, generator) in enumerate(
        zip(layer.distributions, layer.seed_generators)
    ):
        if unit_noise is None:
            unit = distribution(shape, generator, dtype)
        else:
            unit = ops.reshape(unit_noise[k], shape)
        stddev = ops.cast(layer.noise_stddev[k], dtype)
        draws.append(ops.multiply(ops.cast(unit, dtype), stddev))
    return ops.stack(draws, axis=0)


def _init_kernel_and_bias(layer, sources):
    """The kernel, bias and activation of Dense or Conv2D sources."""
    first = sources[0]
    layer.activation = first.activation
    layer.use_bias = first.use_bias
    layer.kernel_regularizer = first.kernel_regularizer
    layer.bias_regularizer = first.bias_regularizer
    layer._stack("kernel", sources)
    if layer.use_bias:
        layer._stack("bias", sources)


def _build_kernel_and_bias(layer):
    layer.kernel = layer._add_replicated("kernel", layer.kernel_regularizer)
    if layer.use_bias:
        layer.bias = layer._add_replicated("bias", layer.bias_regularizer)


class ReplicaDense(ReplicaLayer):
    """K `Dense` (or `NoiseInjectionDense`) layers: one batched matmul.

    Inputs `(K, batch, d)`; outputs `(K, batch, units)`.
    """

    def __init__(self, sources, **kwargs):
        super().__init__(sources, STACK, **kwargs)
        self.units = sources[0].units
        _init_kernel_and_bias(self, sources)
        self.noise = hasattr(sources[0], "noise_kernel")
        if self.noise:
            _init_noise(self, sources)

    def build(self, input_shape):
        _build_kernel_and_bias(self)
        if self.noise:
            _build_noise(self)

    def call(self, inputs, training=False, unit_noise=None):
        x = ops.matmul(inputs, self.kernel)
        if training and self.noise:
            # (K, batch, 1): replica k's draws, as NoiseInjectionDense's,
            # added before the bias as there.
            eps = _draw_noise(self, ops.shape(inputs)[1], 2, unit_noise)
            x = ops.add(
                x, ops.multiply(eps, ops.expand_dims(self.noise_kernel, 1))
            )
        if self.use_bias:
            x = ops.add(x, ops.expand_dims(self.bias, 1))
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)


class ReplicaNoisePixel(ReplicaLayer):
    """K `NoiseInjectionPixel` layers, in either layout."""

    def __init__(self, sources, layout, **kwargs):
        super().__init__(sources, layout, **kwargs)
        self.sample_rank = len(sources[0].noise_kernel.shape)
        _init_noise(self, sources)

    def build(self, input_shape):
        _build_noise(self)

    def call(self, inputs, training=False, unit_noise=None):
        if not training:
            return inputs
        if self.layout == STACK:
            batch_size = ops.shape(inputs)[1]
            eps = _draw_noise(
                self, batch_size, self.sample_rank + 1, unit_noise
            )
            kernel = ops.expand_dims(self.noise_kernel, 1)
            return ops.add(inputs, ops.multiply(kernel, eps))
        # Merged (batch, H, W, K * C): work on (batch, H, W, K, C).
        shape = ops.shape(inputs)
        k = self.replicas
        x = ops.reshape(inputs, tuple(shape[:-1]) + (k, inputs.shape[-1] // k))
        # Drawn in the single layer's shape (batch, 1, ..., 1), per replica.
        eps = _draw_noise(self, shape[0], self.sample_rank + 1, unit_noise)
        eps = ops.reshape(
            ops.transpose(ops.reshape(eps, (k, -1))), (-1, 1, 1, k, 1)
        )
        kernel = ops.transpose(self.noise_kernel, (1, 2, 0, 3))
        x = ops.add(x, ops.multiply(kernel, eps))
        return ops.reshape(x, shape)


class ReplicaNoiseSource(ReplicaLayer):
    """K `NoiseSource` layers: `(K, batch, 1)` unit draws, replica k's from
    its own stream in its source's state, for the replica NIN layers its
    source fed. Off the data path: it is called on the sample indices."""

    def __init__(self, sources, **kwargs):
        super().__init__(sources, STACK, **kwargs)
        self.distributions = [s.noise_distribution for s in sources]
        self.seed_generators = _seed_generators(self, sources)
        # No weights to build; the model builds it on its first training
        # step only, so it says so itself.
        self.built = True

    def call(self, indices):
        shape = (ops.shape(indices)[0], 1)
        dtype = self.compute_dtype
        return ops.stack(
            [
                ops.cast(distribution(shape, generator, dtype), dtype)
                for distribution, generator in zip(
                    self.distributions, self.seed_generators
                )
            ],
            axis=0,
        )

    def compute_output_shape(self, input_shape):
        return (self.replicas, input_shape[0], 1)


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
        super().__init__(sources, MERGED, **kwargs)
        self.strides = first.strides
        self.padding = first.padding
        self.dilation_rate = first.dilation_rate
        self.filters = first.filters
        self.grouped = grouped
        _init_kernel_and_bias(self, sources)

    def build(self, input_shape):
        _build_kernel_and_bias(self)

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
            slices = to_replica_slices(inputs, MERGED, self.replicas)
            x = from_replica_slices(
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
        super().__init__(sources, MERGED, **kwargs)
        first = sources[0]
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


class ReplicaShared(ReplicaLayer):
    """A layer that is one and the same in all K replicas, in any layout.

    Element-wise layers without weights (activations), and the
    `Standardization` layer, whose mean and std are the training set's:
    the replicas of a group train on one data set, so share them (sources
    that differ raise a `ValueError` naming the values). A copy of the
    first source, its weights included, computes every replica at once.
    """

    def __init__(self, sources, layout, **kwargs):
        super().__init__(sources, layout, **kwargs)
        described = [_describe(source) for source in sources]
        if any(d != described[0] for d in described):
            raise ValueError(
                f"The replicas of a group must share layer {self.name!r} "
                f"({sources[0].__class__.__name__}): they train on one data "
                f"set, with one standardisation. Received, per replica: "
                f"{described}"
            )
        first = sources[0]
        self.inner = first.__class__.from_config(first.get_config())
        self._weights = [_value(v) for v in first.weights]

    def build(self, input_shape):
        self.inner.build(input_shape)
        for index, variable in enumerate(self.inner.weights):
            self._pending[f"shared_{index}"] = (variable, self._weights[index])
        self._weights = None

    def call(self, inputs, training=False):
        return self.inner(inputs, training=training)


def _describe(layer):
    """A layer's configuration (but its name) and weight values."""
    config = {k: v for k, v in layer.get_config().items() if k != "name"}
    for variable in layer.weights:
        config[variable.name] = _value(variable).tolist()
    return config


class _ReplicaRandom(ReplicaLayer):
    """Base of the training-only random layers (Dropout, CDT): each replica's
    slice goes through the single layer's operation with its own seed
    generator, in the source's state."""

    def __init__(self, sources, layout, **kwargs):
        super().__init__(sources, layout, **kwargs)
        self.seed_generators = _seed_generators(self, sources)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        slices = to_replica_slices(inputs, self.layout, self.replicas)
        slices = [
            self.apply_one(k, x, generator)
            for k, (x, generator) in enumerate(
                zip(slices, self.seed_generators)
            )
        ]
        return from_replica_slices(slices, self.layout)


class ReplicaDropout(_ReplicaRandom):
    """K `Dropout` layers: replica k's mask from its own seed generator."""

    def __init__(self, sources, layout, **kwargs):
        super().__init__(sources, layout, **kwargs)
        self.rate = sources[0].rate
        self.noise_shape = sources[0].noise_shape

    def apply_one(self, k, x, generator):
        if self.rate <= 0:
            return x
        return keras.random.dropout(
            x, self.rate, noise_shape=self.noise_shape, seed=generator
        )


class ReplicaInputCorruption(_ReplicaRandom):
    """K `InputCorruption` (CDT) layers on pixels, each with its own
    strength and noise stream (`corrupt_tensor`, as the single layer)."""

    def __init__(self, sources, layout, **kwargs):
        super().__init__(sources, layout, **kwargs)
        self.corruptions = [
            (s.sigma_noise, s.mean, s.std, s.space) for s in sources
        ]

    def apply_one(self, k, x, generator):
        return corrupt_tensor(
            x, *self.corruptions[k], generator, self.compute_dtype
        )


class ReplicaFlatten(ReplicaLayer):
    """K `Flatten` layers: `(K, batch, d)` out of either layout."""

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
