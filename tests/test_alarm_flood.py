"""Alarm floods across all alarms (issue 4, point 9): > 10 in 10 min starts, < 5 ends."""

from __future__ import annotations

import pytest

from app.alarms import FloodDetector

T0 = 1_780_000_000.0


def _burst(flood: FloodDetector, count: int, start: float, step: float = 10.0) -> list[bool]:
    return [flood.record(start + i * step) for i in range(count)]


def test_ten_activations_in_ten_minutes_are_not_a_flood():
    flood = FloodDetector()
    assert not any(_burst(flood, 10, T0))
    assert flood.time_in_flood(T0 + 1000) == 0


def test_the_eleventh_activation_within_ten_minutes_starts_a_flood():
    flood = FloodDetector()
    states = _burst(flood, 11, T0, step=50)  # 11 within 500 s
    assert states == [False] * 10 + [True]
    assert flood.flood_since == T0 + 500


def test_eleven_activations_spread_over_more_than_ten_minutes_are_not_a_flood():
    flood = FloodDetector()
    assert not any(_burst(flood, 11, T0, step=61))  # the first has left when the 11th comes


def test_the_flood_ends_when_fewer_than_five_remain_and_its_time_is_reported():
    flood = FloodDetector()
    _burst(flood, 11, T0)  # T0 .. T0 + 100; the flood starts at T0 + 100
    # 5 or more remain in (now - 600, now] until T0 + 60 leaves, at T0 + 660
    assert flood.update(T0 + 659)
    assert flood.time_in_flood(T0 + 659) == pytest.approx(559)
    assert not flood.update(T0 + 661)
    assert flood.floods == [(T0 + 100, T0 + 660)]
    assert flood.time_in_flood(T0 + 5000) == pytest.approx(560)


def test_the_end_time_does_not_depend_on_how_late_it_is_noticed():
    flood = FloodDetector()
    _burst(flood, 11, T0)
    assert not flood.update(T0 + 3600)  # first evaluation long after the flood thinned out
    assert flood.floods == [(T0 + 100, T0 + 660)]


def test_between_five_and_ten_in_the_window_a_flood_goes_on():
    flood = FloodDetector()
    _burst(flood, 11, T0)
    # keep 6 arriving per 10 minutes: never > 10 again, never < 5
    for i in range(1, 19):
        assert flood.record(T0 + 100 + i * 100)
    assert flood.in_flood


def test_floods_add_up():
    flood = FloodDetector()
    _burst(flood, 11, T0)  # flood from T0 + 100 to T0 + 660
    _burst(flood, 11, T0 + 10_000)  # from T0 + 10_100 to T0 + 10_660
    assert flood.time_in_flood(T0 + 20_000) == pytest.approx(1120)
    assert len(flood.floods) == 2


def test_an_ongoing_flood_counts_up_to_now():
    flood = FloodDetector()
    _burst(flood, 20, T0, step=5)  # starts at the 11th, T0 + 50
    assert flood.time_in_flood(T0 + 120) == pytest.approx(70)


def test_thresholds_that_could_never_end_a_flood_are_rejected():
    with pytest.raises(ValueError, match="end_below"):
        FloodDetector(start_above=10, end_below=12)
    with pytest.raises(ValueError, match="end_below"):
        FloodDetector(end_below=0)
