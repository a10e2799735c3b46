"""Default forecasts: same-weekday load profile, clear-sky x recent-ratio PV."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from app.forecast import clear_sky_kw, clear_sky_ratio_pv, same_weekday_load

MONDAY = 1_750_032_000.0  # 2025-06-16 00:00 UTC, a Monday
DAY = 86400.0
SHANGHAI = dict(latitude=31.23, longitude=121.47)


def _history(days: int, value: Callable[[float], float]) -> tuple[np.ndarray, np.ndarray]:
    ts = MONDAY - days * DAY + 900.0 * np.arange(days * 96)
    return ts, np.array([value(t) for t in ts], dtype=np.float64)


def test_same_weekday_profile_is_the_mean_of_the_last_k_same_weekdays() -> None:
    # value = week number * 10 + slot of day: Mondays of the last 5 weeks differ
    def value(t: float) -> float:
        return (t - MONDAY) // (7 * DAY) * 10 + ((t % DAY) // 900)

    ts, kw = _history(35, value)
    fc = same_weekday_load(ts, kw, MONDAY, steps=96, k=4)
    # the last 4 Mondays are weeks -4..-1: mean week -2.5
    assert fc.values == pytest.approx(-25.0 + np.arange(96))
    assert "same-weekday mean of 4 day(s)" in fc.method
    assert fc.timestamps()[1] == MONDAY + 900


def test_falls_back_to_the_last_complete_day() -> None:
    ts, kw = _history(2, lambda t: 100.0 + (t // DAY) % 2 * 50)  # Sat, Sun
    fc = same_weekday_load(ts, kw, MONDAY, steps=4)
    assert fc.values == pytest.approx(np.full(4, 100.0 + ((MONDAY - DAY) // DAY) % 2 * 50))
    assert "last complete day" in fc.method


def test_falls_back_to_a_flat_profile() -> None:
    fc = same_weekday_load(np.zeros(0), np.zeros(0), MONDAY, steps=8, flat_kw=250.0)
    assert fc.values == pytest.approx(np.full(8, 250.0))
    assert "flat" in fc.method
    ts = MONDAY - 3600 + 900.0 * np.arange(4)  # one incomplete hour of history
    fc = same_weekday_load(ts, np.array([1.0, 2.0, 3.0, 4.0]), MONDAY, steps=2)
    assert fc.values == pytest.approx([2.5, 2.5])


def test_weekday_is_the_stations_local_weekday() -> None:
    # 16:00 UTC Sunday is 00:00 Monday in Shanghai
    start = MONDAY - 8 * 3600
    ts, kw = _history(28, lambda t: 500.0 if ((t + 8 * 3600) // DAY) % 7 == 4 else 100.0)
    fc = same_weekday_load(ts, kw, start, steps=96, tz="Asia/Shanghai")
    # 1970-01-01 was a Thursday: (days since epoch) % 7 == 4 is a Monday
    assert fc.values == pytest.approx(np.full(96, 500.0))


def test_clear_sky_is_zero_at_night_and_near_kwp_at_noon() -> None:
    noon_local = MONDAY + 4 * 3600  # 12:00 in Shanghai (UTC+8)
    night = MONDAY - 8 * 3600 + 2 * 3600  # 02:00 local
    kw = clear_sky_kw(np.array([noon_local, night]), kwp=1000.0, **SHANGHAI)
    assert 700.0 < kw[0] <= 1100.0
    assert kw[1] == 0.0


def test_pv_forecast_scales_clear_sky_by_the_recent_ratio() -> None:
    ts = MONDAY - 3 * DAY + 900.0 * np.arange(3 * 96)
    measured = 0.5 * clear_sky_kw(ts, kwp=800.0, **SHANGHAI)
    fc = clear_sky_ratio_pv(ts, measured, MONDAY, kwp=800.0, steps=96, **SHANGHAI)
    clear = clear_sky_kw(fc.timestamps(), kwp=800.0, **SHANGHAI)
    assert fc.values == pytest.approx(0.5 * clear, abs=1e-6)
    assert "ratio 0.50" in fc.method


def test_pv_forecast_without_history_uses_the_default_ratio() -> None:
    fc = clear_sky_ratio_pv(np.zeros(0), np.zeros(0), MONDAY, kwp=800.0, steps=96, **SHANGHAI)
    clear = clear_sky_kw(fc.timestamps(), kwp=800.0, **SHANGHAI)
    assert fc.values == pytest.approx(0.8 * clear)
    assert fc.values.max() <= 800.0
    assert "default" in fc.method


def test_gaps_in_history_are_filled_from_neighbouring_slots() -> None:
    ts, kw = _history(7, lambda t: 200.0)
    keep = np.ones(ts.size, bool)
    keep[-96 + 40] = False  # one slot missing on the last Sunday: still 99 % complete
    kw[-7 * 96 + 41] = np.nan  # and a bad sample on last Monday
    fc = same_weekday_load(ts[keep], kw[keep], MONDAY, steps=96)
    assert fc.values == pytest.approx(np.full(96, 200.0))
    assert "same-weekday mean of 1 day(s)" in fc.method


def test_trend_follows_a_load_that_grows_week_on_week() -> None:
    # +4 % a week, a daily shape, weekends at 60 %: the plain same-weekday mean lags behind
    def value(t: float) -> float:
        weeks = (t - MONDAY) / (7 * DAY)
        weekday = int((t // DAY + 3) % 7)  # 1970-01-01 was a Thursday
        shape = 1.0 + 0.5 * ((t % DAY) // 900 >= 32)
        return 400.0 * 1.04**weeks * shape * (0.6 if weekday >= 5 else 1.0)

    ts, kw = _history(28, value)
    truth = np.array([value(t) for t in MONDAY + 900.0 * np.arange(96)])
    plain = same_weekday_load(ts, kw, MONDAY, steps=96, k=4)
    trend = same_weekday_load(ts, kw, MONDAY, steps=96, k=4, trend=True)
    assert np.max(np.abs(plain.values / truth - 1)) > 0.05  # 2.5 weeks behind: ~10 % low
    assert trend.values == pytest.approx(truth, rel=0.005)
    assert "trend +4.0%/week" in trend.method
    # the day after tomorrow too (one more day of growth), and the cautious maximum
    late = same_weekday_load(ts, kw, MONDAY + DAY, steps=96, k=4, trend=True, statistic="max")
    truth_tue = np.array([value(t) for t in MONDAY + DAY + 900.0 * np.arange(96)])
    assert late.values == pytest.approx(truth_tue, rel=0.005)


def test_weekly_growth_needs_enough_days_and_is_none_for_a_flat_load() -> None:
    import datetime as dt

    from app.forecast import weekly_growth

    day = dt.date(2025, 6, 16)
    flat = {day - dt.timedelta(days=i): 100.0 for i in range(1, 22)}
    assert weekly_growth(flat, day, 4) == pytest.approx(0.0, abs=1e-12)
    few = {day - dt.timedelta(days=i): 100.0 for i in range(1, 6)}
    assert weekly_growth(few, day, 4) is None


def test_a_holiday_is_forecast_like_a_sunday_and_left_out_of_its_weekday() -> None:
    import datetime as dt

    # Sundays 100 kW, other days 500 kW; the Monday two weeks back was a holiday (100 kW)
    holiday = dt.date(2025, 6, 2)

    def value(t: float) -> float:
        d = dt.datetime.fromtimestamp(t, dt.UTC).date()
        return 100.0 if d.weekday() == 6 or d == holiday else 500.0

    ts, kw = _history(28, value)
    normal = same_weekday_load(ts, kw, MONDAY, steps=96, k=4)
    assert normal.values == pytest.approx(np.full(96, 400.0))  # the holiday drags it down
    aware = same_weekday_load(ts, kw, MONDAY, steps=96, k=4, holidays={holiday})
    assert aware.values == pytest.approx(np.full(96, 500.0))
    # this Monday is a holiday: forecast from the Sundays (and past holidays)
    off = same_weekday_load(ts, kw, MONDAY, steps=96, k=4, holidays={holiday, dt.date(2025, 6, 16)})
    assert off.values == pytest.approx(np.full(96, 100.0))
    assert "holiday/Sunday" in off.method


def test_a_make_up_workday_is_forecast_like_a_working_day() -> None:
    import datetime as dt

    def value(t: float) -> float:
        d = dt.datetime.fromtimestamp(t, dt.UTC).date()
        return 100.0 if d.weekday() >= 5 else 500.0

    ts, kw = _history(28, value)
    saturday = MONDAY + 5 * DAY
    plain = same_weekday_load(ts, kw, saturday, steps=96)
    assert plain.values == pytest.approx(np.full(96, 100.0))
    worked = same_weekday_load(ts, kw, saturday, steps=96, workdays={dt.date(2025, 6, 21)})
    assert worked.values == pytest.approx(np.full(96, 500.0))
