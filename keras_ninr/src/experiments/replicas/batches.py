"""The order a run sees its training data in, shared by single and replica runs.

Keras's own shuffling draws from a backend's global RNG (NumPy on JAX and
torch, `tf.random` on TensorFlow), so a run's batches would depend on the
backend and on what else drew random numbers. A sweep run instead sees the
data in `epoch_order(seed, epoch, n)`, a permutation drawn from its own
seed: the same on every backend, and the same whether the run trains alone
(`EpochBatches`) or as one of K replicas (`ReplicaBatches`). Keras's `fit`
calls a `PyDataset`'s `on_epoch_end` once before the first epoch too, so
epoch `e` of a `fit` (from 0) trains in `epoch_order(seed, e + 1, n)`
(`keras_ninr.src.experiments.execution.trained_epoch_order`); committed
results were made so, and `DeviceDataModel` keeps that order.
"""

import math

import keras
import numpy as np

from keras_ninr.src.experiments.execution import epoch_order


class _OrderedBatches(keras.utils.PyDataset):
    """Batches in `epoch_order`, advancing one epoch per `on_epoch_end`."""

    def __init__(self, size, batch_size, seeds):
        super().__init__()
        self.size = int(size)
        self.batch_size = int(batch_size)
        self.seeds = [int(seed) for seed in seeds]
        self.epoch = 0
        self._orders = None

    def __len__(self):
        return math.ceil(self.size / self.batch_size)

    def _indices(self, index):
        if self._orders is None:
            self._orders = [
                epoch_order(seed, self.epoch, self.size) for seed in self.seeds
            ]
        start = index * self.batch_size
        stop = min(start + self.batch_size, self.size)
        return [order[start:stop] for order in self._orders]

    def on_epoch_end(self):
        self.epoch += 1
        self._orders = None


class EpochBatches(_OrderedBatches):
    """`(x, y)` batches of one run, in `epoch_order(seed, epoch, len(x))`.

    Pass it to `fit` with `shuffle=False`.
    """

    def __init__(self, x, y, batch_size, seed):
        super().__init__(len(x), batch_size, [seed])
        self.x = x
        self.y = y

    def __getitem__(self, index):
        (indices,) = self._indices(index)
        return self.x[indices], self.y[indices]


class ReplicaBatches(_OrderedBatches):
    """`(indices, labels)` batches of K runs, each `(batch, K)`.

    Column k holds the sample indices run k (seed `seeds[k]`) would see
    alone; the images stay on the device (`layers.Gather`).
    """

    def __init__(self, y, batch_size, seeds):
        super().__init__(len(y), batch_size, seeds)
        self.y = np.asarray(y)

    def __getitem__(self, index):
        indices = np.stack(self._indices(index), axis=1).astype("int32")
        return indices, self.y[indices]
