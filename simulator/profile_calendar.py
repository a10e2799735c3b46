"""The time side of the profile library: 2026 holidays, the test months, the calendar of
a series (local time, weather, daylight) and the seeded helpers the profiles draw from."""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from simulator.site import Site
from simulator.weather import ClimateParams

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
FINE_S = 60  # profiles are computed at this step (or finer) and averaged to the asked step

# China's public holidays and the weekend days worked instead (调休) in 2026. Source:
# 国务院办公厅关于2026年部分节假日安排的通知 (State Council General Office, 2025-11-04,
# published by Xinhua, e.g. https://politics.gmw.cn/2025-11/04/content_38391083.htm).
HOLIDAYS_2026: tuple[tuple[str, str, str], ...] = (
    ("New Year 元旦", "2026-01-01", "2026-01-03"),
    ("Spring Festival 春节", "2026-02-15", "2026-02-23"),
    ("Qingming 清明节", "2026-04-04", "2026-04-06"),
    ("Labour Day 劳动节", "2026-05-01", "2026-05-05"),
    ("Dragon Boat 端午节", "2026-06-19", "2026-06-21"),
    ("Mid-Autumn 中秋节", "2026-09-25", "2026-09-27"),
    ("National Day 国庆节", "2026-10-01", "2026-10-07"),
)
WORKDAYS_2026: tuple[str, ...] = (
    "2026-01-04",
    "2026-02-14",
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
)


def _dates(spans: tuple[tuple[str, str, str], ...]) -> frozenset[dt.date]:
    out: set[dt.date] = set()
    for _, first, last in spans:
        d, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        while d <= end:
            out.add(d)
            d += dt.timedelta(days=1)
    return frozenset(out)


PUBLIC_HOLIDAYS = _dates(HOLIDAYS_2026)
MAKEUP_WORKDAYS = frozenset(dt.date.fromisoformat(d) for d in WORKDAYS_2026)

# test months, one in each calendar season (the Zhejiang tariff has two TOU seasons:
# spring_autumn Feb-Jun and Sep-Nov, summer_winter Jan, Jul, Aug, Dec; these months cover both)
MONTHS: dict[str, dt.date] = {
    "winter": dt.date(2026, 1, 1),
    "spring": dt.date(2026, 4, 1),
    "summer": dt.date(2026, 7, 1),
    "autumn": dt.date(2026, 10, 1),
}


# ---- time ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """The local-time facts of every sample: what load profiles are functions of."""

    ts: FloatArray  # UTC epoch s, start of each fine step
    step_s: int
    site: Site
    hour: FloatArray  # local hour of the day, 0..24 (at the middle of the step)
    weekday: NDArray[np.int64]  # 0 Monday .. 6 Sunday
    ordinal: NDArray[np.int64]  # local date's proleptic ordinal
    doy: NDArray[np.int64]
    holiday: BoolArray  # a public holiday (HOLIDAYS_2026)
    workday: BoolArray  # Monday..Friday, or a make-up workday, and not a holiday
    ambient_c: FloatArray  # outdoor air temperature
    day_index: FloatArray  # days since the series' first local midnight (fractional)

    @classmethod
    def build(
        cls, start_ts: float, n: int, step_s: int, site: Site, seed: int, climate: ClimateParams
    ) -> Calendar:
        ts = start_ts + step_s * np.arange(n, dtype=np.float64)
        mid = pd.to_datetime(ts + step_s / 2.0, unit="s", utc=True).tz_convert(site.timezone)
        hour = np.asarray(mid.hour + mid.minute / 60.0 + mid.second / 3600.0, dtype=np.float64)
        weekday = np.asarray(mid.day_of_week, dtype=np.int64)
        dates = [d for d in mid.date]
        ordinal = np.array([d.toordinal() for d in dates], dtype=np.int64)
        doy = np.asarray(mid.dayofyear, dtype=np.int64)
        holiday = np.array([d in PUBLIC_HOLIDAYS for d in dates], dtype=bool)
        makeup = np.array([d in MAKEUP_WORKDAYS for d in dates], dtype=bool)
        workday = ((weekday < 5) | makeup) & ~holiday
        c = climate
        seasonal = c.t_annual_mean_c - c.t_seasonal_amp_c * np.cos(
            2.0 * math.pi * (doy - c.t_coldest_doy) / 365.25
        )
        daily = c.t_daily_amp_c * np.cos(2.0 * math.pi * (hour - c.t_warmest_hour) / 24.0)
        # a warm or cold spell of a few days, seeded
        spell = 2.0 * smooth(seed * 31 + 7, ts, (2.0 * 86400, 9.0 * 86400), 3)
        day_index = (ts - ts[0]) / 86400.0 + hour[0] / 24.0 if n else ts
        return cls(
            ts=ts,
            step_s=step_s,
            site=site,
            hour=hour,
            weekday=weekday,
            ordinal=ordinal,
            doy=doy,
            holiday=holiday,
            workday=workday,
            ambient_c=seasonal + daily + spell,
            day_index=np.asarray(day_index, dtype=np.float64),
        )

    def days(self) -> Iterator[tuple[int, BoolArray]]:
        """(ordinal, mask of its samples) for each local date in the calendar."""
        for o in np.unique(self.ordinal):
            yield int(o), self.ordinal == o


def smooth(seed: int, ts: FloatArray, period_s: tuple[float, float], components: int) -> FloatArray:
    """``simulator.noise.SmoothNoise`` over an array: a seeded sum of sines in [-1, 1]."""
    rng = np.random.default_rng(seed)
    lo, hi = period_s
    periods = np.exp(rng.uniform(math.log(lo), math.log(hi), components))
    phases = rng.uniform(0.0, 2.0 * math.pi, components)
    amps = rng.uniform(0.5, 1.0, components)
    amps = amps / amps.sum()
    out = np.zeros_like(ts)
    for a, p, ph in zip(amps, periods, phases, strict=True):
        out += a * np.sin(2.0 * math.pi / p * ts + ph)
    return out


def day_rng(seed: int, ordinal: int, tag: str) -> np.random.Generator:
    """A generator for one local date of one profile: the same draws whatever the start."""
    return np.random.default_rng([seed, ordinal, zlib.crc32(tag.encode())])


def plan(hour: FloatArray, points: tuple[tuple[float, float], ...]) -> FloatArray:
    """Piecewise-linear share (0..1) over the day from (hour, share) points."""
    return np.interp(hour, [h for h, _ in points], [f for _, f in points])


def cooling(cal: Calendar, kw_per_k: float, balance_c: float) -> FloatArray:
    return kw_per_k * np.maximum(cal.ambient_c - balance_c, 0.0)


def heating(cal: Calendar, kw_per_k: float, balance_c: float) -> FloatArray:
    return kw_per_k * np.maximum(balance_c - cal.ambient_c, 0.0)
