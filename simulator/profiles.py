"""A library of site load profiles, PV weathers and test months, for backtests (no protocols).

Each load profile is a frozen dataclass holding its parameters, with ``kw(calendar, seed)``
giving the site's consumption (kW, the average of each step) at the calendar's times; each
PV weather is a daily cloud-factor sequence (with some variation inside partly cloudy days)
applied to pvlib's clear-sky irradiance on the demo plant's arrays. Everything is a function
of absolute time and the seed: the same seed gives the same kW at the same instant, whatever
the series' start or step (a 300 s series is the average of the 60 s one).

    load, pv = profile_series(station, "factory_two_shift", "clouds", start_ts, days=58, seed=2)
    load_kw("office_holidays", start_ts, days, step_s=60, timezone="Asia/Shanghai", seed=1)

The shipped profiles, what shapes them and what each stresses are in docs/simulator.md
("Load profiles and PV weathers", generated from ``PROFILES``/``WEATHERS`` by ``docs_section``).
The demo profile and the ``demo`` weather are today's models (simulator/load.py, pv.py,
weather.py), as ``simulator.series.simulated_series`` generates them.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np
import pandas as pd
import pvlib
from numpy.typing import NDArray

from app.backtest import Series
from app.model import Station
from simulator.load import Load, LoadParams
from simulator.plant import PlantParams
from simulator.pv import PvInverterParams
from simulator.series import simulated_series
from simulator.site import Site
from simulator.solar import ArrayGeometry, ClearSky
from simulator.weather import ClimateParams, Weather

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


def _cooling(cal: Calendar, kw_per_k: float, balance_c: float) -> FloatArray:
    return kw_per_k * np.maximum(cal.ambient_c - balance_c, 0.0)


def _heating(cal: Calendar, kw_per_k: float, balance_c: float) -> FloatArray:
    return kw_per_k * np.maximum(balance_c - cal.ambient_c, 0.0)


# ---- load profiles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadProfile:
    """Base of the profiles: a name, a one-line shape, what it stresses, the peak range."""

    name: ClassVar[str] = ""
    shape: ClassVar[str] = ""
    stresses: ClassVar[str] = ""
    # documented range of the highest step value over any whole month (kW); tested
    peak_kw: ClassVar[tuple[float, float]] = (400.0, 900.0)
    noise_share: float = 0.015

    def kw(self, cal: Calendar, seed: int) -> FloatArray:
        raw = self._kw(cal, seed)
        noise = smooth(seed * 101 + zlib.crc32(self.name.encode()) % 1000, cal.ts, (30.0, 900.0), 6)
        return np.maximum(raw * (1.0 + self.noise_share * noise), 0.0)

    def _kw(self, cal: Calendar, seed: int) -> FloatArray:
        raise NotImplementedError


@dataclass(frozen=True)
class DemoProfile(LoadProfile):
    """Today's model (simulator/load.py) under the demo weather's temperature and light."""

    name: ClassVar[str] = "demo"
    shape: ClassVar[str] = (
        "today's simulator model: day/evening shifts Mon-Fri, short Saturday, idle Sunday, "
        "lunch dip, HVAC with temperature"
    )
    stresses: ClassVar[str] = "the ~800 kW weekday evening peak after sunset (the demo month)"
    peak_kw: ClassVar[tuple[float, float]] = (600.0, 850.0)
    params: LoadParams = field(default_factory=LoadParams)
    cloudiness: float = 0.3
    noise_share: float = 0.0  # the model has its own

    def _kw(self, cal: Calendar, seed: int) -> FloatArray:
        weather = Weather(seed, self.cloudiness, PlantParams().climate)
        sky = ClearSky(cal.site, PlantParams().geometry)
        load = Load(self.params, seed)
        out = np.empty_like(cal.ts)
        for k, t in enumerate(cal.ts):
            t = float(t)
            h = float(cal.hour[k]) - cal.step_s / 7200.0  # the model reads the step's start
            ambient = weather.ambient_c(t, h % 24.0, int(cal.doy[k]))
            ghi, _ = sky.irradiance(t)
            kt = weather.transmittance(t)
            out[k] = load.step(t, h % 24.0, int(cal.weekday[k]), ambient, ghi * kt, True)
        return out


@dataclass(frozen=True)
class FactoryTwoShift(LoadProfile):
    name: ClassVar[str] = "factory_two_shift"
    shape: ClassVar[str] = (
        "two shifts 06-14 and 14-22 Mon-Fri (changeover dip at 14:00, meal breaks), one "
        "shift on Saturday, idle Sunday and public holidays; random 20-minute spikes"
    )
    stresses: ClassVar[str] = (
        "demand control: spikes at any time of a shift, in valley or peak, on top of a high "
        "daytime base; the morning shift starts in the valley"
    )
    peak_kw: ClassVar[tuple[float, float]] = (650.0, 900.0)
    base_kw: float = 70.0
    shift1_kw: float = 460.0
    shift2_kw: float = 420.0
    cooling_kw_per_k: float = 5.0
    cooling_balance_c: float = 24.0
    spikes_per_day: float = 0.6  # working days; Poisson mean
    spike_kw: tuple[float, float] = (140.0, 240.0)
    spike_min: float = 20.0
    closed_on_holidays: bool = True

    def _kw(self, cal: Calendar, seed: int) -> FloatArray:
        h = cal.hour
        s1 = plan(
            h,
            (
                (0, 0),
                (5.5, 0),
                (6.25, 1),
                (9.9, 1),
                (10.0, 0.7),
                (10.4, 0.7),
                (10.5, 1),
                (13.8, 1),
                (14.0, 0),
                (24, 0),
            ),
        )
        s2 = plan(
            h,
            (
                (0, 0),
                (14.0, 0),
                (14.4, 1),
                (17.9, 1),
                (18.0, 0.65),
                (18.5, 0.65),
                (18.6, 1),
                (21.8, 1),
                (22.2, 0),
                (24, 0),
            ),
        )
        wd = cal.weekday
        open_ = ~cal.holiday if self.closed_on_holidays else np.ones_like(cal.holiday)
        full = ((wd < 5) | np.isin(cal.ordinal, [d.toordinal() for d in MAKEUP_WORKDAYS])) & open_
        saturday = (wd == 5) & open_ & ~full
        machines = 1.0 + 0.04 * smooth(seed * 17 + 3, cal.ts, (60.0, 1200.0), 4)
        production = np.where(full, self.shift1_kw * s1 + self.shift2_kw * s2, 0.0)
        production = production + np.where(saturday, self.shift1_kw * s1, 0.0)
        working = production > 1.0
        cooling = _cooling(cal, self.cooling_kw_per_k, self.cooling_balance_c)
        out = self.base_kw + production * machines + np.where(working, cooling, 0.3 * cooling)
        return out + self._spikes(cal, seed, full | saturday)

    def _spikes(self, cal: Calendar, seed: int, working: BoolArray) -> FloatArray:
        out = np.zeros_like(cal.ts)
        for ordinal, mask in cal.days():
            rng = day_rng(seed, ordinal, self.name)
            n = int(rng.poisson(self.spikes_per_day))
            starts = rng.uniform(6.25, 22.0 - self.spike_min / 60.0, n)
            sizes = rng.uniform(*self.spike_kw, n)
            if not working[mask].any():
                continue
            h = cal.hour[mask]
            for s, kw in zip(starts, sizes, strict=True):
                on = (h >= s) & (h < s + self.spike_min / 60.0)
                out[np.flatnonzero(mask)[on]] += kw
        return out


@dataclass(frozen=True)
class CommercialGrowth(LoadProfile):
    name: ClassVar[str] = "commercial_growth"
    shape: ClassVar[str] = (
        "shopping/commercial building open 09-22 every day, HVAC-driven afternoon peak "
        "(14-17), ~2 % growth a week (compounded from the series' start)"
    )
    stresses: ClassVar[str] = (
        "a limit tuned on last month is too low for this one (growth); the afternoon peak "
        "falls in the summer critical peak, where TOU spends the battery"
    )
    peak_kw: ClassVar[tuple[float, float]] = (400.0, 800.0)
    base_kw: float = 110.0
    tenants_kw: float = 210.0
    cooling_kw_per_k: float = 20.0
    cooling_balance_c: float = 19.0
    heating_kw_per_k: float = 12.0
    heating_balance_c: float = 13.0
    weekly_growth: float = 0.02
    weekend_share: float = 1.1

    def _kw(self, cal: Calendar, seed: int) -> FloatArray:
        h = cal.hour
        opening = plan(
            h,
            (
                (0, 0),
                (8.0, 0),
                (9.0, 0.8),
                (12, 0.9),
                (14, 1.0),
                (17, 1.0),
                (19, 0.9),
                (21.5, 0.8),
                (22.2, 0),
                (24, 0),
            ),
        )
        opening = opening * np.where(cal.weekday >= 5, self.weekend_share, 1.0)
        hvac_on = plan(h, ((0, 0.15), (7.5, 0.15), (8.5, 1), (21.5, 1), (22.2, 0.15), (24, 0.15)))
        hvac = (
            _cooling(cal, self.cooling_kw_per_k, self.cooling_balance_c)
            + _heating(cal, self.heating_kw_per_k, self.heating_balance_c)
        ) * hvac_on
        growth = (1.0 + self.weekly_growth) ** (cal.day_index / 7.0)
        return (self.base_kw + self.tenants_kw * opening + hvac) * growth


@dataclass(frozen=True)
class ColdStore(LoadProfile):
    name: ClassVar[str] = "cold_store"
    shape: ClassVar[str] = (
        "flat: compressors cycling on/off (~40 min, duty with outdoor temperature), "
        "defrost heaters every 8 h, a daytime loading dock"
    )
    stresses: ClassVar[str] = (
        "little to shift (night ~ day), the month's demand set by coinciding compressor "
        "cycles; arbitrage is most of the saving"
    )
    peak_kw: ClassVar[tuple[float, float]] = (500.0, 700.0)
    base_kw: float = 170.0
    compressors: int = 4
    compressor_kw: float = 85.0
    cycle_min: float = 40.0
    duty_at_10c: float = 0.4
    duty_per_k: float = 0.015
    defrost_kw: float = 50.0
    defrost_every_h: float = 8.0
    defrost_min: float = 25.0
    dock_kw: float = 45.0

    def _kw(self, cal: Calendar, seed: int) -> FloatArray:
        rng = np.random.default_rng(seed * 19 + 5)
        duty = np.clip(self.duty_at_10c + self.duty_per_k * (cal.ambient_c - 10.0), 0.25, 0.9)
        out = np.full_like(cal.ts, self.base_kw)
        mid = cal.ts + cal.step_s / 2.0
        for _ in range(self.compressors):
            period = self.cycle_min * 60.0 * rng.uniform(0.85, 1.15)
            phase = (mid / period + rng.uniform(0.0, 1.0)) % 1.0
            out += self.compressor_kw * (phase < duty)
        defrost_phase = (mid / 3600.0 + rng.uniform(0, self.defrost_every_h)) % self.defrost_every_h
        out += self.defrost_kw * (defrost_phase < self.defrost_min / 60.0)
        dock = plan(cal.hour, ((0, 0), (6.5, 0), (7.0, 1), (19.0, 1), (19.5, 0), (24, 0)))
        return out + self.dock_kw * dock * (cal.weekday < 6)


@dataclass(frozen=True)
class OfficeHolidays(LoadProfile):
    name: ClassVar[str] = "office_holidays"
    shape: ClassVar[str] = (
        "office 08:30-18:00 on working days (China's 2026 holidays and make-up workdays), "
        "lunch dip, HVAC pre-cooling from 07:30; low weekends and public holidays"
    )
    stresses: ClassVar[str] = (
        "week-long holidays (National Day) where a working-day reserve is wasted; a "
        "worked Saturday the weekday-only windows miss"
    )
    peak_kw: ClassVar[tuple[float, float]] = (400.0, 700.0)
    base_kw: float = 70.0
    occupied_kw: float = 300.0
    cooling_kw_per_k: float = 20.0
    cooling_balance_c: float = 21.0
    heating_kw_per_k: float = 16.0
    heating_balance_c: float = 15.0
    off_day_share: float = 0.1

    def _kw(self, cal: Calendar, seed: int) -> FloatArray:
        h = cal.hour
        occ = plan(
            h,
            (
                (0, 0),
                (7.5, 0),
                (8.5, 1),
                (11.9, 1),
                (12.0, 0.75),
                (13.4, 0.75),
                (13.5, 1),
                (18.0, 1),
                (19.5, 0.25),
                (21.0, 0.1),
                (22, 0),
                (24, 0),
            ),
        )
        hvac_on = plan(h, ((0, 0), (7.3, 0), (7.6, 1), (18.0, 1), (19.0, 0), (24, 0)))
        share = np.where(cal.workday, 1.0, self.off_day_share)
        hvac = (
            _cooling(cal, self.cooling_kw_per_k, self.cooling_balance_c)
            + _heating(cal, self.heating_kw_per_k, self.heating_balance_c)
        ) * hvac_on
        return self.base_kw + (self.occupied_kw * occ + hvac) * share


@dataclass(frozen=True)
class School(LoadProfile):
    name: ClassVar[str] = "school"
    shape: ClassVar[str] = (
        "boarding school: teaching 07:00-17:30, canteen peaks at lunch and supper, evening "
        "study to 21:30, dormitory water heating; near idle in the breaks and holidays"
    )
    stresses: ClassVar[str] = (
        "term vs holiday: the summer break starts 10 July and the winter break 24 January, "
        "so the previous 28 days are a poor guide; an evening load after sunset"
    )
    peak_kw: ClassVar[tuple[float, float]] = (400.0, 700.0)
    base_kw: float = 70.0
    classrooms_kw: float = 200.0
    canteen_kw: float = 160.0
    study_kw: float = 150.0
    dorm_heating_kw: float = 110.0
    cooling_kw_per_k: float = 16.0
    cooling_balance_c: float = 23.0
    heating_kw_per_k: float = 10.0
    heating_balance_c: float = 12.0
    breaks: tuple[tuple[str, str], ...] = (
        ("2026-01-24", "2026-03-01"),  # winter break
        ("2026-07-11", "2026-08-31"),  # summer break
        ("2027-01-23", "2027-02-28"),
    )
    break_share: float = 0.12

    def _kw(self, cal: Calendar, seed: int) -> FloatArray:
        h = cal.hour
        in_break = np.zeros_like(cal.holiday)
        for first, last in self.breaks:
            a, b = dt.date.fromisoformat(first).toordinal(), dt.date.fromisoformat(last).toordinal()
            in_break |= (cal.ordinal >= a) & (cal.ordinal <= b)
        off = in_break | cal.holiday
        teaching = cal.workday & ~off
        boarding = ~off  # students stay over the term's weekends
        classes = plan(
            h,
            (
                (0, 0),
                (6.8, 0),
                (7.3, 1),
                (11.5, 1),
                (12.0, 0.5),
                (13.5, 0.5),
                (13.8, 1),
                (17.3, 1),
                (17.8, 0),
                (24, 0),
            ),
        )
        canteen = plan(
            h,
            (
                (0, 0),
                (5.8, 0),
                (6.2, 0.4),
                (7.0, 0.4),
                (7.2, 0),
                (10.3, 0),
                (11.0, 1),
                (12.3, 1),
                (12.8, 0),
                (16.3, 0),
                (16.8, 1),
                (18.0, 1),
                (18.4, 0),
                (24, 0),
            ),
        )
        study = plan(h, ((0, 0), (18.3, 0), (18.6, 1), (21.4, 1), (21.7, 0), (24, 0)))
        dorm = plan(h, ((0, 0), (21.3, 0), (21.6, 1), (23.0, 1), (23.3, 0), (24, 0)))
        hvac = (
            _cooling(cal, self.cooling_kw_per_k, self.cooling_balance_c)
            + _heating(cal, self.heating_kw_per_k, self.heating_balance_c)
        ) * np.maximum(classes, 0.6 * study)
        weekend = 0.35
        out = (
            self.base_kw
            + np.where(teaching, self.classrooms_kw * classes + hvac, 0.0)
            + np.where(teaching, self.study_kw * study, 0.0)
            + np.where(boarding, self.canteen_kw * canteen * np.where(teaching, 1.0, weekend), 0.0)
            + np.where(boarding, self.dorm_heating_kw * dorm, 0.0)
        )
        return out + np.where(off, self.break_share * (self.classrooms_kw + hvac) * classes, 0.0)


@dataclass(frozen=True)
class EvDepot(LoadProfile):
    name: ClassVar[str] = "ev_depot"
    shape: ClassVar[str] = (
        "electric bus depot: buses arrive 17:00-22:00 and charge at once (60 kW each, "
        "12 chargers, site cap 720 kW) into the night; a few top up at midday"
    )
    stresses: ClassVar[str] = (
        "the evening arrival peak (in the tariff's peak, after sunset) and the night charge "
        "that competes with the battery for valley import"
    )
    peak_kw: ClassVar[tuple[float, float]] = (650.0, 800.0)
    base_kw: float = 35.0
    buses: int = 30
    weekend_buses: int = 18
    chargers: int = 12
    charger_kw: float = 60.0
    site_cap_kw: float = 720.0
    arrival_h: tuple[float, float] = (19.0, 1.2)  # mean, sd; clipped to 17:00-22:30
    need_kwh: tuple[float, float] = (110.0, 230.0)
    midday_buses: int = 4
    midday_kwh: tuple[float, float] = (40.0, 90.0)

    def _kw(self, cal: Calendar, seed: int) -> FloatArray:
        # charge sessions on a one-minute grid from noon of the day before the first sample
        t_first = float(cal.ts[0])
        zone = cal.site.zone
        first_day = dt.datetime.fromtimestamp(t_first, zone).date() - dt.timedelta(days=1)
        last_day = dt.datetime.fromtimestamp(float(cal.ts[-1]) + cal.step_s, zone).date()
        noon0 = dt.datetime(first_day.year, first_day.month, first_day.day, 12, tzinfo=zone)
        n_min = int((float(cal.ts[-1]) + cal.step_s - noon0.timestamp()) // 60) + 2
        minutes = np.zeros(n_min)
        day = first_day
        while day <= last_day:
            noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=zone).timestamp()
            offset = int((noon - noon0.timestamp()) // 60)
            rng = day_rng(seed, day.toordinal(), self.name)
            weekend = day.weekday() >= 5 or day in PUBLIC_HOLIDAYS
            n = self.weekend_buses if weekend else self.buses
            arrive = np.clip(rng.normal(*self.arrival_h, n), 17.0, 22.5)  # hours of the day
            need = rng.uniform(*self.need_kwh, n)
            self._sessions(minutes, offset + ((arrive - 12.0) * 60).astype(int), need)
            mid = rng.uniform(11.0, 13.0, self.midday_buses)
            mid_need = rng.uniform(*self.midday_kwh, self.midday_buses)
            self._sessions(minutes, offset - 24 * 60 + ((mid + 12.0) * 60).astype(int), mid_need)
            day += dt.timedelta(days=1)
        # average the minutes over each sample (samples are at most a minute long)
        idx = ((cal.ts - noon0.timestamp()) // 60).astype(int)
        return self.base_kw + minutes[np.clip(idx, 0, n_min - 1)]

    def _sessions(
        self, minutes: FloatArray, start_min: NDArray[np.int64], need: FloatArray
    ) -> None:
        order = np.argsort(start_min, kind="stable")
        start, left = start_min[order], need[order].copy()
        t = int(start.min()) if start.size else 0
        while start.size and (left > 1e-9).any() and t < minutes.size:
            waiting = np.flatnonzero((start <= t) & (left > 1e-9))[: self.chargers]
            if waiting.size:
                each = min(self.charger_kw, self.site_cap_kw / waiting.size)
                give = np.minimum(left[waiting], each / 60.0)
                left[waiting] -= give
                if t >= 0:
                    minutes[t] += give.sum() * 60.0
            elif not (start > t).any():
                break
            else:
                t = max(t + 1, int(start[start > t].min()))
                continue
            t += 1


PROFILES: dict[str, LoadProfile] = {
    p.name: p
    for p in (
        DemoProfile(),
        FactoryTwoShift(),
        CommercialGrowth(),
        ColdStore(),
        OfficeHolidays(),
        School(),
        EvDepot(),
    )
}


# ---- PV weathers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PvWeather:
    """A daily cloud factor (share of the clear-sky irradiance) drawn per local date: clear
    days, partly cloudy days (with clouds passing inside the day) and overcast days."""

    name: str
    shape: str
    p_clear: float
    p_partly: float  # the rest are overcast
    clear: tuple[float, float] = (0.88, 1.0)
    partly: tuple[float, float] = (0.45, 0.85)
    overcast: tuple[float, float] = (0.1, 0.4)
    partly_swing: float = 0.35  # +- share of the day's factor as clouds pass (partly days)
    clearsky_model: str = "ineichen"

    def daily_factors(self, ordinals: list[int], seed: int) -> dict[int, tuple[float, bool]]:
        """ordinal -> (factor, partly cloudy)."""
        out: dict[int, tuple[float, bool]] = {}
        for o in ordinals:
            rng = day_rng(seed, o, "pv:" + self.name)
            u = float(rng.uniform())
            if u < self.p_clear:
                out[o] = (float(rng.uniform(*self.clear)), False)
            elif u < self.p_clear + self.p_partly:
                out[o] = (float(rng.uniform(*self.partly)), True)
            else:
                out[o] = (float(rng.uniform(*self.overcast)), False)
        return out


WEATHERS: dict[str, PvWeather] = {
    w.name: w
    for w in (
        PvWeather("clear", "clear sky every day (a little haze)", 1.0, 0.0, clear=(0.9, 1.0)),
        PvWeather(
            "clouds",
            "random daily clouds: 45 % clear, 35 % partly cloudy (clouds passing), 20 % overcast",
            0.45,
            0.35,
            clearsky_model="simplified_solis",
        ),
        PvWeather(
            "rainy",
            "overcast/rainy season (梅雨): 15 % clear, 30 % partly cloudy, 55 % overcast",
            0.15,
            0.30,
        ),
    )
}
DEMO_WEATHER = "demo"  # the simulator's own passing clouds (weather.py, cloudiness 0.3)


def _site(station: Station | None, timezone: str | None = None) -> Site:
    loc = station.info.location if station is not None else None
    return Site(
        latitude=loc.latitude if loc else Site.latitude,
        longitude=loc.longitude if loc else Site.longitude,
        altitude=loc.altitude if loc else Site.altitude,
        timezone=station.info.timezone if station is not None else (timezone or Site.timezone),
    )


def _fine(step_s: int) -> int:
    if step_s <= 0 or 900 % step_s:
        raise ValueError(f"step {step_s} s does not divide 900 s")
    return step_s if step_s <= FINE_S or step_s % FINE_S else FINE_S


def _average(fine: FloatArray, k: int) -> FloatArray:
    return fine if k == 1 else fine.reshape(-1, k).mean(axis=1)


def _count(days: float, step_s: int) -> int:
    """Samples for ``days`` plus one spare quarter hour (as ``simulated_series``)."""
    return round(days * 86400 / step_s) + 900 // step_s


def load_kw(
    profile: str | LoadProfile,
    start_ts: float,
    days: float,
    step_s: int = 60,
    timezone: str = "Asia/Shanghai",
    seed: int = 1,
    site: Site | None = None,
) -> FloatArray:
    """Load (kW, the average over each step) for ``days`` from ``start_ts`` plus a spare
    quarter hour; same profile, seed and instant, same value."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    site = site or Site(timezone=timezone)
    fine = _fine(step_s)
    k = step_s // fine
    n = _count(days, step_s)
    cal = Calendar.build(start_ts, n * k, fine, site, seed, PlantParams().climate)
    return _average(prof.kw(cal, seed), k)


