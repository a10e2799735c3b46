"""The load profiles of the library: one frozen dataclass per site type, its parameters as
fields, ``kw(calendar, seed)`` its consumption (docs/simulator.md, "Load profiles and PV
weathers")."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from simulator.load import Load, LoadParams
from simulator.plant import PlantParams
from simulator.profile_calendar import (
    MAKEUP_WORKDAYS,
    PUBLIC_HOLIDAYS,
    BoolArray,
    Calendar,
    FloatArray,
    cooling,
    day_rng,
    heating,
    plan,
    smooth,
)
from simulator.solar import ClearSky
from simulator.weather import Weather

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
        cool = cooling(cal, self.cooling_kw_per_k, self.cooling_balance_c)
        out = self.base_kw + production * machines + np.where(working, cool, 0.3 * cool)
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
            cooling(cal, self.cooling_kw_per_k, self.cooling_balance_c)
            + heating(cal, self.heating_kw_per_k, self.heating_balance_c)
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
            cooling(cal, self.cooling_kw_per_k, self.cooling_balance_c)
            + heating(cal, self.heating_kw_per_k, self.heating_balance_c)
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
            cooling(cal, self.cooling_kw_per_k, self.cooling_balance_c)
            + heating(cal, self.heating_kw_per_k, self.heating_balance_c)
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
