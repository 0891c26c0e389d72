"""Callbacks that log, schedule and stop NINR training."""

from keras_ninr.src.callbacks.niw_norm_logger import NIWNormLogger
from keras_ninr.src.callbacks.noise_scheduler import NoiseScheduler
from keras_ninr.src.callbacks.phase_monitor import PhaseMonitor
from keras_ninr.src.callbacks.stop_at_train_accuracy import StopAtTrainAccuracy

__all__ = [
    "NIWNormLogger",
    "NoiseScheduler",
    "PhaseMonitor",
    "StopAtTrainAccuracy",
]