def pv_kw(
    weather: str | PvWeather,
    start_ts: float,
    days: float,
    step_s: int = 60,
    site: Site | None = None,
    seed: int = 1,
    inverters: tuple[PvInverterParams, ...] | None = None,
    geometry: ArrayGeometry | None = None,
) -> FloatArray:
    """Available PV (kW, average over each step) of the demo plant's arrays under
    ``weather``: pvlib clear sky x the day's cloud factor, PVWatts DC at the Faiman module
    temperature, PVWatts inverter clipped at the AC rating."""
    w = WEATHERS[weather] if isinstance(weather, str) else weather
    site = site or Site()
    prm = PlantParams()
    invs = inverters or prm.pv
    geo = geometry or prm.geometry
    fine = _fine(step_s)
    k = step_s // fine
    n = _count(days, step_s)
    cal = Calendar.build(start_ts, n * k, fine, site, seed, prm.climate)
    times = pd.to_datetime(cal.ts + fine / 2.0, unit="s", utc=True).tz_convert(site.timezone)
    location = pvlib.location.Location(
        site.latitude, site.longitude, tz=site.timezone, altitude=site.altitude
    )
    sky = location.get_clearsky(times, model=w.clearsky_model)
    sun = location.get_solarposition(times)
    poa = pvlib.irradiance.get_total_irradiance(
        geo.tilt_deg,
        geo.azimuth_deg,
        sun["apparent_zenith"],
        sun["azimuth"],
        sky["dni"],
        sky["ghi"],
        sky["dhi"],
    )["poa_global"]
    poa_clear = np.nan_to_num(poa.to_numpy(dtype=float)).clip(min=0.0)
    factors = w.daily_factors(sorted({int(o) for o in cal.ordinal}), seed)
    day_f = np.array([factors[int(o)][0] for o in cal.ordinal])
    partly = np.array([factors[int(o)][1] for o in cal.ordinal])
    passing = smooth(seed * 7 + 11, cal.ts, (600.0, 3600.0), 6)
    kt = np.clip(day_f * (1.0 + np.where(partly, w.partly_swing * passing, 0.0)), 0.03, 1.05)
    irr = poa_clear * kt
    wind = np.full_like(irr, prm.climate.wind_mean_ms)
    t_module = pvlib.temperature.faiman(irr, cal.ambient_c, wind)
    total = np.zeros_like(irr)
    for inv in invs:
        dc = np.maximum(
            pvlib.pvsystem.pvwatts_dc(irr, t_module, inv.dc_kwp, inv.gamma_pdc_per_k), 0.0
        )
        ac = np.maximum(pvlib.inverter.pvwatts(dc, inv.ac_kw / inv.eta_nominal, inv.eta_nominal), 0)
        total += np.where(irr < inv.wake_poa_w_m2, 0.0, np.asarray(ac, dtype=float))
    return _average(total, k)


