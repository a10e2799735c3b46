"""Analog limit alarms: deadband (issue 4, point 5), on/off delays (point 6), quality, rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.alarms import AnalogEvaluator, AnalogLimits, Level
from app.points import Quality


def _feed(evaluator: AnalogEvaluator, samples, level: Level = Level.H) -> list[bool]:
    return [evaluator.update(ts, value)[level] for ts, value in samples]


# -- point 5: deadband -------------------------------------------------------------


def test_deadband_a_value_swinging_around_the_limit_raises_one_alarm_cleared_below_98():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, deadband=2))
    swings = [99, 101, 99, 101, 99, 98.5, 98.0, 101, 99]
    active = _feed(evaluator, enumerate(swings))
    assert active == [False, True, True, True, True, True, True, True, True]
    # exactly one rising edge over the whole swing
    assert sum(1 for a, b in zip([False, *active], active, strict=False) if b and not a) == 1
    assert evaluator.update(20, 97.9)[Level.H] is False
    assert evaluator.update(21, 99)[Level.H] is False  # re-raise needs > 100 again
    assert evaluator.update(22, 100.5)[Level.H] is True


def test_without_deadband_the_same_swing_raises_each_time():
    evaluator = AnalogEvaluator(AnalogLimits(h=100))
    active = _feed(evaluator, enumerate([99, 101, 99, 101]))
    assert active == [False, True, False, True]


def test_low_limit_deadband_is_mirrored():
    evaluator = AnalogEvaluator(AnalogLimits(l=10, deadband=1))
    active = _feed(evaluator, enumerate([11, 9, 10.5, 11.0, 11.1]), Level.L)
    assert active == [False, True, True, True, False]


def test_hh_and_h_are_independent_conditions():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, hh=110, l=10, ll=0))
    assert evaluator.update(0, 115) == {
        Level.LL: False,
        Level.L: False,
        Level.H: True,
        Level.HH: True,
    }
    assert evaluator.update(1, 105) == {
        Level.LL: False,
        Level.L: False,
        Level.H: True,
        Level.HH: False,
    }
    assert evaluator.update(2, -1) == {
        Level.LL: True,
        Level.L: True,
        Level.H: False,
        Level.HH: False,
    }


def test_only_configured_levels_are_reported():
    evaluator = AnalogEvaluator(AnalogLimits(hh=90))
    assert evaluator.update(0, 95) == {Level.HH: True}


# -- point 6: on-delay and off-delay ------------------------------------------------


def test_a_spike_shorter_than_the_on_delay_raises_nothing():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, on_delay_s=5))
    active = _feed(evaluator, [(0, 90), (1, 101), (2, 105), (5.9, 101), (6, 90), (20, 90)])
    assert not any(active)


def test_a_condition_held_for_the_on_delay_becomes_active():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, on_delay_s=5))
    active = _feed(evaluator, [(0, 90), (1, 101), (3, 101), (5.9, 101), (6, 101)])
    assert active == [False, False, False, False, True]


def test_the_on_delay_restarts_after_an_interruption():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, on_delay_s=5))
    active = _feed(evaluator, [(0, 101), (3, 99), (4, 101), (8, 101), (9, 101)])
    assert active == [False, False, False, False, True]  # 4 + 5 = 9, not 0 + 5


def test_a_dip_shorter_than_the_off_delay_does_not_clear():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, off_delay_s=10))
    active = _feed(evaluator, [(0, 101), (1, 90), (5, 90), (10.9, 90), (11, 101), (30, 101)])
    assert all(active)


def test_a_condition_clear_for_the_off_delay_returns_to_normal():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, off_delay_s=10))
    active = _feed(evaluator, [(0, 101), (1, 90), (10.9, 90), (11, 90)])
    assert active == [True, True, True, False]


def test_with_a_deadband_a_return_inside_the_band_interrupts_the_off_delay():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, deadband=2, off_delay_s=5))
    samples = [(0, 101), (1, 97), (4, 99), (5, 97), (9.9, 97), (10, 97)]
    assert _feed(evaluator, samples) == [True, True, True, True, True, False]


def test_with_a_deadband_a_value_inside_the_band_interrupts_the_on_delay():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, deadband=2, on_delay_s=5))
    samples = [(0, 101), (3, 99), (4, 101), (8, 101), (9, 101)]
    assert _feed(evaluator, samples) == [False, False, False, False, True]


# -- quality ------------------------------------------------------------------------


@pytest.mark.parametrize("quality", [Quality.BAD_COMM_LOST, Quality.BAD_INVALID, Quality.BAD])
def test_a_bad_value_keeps_the_state(quality):
    evaluator = AnalogEvaluator(AnalogLimits(h=100))
    assert evaluator.update(0, 101)[Level.H] is True
    assert evaluator.update(1, 0, quality)[Level.H] is True  # not a clear
    evaluator = AnalogEvaluator(AnalogLimits(h=100))
    assert evaluator.update(0, 99)[Level.H] is False
    assert evaluator.update(1, 500, quality)[Level.H] is False  # not a raise


def test_missing_or_nan_values_are_not_evaluated():
    evaluator = AnalogEvaluator(AnalogLimits(h=100))
    assert evaluator.update(0, None)[Level.H] is False
    assert evaluator.update(1, float("nan"))[Level.H] is False
    assert evaluator.update(2, 101)[Level.H] is True


def test_an_uncertain_value_is_evaluated():
    evaluator = AnalogEvaluator(AnalogLimits(h=100))
    assert evaluator.update(0, 101, Quality.UNCERTAIN_SUBSTITUTED)[Level.H] is True


def test_a_bad_gap_restarts_the_on_delay():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, on_delay_s=5))
    evaluator.update(0, 101)
    evaluator.update(3, 0, Quality.BAD_COMM_LOST)
    assert evaluator.update(5, 101)[Level.H] is False  # unknown in between: not continuous
    assert evaluator.update(10, 101)[Level.H] is True


# -- rule validation ----------------------------------------------------------------


def _errors(**fields) -> list[tuple[str, str]]:
    """(field, message) of each validation error."""
    with pytest.raises(ValidationError) as info:
        AnalogLimits(**fields)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in info.value.errors()]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"h": 120, "hh": 110}, "h", "h=120 is not below hh=110"),
        ({"l": 5, "ll": 10}, "ll", "ll=10 is not below l=5"),
        ({"h": 10, "l": 20}, "l", "l=20 is not below h=10"),
        ({"ll": 50, "hh": 40}, "ll", "ll=50 is not below hh=40"),
        ({"h": 100, "hh": 100}, "h", "h=100 is not below hh=100"),
        ({"l": 30, "h": 100, "hh": 20}, "h", "h=100 is not below hh=20"),
    ],
)
def test_limits_out_of_order_are_rejected_naming_field_and_value(fields, field, message):
    errors = _errors(**fields)
    assert errors[0][0] == field
    assert message in errors[0][1]


def test_a_rule_without_limits_is_rejected():
    assert "at least one of hh, h, l, ll" in _errors(deadband=1)[0][1]


@pytest.mark.parametrize("field", ["deadband", "on_delay_s", "off_delay_s"])
def test_negative_deadband_and_delays_are_rejected(field):
    assert _errors(h=1, **{field: -1}) == [(field, "Input should be greater than or equal to 0")]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"h": 1, "hi": 2}, "hi", "Extra inputs are not permitted"),
        ({"h": "very high"}, "h", "valid number"),
        ({"hh": float("inf")}, "hh", "finite number"),
        ({"ll": float("nan")}, "ll", "finite number"),
    ],
)
def test_unknown_fields_and_wrong_values_are_rejected(fields, field, words):
    ((where, message),) = _errors(**fields)
    assert where == field
    assert words in message


def test_a_valid_rule_in_order():
    limits = AnalogLimits(ll=0, l=10, h=90, hh=100, deadband=1, on_delay_s=2, off_delay_s=3)
    assert limits.levels() == (Level.LL, Level.L, Level.H, Level.HH)
    assert AnalogLimits(l=-5, hh=5).levels() == (Level.L, Level.HH)
