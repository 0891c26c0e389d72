"""The stopping rule and the divergence test, as every trainer applies them."""

import math

import pytest

from keras_ninr.callbacks import PhaseMonitor
from keras_ninr.callbacks import StopAtTrainAccuracy
from keras_ninr.src import training_rules
from keras_ninr.src.callbacks.phase_monitor import PhaseTrace


def test_the_paper_stops_at_98_percent():
    assert training_rules.TARGET_ACCURACY == 0.98
    assert StopAtTrainAccuracy().target == 0.98
    rule = training_rules.reached_target_accuracy
    assert rule(0.98, 0.98) and rule(0.99, 0.98)
    assert not rule(0.9799, 0.98)
    assert not rule(math.nan, 0.98)


@pytest.mark.parametrize("target", [0.0, 1.5, "0.9", True, None])
def test_a_target_is_an_accuracy(target):
    with pytest.raises(ValueError, match=f"target_accuracy={target!r}"):
        training_rules.check_target_accuracy(target)


def test_divergence_is_a_non_finite_value_or_an_exploded_loss():
    divergent = training_rules.is_divergent
    assert divergent(math.nan)
    assert divergent(math.inf)
    assert divergent(1.0, niw_norm=math.nan)
    assert not divergent(1.0, niw_norm=2.0)
    assert not divergent(150.0)  # Without a start, only finiteness counts.
    assert divergent(150.0, start_loss=1.0)
    assert not divergent(99.0, start_loss=1.0)
    assert divergent(30.0, start_loss=1.0, explosion_factor=20.0)
    assert not divergent(150.0, start_loss=0.0)  # No scale to explode from.


def test_phase_monitor_and_trace_use_the_rule():
    assert PhaseMonitor().explosion_factor == training_rules.EXPLOSION_FACTOR
    trace = PhaseTrace()
    trace.begin({"niw_norm": 1.0})
    trace.update(0, 1, 0, 2.0, lambda: {"niw_norm": 1.0}, due=True)
    exploded = {"loss": 201.0, "niw_norm": 1.0}
    assert trace.diverged_at(exploded)
    assert not trace.diverged_at({"loss": 199.0, "niw_norm": 1.0})
    assert trace.diverged_at({"loss": 1.0, "niw_norm": math.inf})