def profile_series(
    station: Station,
    profile: str,
    weather: str,
    start_ts: float,
    days: float,
    step_s: int = 60,
    seed: int = 1,
) -> tuple[Series, Series]:
    """(load, available PV) series for a backtest, as ``simulated_series`` gives them; the
    ``demo`` profile under the ``demo`` weather is exactly ``simulated_series``."""
    site = _site(station)
    if weather == DEMO_WEATHER:
        demo_load, demo_pv = simulated_series(station, start_ts, days, step_s, seed)
        if profile == DemoProfile.name:
            return demo_load, demo_pv
        pv = demo_pv.kw
    else:
        pv = pv_kw(weather, start_ts, days, step_s, site, seed)
    load = load_kw(profile, start_ts, days, step_s, site.timezone, seed, site)
    ts = start_ts + step_s * np.arange(load.size, dtype=np.float64)
    return (
        Series(ts, load, step_s, f"profile {profile} (seed {seed})"),
        Series(ts, pv, step_s, f"pv {weather} (seed {seed})"),
    )


# ---- documentation -----------------------------------------------------------------------------


def _param_text(p: LoadProfile) -> str:
    parts = []
    for f in fields(p):
        if f.name == "params":
            continue
        v = getattr(p, f.name)
        if isinstance(v, tuple) and v and isinstance(v[0], tuple):
            v = ", ".join(f"{a}..{b}" for a, b in v)
        parts.append(f"{f.name} {v}")
    return "; ".join(parts)


