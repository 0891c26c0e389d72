"""Replica training: K runs of one network in one compiled step."""

from keras_ninr.src.experiments.replicas.batches import EpochBatches
from keras_ninr.src.experiments.replicas.batches import ReplicaBatches
from keras_ninr.src.experiments.replicas.batches import epoch_order
from keras_ninr.src.experiments.replicas.model import ReplicaModel
from keras_ninr.src.experiments.replicas.training import fit_replicas

__all__ = [
    "EpochBatches",
    "ReplicaBatches",
    "ReplicaModel",
    "epoch_order",
    "fit_replicas",
]
