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

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import pvlib

from app.backtest import Series
from app.model import Station
from simulator.load_profiles import (
    PROFILES,
    ColdStore,
    CommercialGrowth,
    DemoProfile,
    EvDepot,
    FactoryTwoShift,
    LoadProfile,
    OfficeHolidays,
    School,
)
from simulator.plant import PlantParams
from simulator.profile_calendar import (
    FINE_S,
    HOLIDAYS_2026,
    MAKEUP_WORKDAYS,
    MONTHS,
    PUBLIC_HOLIDAYS,
    WORKDAYS_2026,
    Calendar,
    FloatArray,
    day_rng,
    smooth,
)
from simulator.pv import PvInverterParams
from simulator.series import simulated_series
from simulator.site import Site
from simulator.solar import ArrayGeometry

__all__ = [
    "HOLIDAYS_2026",
    "MAKEUP_WORKDAYS",
    "MONTHS",
    "PROFILES",
    "PUBLIC_HOLIDAYS",
    "WEATHERS",
    "WORKDAYS_2026",
    "Calendar",
    "ColdStore",
    "CommercialGrowth",
    "DemoProfile",
    "EvDepot",
    "FactoryTwoShift",
    "LoadProfile",
    "OfficeHolidays",
    "PvWeather",
    "School",
    "docs_section",
    "load_kw",
    "profile_series",
    "pv_kw",
]

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