def docs_section() -> str:
    """The "Load profiles and PV weathers" section of docs/simulator.md (docgen)."""
    out = [
        "## Load profiles and PV weathers (`simulator/profiles.py`)",
        "",
        "For backtests and the economics benchmark (`benchmarks/economics.py --profiles`):",
        "named, seeded load generators (kW per step for a start, a number of days, a step and",
        "a time zone), PV weathers and one test month per calendar season. A value is a",
        "function of the instant and the seed only, so the same seed gives the same series",
        "whatever the start or the step (a 300 s series is the average of the 60 s one).",
        "`profile_series(station, profile, weather, start_ts, days, step_s, seed)` gives the",
        "(load, PV) pair a backtest takes; the `demo` profile under the `demo` weather is",
        "exactly `simulator.series.simulated_series`. The peak column is the range a test",
        "checks for the highest step value of a whole month.",
        "",
        "| profile | shape | peak kW | what it stresses |",
        "|---|---|---|---|",
    ]
    for p in PROFILES.values():
        lo, hi = p.peak_kw
        out.append(f"| `{p.name}` | {p.shape} | {lo:g}-{hi:g} | {p.stresses} |")
    out += ["", "Parameters (the dataclass fields, defaults as shipped):", ""]
    for p in PROFILES.values():
        text = "today's `LoadParams` (simulator/load.py)" if p.name == "demo" else _param_text(p)
        out.append(f"- `{p.name}` ({type(p).__name__}): {text}.")
    out += [
        "",
        "Public holidays (office, school, factory, EV depot's weekend timetable) and make-up",
        "workdays are China's 2026 arrangement, 国务院办公厅关于2026年部分节假日安排的通知",
        "(2025-11-04): "
        + "; ".join(f"{name} {a}..{b}" for name, a, b in HOLIDAYS_2026)
        + "; worked weekend days "
        + ", ".join(WORKDAYS_2026)
        + ".",
        "",
        "PV weathers: a cloud factor per local date (share of the clear-sky plane-of-array",
        "irradiance; partly cloudy days swing with passing clouds inside the day) on the demo",
        "plant's two 500 kWp arrays, pvlib PVWatts at the Faiman module temperature, clipped",
        "at the inverters' 500 kW.",
        "",
        "| weather | days | clear-sky model |",
        "|---|---|---|",
        "| `demo` | the simulator's own passing clouds (weather.py, cloudiness 0.3) | ineichen |",
    ]
    for w in WEATHERS.values():
        out.append(f"| `{w.name}` | {w.shape} | {w.clearsky_model} |")
    out += [
        "",
        "Test months (`MONTHS`): "
        + ", ".join(f"{k} {v:%Y-%m}" for k, v in MONTHS.items())
        + ". The Zhejiang tariff defines two TOU seasons, not four: spring_autumn (Feb-Jun,"
        " Sep-Nov) and summer_winter (Jan, Jul, Aug, Dec); the four calendar months cover"
        " both, October with the National Day holiday profile.",
        "",
    ]
    return "\n".join(out)
