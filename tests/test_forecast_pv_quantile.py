"""The cautious PV forecast: clear sky x a low quantile of the recent daily ratios."""

from __future__ import annotations

import numpy as np
import pytest

from app.forecast import clear_sky_kw, daily_ratios, quantile_ratio_pv

MIDNIGHT = 1_750_003_200.0  # 2025-06-16 00:00 Asia/Shanghai (16:00 UTC the day before)
DAY = 86400.0
SHANGHAI = dict(latitude=31.23, longitude=121.47)
KWP = 800.0
TZ = "Asia/Shanghai"


def _weather(day_ratios: list[float], end: float = MIDNIGHT) -> tuple[np.ndarray, np.ndarray]:
    """15-min PV history of len(day_ratios) days ending at ``end``: clear sky x each day's ratio."""
    n = len(day_ratios)
    ts = end - n * DAY + 900.0 * np.arange(n * 96)
    ratio = np.repeat(np.asarray(day_ratios, dtype=np.float64), 96)
    return ts, ratio * clear_sky_kw(ts, kwp=KWP, **SHANGHAI)


def test_daily_ratios_are_per_local_date() -> None:
    ts, kw = _weather([0.2, 0.9, 0.5])
    clear = clear_sky_kw(ts, kwp=KWP, **SHANGHAI)
    ratios = daily_ratios(ts, kw, clear, KWP, TZ)
    assert ratios.to_numpy() == pytest.approx([0.2, 0.9, 0.5], abs=1e-9)
    assert len(ratios) == 3  # each local day whole, none split at UTC midnight


def test_day_ahead_is_the_quantile_of_the_daily_ratios() -> None:
    days = [0.9, 0.2, 0.8, 0.3, 1.0, 0.25, 0.85, 0.95, 0.4, 0.9]
    ts, kw = _weather(days)
    fc = quantile_ratio_pv(ts, kw, MIDNIGHT, kwp=KWP, steps=96, tz=TZ, quantile=0.3, **SHANGHAI)
    expected = float(np.quantile(days, 0.3))
    clear = clear_sky_kw(fc.timestamps(), kwp=KWP, **SHANGHAI)
    assert fc.values == pytest.approx(expected * clear, abs=1e-6)
    # below the mean a cloudy month's plan would use, above its worst day
    assert min(days) < expected < float(np.mean(days))
    assert "q0.3" in fc.method and "10 day(s)" in fc.method


def test_only_the_last_days_count() -> None:
    ts, kw = _weather([0.1] * 10 + [0.9] * 5)
    fc = quantile_ratio_pv(ts, kw, MIDNIGHT, kwp=KWP, tz=TZ, days=5, **SHANGHAI)
    clear = clear_sky_kw(fc.timestamps(), kwp=KWP, **SHANGHAI)
    assert fc.values == pytest.approx(0.9 * clear, abs=1e-6)


def test_the_rest_of_today_follows_todays_own_ratio() -> None:
    # history: ten sunny days, then today overcast until 12:00 local
    noon = MIDNIGHT + 12 * 3600.0
    ts, kw = _weather([0.9] * 10)
    today_ts = MIDNIGHT + 900.0 * np.arange(48)
    today_kw = 0.2 * clear_sky_kw(today_ts, kwp=KWP, **SHANGHAI)
    ts, kw = np.concatenate([ts, today_ts]), np.concatenate([kw, today_kw])
    fc = quantile_ratio_pv(ts, kw, noon, kwp=KWP, steps=96, tz=TZ, **SHANGHAI)
    clear = clear_sky_kw(fc.timestamps(), kwp=KWP, **SHANGHAI)
    rest_of_today = fc.timestamps() < MIDNIGHT + DAY
    assert fc.values[rest_of_today] == pytest.approx(0.2 * clear[rest_of_today], abs=1e-6)
    assert fc.values[~rest_of_today] == pytest.approx(0.9 * clear[~rest_of_today], abs=1e-6)
    assert "today 0.20" in fc.method


def test_an_hour_of_daylight_is_needed_before_today_counts() -> None:
    ts, kw = _weather([0.9] * 5)
    # 06:00-06:30 local measured dark: too little to judge the day by
    early_ts = MIDNIGHT + 6 * 3600.0 + 900.0 * np.arange(2)
    ts = np.concatenate([ts, early_ts])
    kw = np.concatenate([kw, np.zeros(2)])
    fc = quantile_ratio_pv(ts, kw, MIDNIGHT + 6.5 * 3600.0, kwp=KWP, tz=TZ, **SHANGHAI)
    assert "today" not in fc.method
    clear = clear_sky_kw(fc.timestamps(), kwp=KWP, **SHANGHAI)
    assert fc.values == pytest.approx(0.9 * clear, abs=1e-6)


def test_without_a_complete_day_the_default_ratio_applies() -> None:
    fc = quantile_ratio_pv(np.zeros(0), np.zeros(0), MIDNIGHT, kwp=KWP, tz=TZ, **SHANGHAI)
    clear = clear_sky_kw(fc.timestamps(), kwp=KWP, **SHANGHAI)
    assert fc.values == pytest.approx(0.8 * clear)
    assert "default" in fc.method


def test_bad_samples_are_left_out_and_bad_arguments_named() -> None:
    ts, kw = _weather([0.5] * 4)
    kw[200:230] = np.nan  # a comm gap in daylight on one day
    fc = quantile_ratio_pv(ts, kw, MIDNIGHT, kwp=KWP, tz=TZ, **SHANGHAI)
    clear = clear_sky_kw(fc.timestamps(), kwp=KWP, **SHANGHAI)
    assert fc.values == pytest.approx(0.5 * clear, abs=1e-6)
    with pytest.raises(ValueError, match=r"quantile 1\.5"):
        quantile_ratio_pv(ts, kw, MIDNIGHT, kwp=KWP, quantile=1.5, **SHANGHAI)
    with pytest.raises(ValueError, match="timestamps"):
        quantile_ratio_pv(ts, kw[:-1], MIDNIGHT, kwp=KWP, **SHANGHAI)
