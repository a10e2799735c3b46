"""The simulator's profile library (simulator/profiles.py, docs/simulator.md): deterministic
for a seed, the documented peak ranges, and the shape each profile is named for."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pytest

from app.config.loader import load_station
from app.paths import DEMO_STATION
from simulator import profiles as P
from simulator.series import simulated_series

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


def _ts(day: dt.date, hour: float = 0.0) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=ZONE).timestamp() + hour * 3600


def _day(kw: np.ndarray, start: dt.date, day: dt.date, step_s: int, h0: float, h1: float) -> float:
    """Mean kW of ``day`` between local hours h0 and h1, in a series that starts at ``start``."""
    per_h = 3600 // step_s
    first = (day - start).days * 24 * per_h
    return float(kw[first + int(h0 * per_h) : first + int(h1 * per_h)].mean())


@pytest.mark.parametrize("name", sorted(P.PROFILES))
def test_profiles_are_deterministic_for_a_seed_and_independent_of_the_start(name: str) -> None:
    t0 = _ts(dt.date(2026, 7, 6))
    a = P.load_kw(name, t0, 3, 300, seed=3)
    assert np.array_equal(a, P.load_kw(name, t0, 3, 300, seed=3))
    assert not np.array_equal(a, P.load_kw(name, t0, 3, 300, seed=4))
    # a series started a day later holds the same values at the same instants (but the
    # commercial building's growth, which compounds from the series' start)
    later = P.load_kw(name, t0 + 86400, 2, 300, seed=3)
    if name == "commercial_growth":
        later = later * 1.02 ** (1 / 7)
    assert np.allclose(later[: 288 * 2], a[288 : 288 * 3])


def test_a_coarser_step_is_the_average_of_the_finer_one() -> None:
    t0 = _ts(dt.date(2026, 7, 6))
    fine = P.load_kw("cold_store", t0, 1, 60, seed=1)
    coarse = P.load_kw("cold_store", t0, 1, 300, seed=1)
    assert np.allclose(coarse, fine.reshape(-1, 5).mean(axis=1))


@pytest.mark.parametrize("season", ["winter", "summer"])
@pytest.mark.parametrize("name", sorted(P.PROFILES))
def test_month_peak_is_in_the_documented_range(name: str, season: str) -> None:
    kw = P.load_kw(name, _ts(P.MONTHS[season]), 30, 300, seed=2)
    lo, hi = P.PROFILES[name].peak_kw
    assert lo >= 400.0 and hi <= 900.0
    assert lo <= kw.max() <= hi, f"{name} {season}: peak {kw.max():.0f} kW"
    assert kw.min() >= 0.0


def test_factory_runs_two_shifts_with_a_changeover_and_rests_on_sunday() -> None:
    start = dt.date(2026, 7, 6)  # a Monday
    f = P.FactoryTwoShift(spikes_per_day=0.0)
    kw = P.load_kw(f, _ts(start), 7, 300, seed=1)
    night = _day(kw, start, start, 300, 0, 5)
    morning = _day(kw, start, start, 300, 7, 9.5)
    evening = _day(kw, start, start, 300, 15, 17.5)
    assert morning > 4 * night and evening > 4 * night
    assert _day(kw, start, start, 300, 14.0, 14.25) < 0.7 * morning  # the changeover
    saturday, sunday = start + dt.timedelta(days=5), start + dt.timedelta(days=6)
    assert _day(kw, start, saturday, 300, 7, 9.5) > 4 * night  # one shift on Saturday
    assert _day(kw, start, saturday, 300, 15, 17.5) < 2 * night
    assert _day(kw, start, sunday, 300, 7, 17.5) < 2 * night


def test_factory_spikes_last_twenty_minutes() -> None:
    t0 = _ts(dt.date(2026, 7, 6))
    spiky = P.load_kw("factory_two_shift", t0, 28, 60, seed=1)
    calm = P.load_kw(P.FactoryTwoShift(spikes_per_day=0.0), t0, 28, 60, seed=1)
    extra = spiky - calm
    assert extra.max() >= 140.0
    on = (extra > 1.0).astype(np.int8)
    edges = np.diff(np.concatenate(([0], on, [0])))
    lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    assert lengths.size >= 5  # several spikes in four weeks
    assert set(lengths.tolist()) <= {20, 40, 60}  # 20 minutes (or two, three overlapping)
    assert 20 in lengths


def test_commercial_load_grows_about_two_percent_a_week() -> None:
    t0 = _ts(dt.date(2026, 7, 1))
    grown = P.load_kw("commercial_growth", t0, 28, 900, seed=1)
    flat = P.load_kw(P.CommercialGrowth(weekly_growth=0.0), t0, 28, 900, seed=1)
    ratio = grown / flat
    assert ratio[0] == pytest.approx(1.0, abs=0.005)
    assert ratio[4 * 24 * 21] == pytest.approx(1.02**3, abs=0.005)
    afternoon = _day(flat, dt.date(2026, 7, 1), dt.date(2026, 7, 8), 900, 14, 17)
    morning = _day(flat, dt.date(2026, 7, 1), dt.date(2026, 7, 8), 900, 9, 11)
    assert afternoon > morning  # the afternoon peak


def test_cold_store_is_flat_and_its_compressors_cycle() -> None:
    start = dt.date(2026, 7, 6)
    kw = P.load_kw("cold_store", _ts(start), 1, 60, seed=1)
    jumps = np.abs(np.diff(kw)) > 60.0
    assert jumps.sum() > 40  # on/off edges of four compressors over a day
    day, night = _day(kw, start, start, 60, 9, 17), _day(kw, start, start, 60, 0, 6)
    assert 0.8 < day / night < 1.4


def test_office_is_low_on_a_listed_holiday_and_works_a_makeup_saturday() -> None:
    start = dt.date(2026, 9, 28)
    kw = P.load_kw("office_holidays", _ts(start), 14, 300, seed=1)
    assert dt.date(2026, 10, 1) in P.PUBLIC_HOLIDAYS
    working = _day(kw, start, dt.date(2026, 9, 29), 300, 10, 16)  # a Tuesday
    holiday = _day(kw, start, dt.date(2026, 10, 1), 300, 10, 16)  # National Day, Thursday
    makeup = _day(kw, start, dt.date(2026, 10, 10), 300, 10, 16)  # Saturday worked
    sunday = _day(kw, start, dt.date(2026, 10, 11), 300, 10, 16)
    assert holiday < 0.4 * working
    assert makeup > 0.8 * working
    assert sunday < 0.4 * working


def test_school_term_and_summer_break() -> None:
    start = dt.date(2026, 7, 6)
    kw = P.load_kw("school", _ts(start), 14, 300, seed=1)
    term = _day(kw, start, dt.date(2026, 7, 8), 300, 8, 21)  # Wednesday in term
    summer = _day(kw, start, dt.date(2026, 7, 15), 300, 8, 21)  # Wednesday in the break
    assert summer < 0.4 * term
    assert _day(kw, start, dt.date(2026, 7, 8), 300, 19, 21) > 2 * summer  # evening study


def test_ev_depot_charges_from_the_evening_into_the_night() -> None:
    start = dt.date(2026, 7, 6)
    kw = P.load_kw("ev_depot", _ts(start), 3, 300, seed=1)
    evening = _day(kw, start, dt.date(2026, 7, 7), 300, 19, 23)
    morning = _day(kw, start, dt.date(2026, 7, 7), 300, 7, 10)
    night = _day(kw, start, dt.date(2026, 7, 8), 300, 0, 2)
    assert evening > 400 and evening > 5 * morning and night > morning


def test_weathers_rank_clear_clouds_rainy_and_pv_sleeps_at_night() -> None:
    t0 = _ts(dt.date(2026, 7, 1))
    energy = {}
    for name in P.WEATHERS:
        pv = P.pv_kw(name, t0, 30, 300, seed=2)
        assert np.array_equal(pv, P.pv_kw(name, t0, 30, 300, seed=2))
        assert pv.min() >= 0.0 and pv.max() <= 1000.0
        assert pv[: 12 * 4].max() == 0.0  # 00:00-04:00 local
        energy[name] = pv.sum()
    assert energy["clear"] > energy["clouds"] > energy["rainy"] > 0.2 * energy["clear"]


def test_demo_profile_under_the_demo_weather_is_the_simulators_series() -> None:
    station = load_station(DEMO_STATION)
    t0 = _ts(dt.date(2026, 7, 1))
    load, pv = P.profile_series(station, "demo", "demo", t0, 1, 300, seed=1)
    ref_load, ref_pv = simulated_series(station, t0, 1, 300, 1)
    assert np.array_equal(load.kw, ref_load.kw) and np.array_equal(pv.kw, ref_pv.kw)
    # the demo profile on its own (with a library weather's PV) is today's load model too
    ref_60, _ = simulated_series(station, t0, 1, 60, 1)
    assert np.allclose(P.load_kw("demo", t0, 1, 60, seed=1), ref_60.kw, rtol=1e-9)
    other_load, other_pv = P.profile_series(station, "school", "clouds", t0, 1, 300, seed=1)
    assert other_load.kw.size == other_pv.kw.size == ref_load.kw.size
    assert np.array_equal(other_load.ts, ref_load.ts)
