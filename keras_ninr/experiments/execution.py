"""How the kit's runs call `fit`: several steps per call, data on the
device (see `keras_ninr.src.experiments.execution`)."""

from keras_ninr.src.experiments.execution import BACKENDS
from keras_ninr.src.experiments.execution import DEVICE_KINDS
from keras_ninr.src.experiments.execution import STEPS_PER_EXECUTION
from keras_ninr.src.experiments.execution import DeviceData
from keras_ninr.src.experiments.execution import DeviceDataModel
from keras_ninr.src.experiments.execution import device_kind
from keras_ninr.src.experiments.execution import steps_per_execution

__all__ = [
    "BACKENDS",
    "DEVICE_KINDS",
    "STEPS_PER_EXECUTION",
    "DeviceData",
    "DeviceDataModel",
    "device_kind",
    "steps_per_execution",
]
