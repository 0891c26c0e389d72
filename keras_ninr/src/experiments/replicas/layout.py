"""The two activation layouts of replica-batched training, and the data.

- `"stack"`: `(K, batch, ...)`, for flat features (dense layers: one
  batched matmul).
- `"merged"`: `(batch, H, W, K * C)`, for images: replica k owns channels
  `k * C ... (k + 1) * C - 1`. Convolutions are grouped convolutions with K
  groups; batch normalisation, pooling and element-wise layers act per
  channel, so the unchanged Keras layers compute every replica at once.

`Gather` keeps the training images on the device and gives each replica
its own batch in the stack layout; `ToMerged` turns stacked images into the
merged layout.
"""

import keras
import numpy as np
from keras import ops

STACK = "stack"
MERGED = "merged"


def to_replica_slices(x, layout, replicas):
    """Replica k's part of `x`, in the single layer's shape, for every k."""
    if layout == STACK:
        return [x[k] for k in range(replicas)]
    shape = ops.shape(x)
    channels = x.shape[-1] // replicas
    x = ops.reshape(x, tuple(shape[:-1]) + (replicas, channels))
    return [x[..., k, :] for k in range(replicas)]


def from_replica_slices(slices, layout):
    """The inverse of `to_replica_slices`."""
    if layout == STACK:
        return ops.stack(slices, axis=0)
    x = ops.stack(slices, axis=-2)
    shape = ops.shape(x)
    return ops.reshape(x, tuple(shape[:-2]) + (shape[-2] * shape[-1],))


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
