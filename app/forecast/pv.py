"""Default PV forecast: clear-sky power times the recent ratio of measured to clear-sky.

Clear-sky irradiance comes from pvlib's ``Location.get_clearsky`` (Ineichen model with the
Linke turbidity climatology) at the station's location, evaluated at the middle of each
step. Horizontal GHI is used unless a tilt is given (then the plane-of-array irradiance).
Power = kWp x irradiance / 1000 W/m²; everything the simple model leaves out (orientation,
temperature, soiling, inverter losses, the weather of the last days) is folded into one
ratio: measured energy / clear-sky energy over the daylight steps of the last ``days``
days, clipped to [0, 1.2]. With no usable history the ratio is ``default_ratio`` (0.8).
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from pvlib import irradiance
from pvlib.location import Location

from app.forecast.types import FloatArray, Forecast

DEFAULT_RATIO = 0.8
MAX_RATIO = 1.2
DAYLIGHT_FRACTION = 0.05  # steps with clear-sky power below this share of kWp are ignored
# clear-sky irradiance is a pure function of the time and the site: an MPC asks for nearly
# the same steps every 15 minutes, so the values are kept (per site, at most CACHE_SIZE)
CACHE_SIZE = 20_000
PREFETCH_STEPS = 192
_cache: dict[tuple[float, float, float, float | None, float, float], dict[float, float]] = {}
_cache_lock = threading.Lock()  # plans may run on worker threads


def _irradiance(
    t: FloatArray,
    latitude: float,
    longitude: float,
    step_s: float,
    altitude: float,
    tilt: float | None,
    azimuth: float,
) -> FloatArray:
    """Clear-sky irradiance (W/m², GHI or plane of array) at the middle of each step."""
    times = pd.DatetimeIndex(pd.to_datetime(t + step_s / 2.0, unit="s", utc=True))
    loc = Location(latitude, longitude, tz="UTC", altitude=altitude)
    cs = loc.get_clearsky(times)
    if tilt is None:
        return np.nan_to_num(cs["ghi"].to_numpy(dtype=np.float64))
    sun = loc.get_solarposition(times)
    poa = irradiance.get_total_irradiance(
        tilt,
        azimuth,
        sun["apparent_zenith"],
        sun["azimuth"],
        cs["dni"],
        cs["ghi"],
        cs["dhi"],
    )
    return np.nan_to_num(np.asarray(poa["poa_global"], dtype=np.float64))


def clear_sky_kw(
    ts: ArrayLike,
    latitude: float,
    longitude: float,
    kwp: float,
    step_s: float = 900.0,
    altitude: float = 0.0,
    tilt: float | None = None,
    azimuth: float = 180.0,
) -> FloatArray:
    """Clear-sky PV power (kW) for the steps starting at ``ts`` (UTC epoch seconds)."""
    t = np.asarray(ts, dtype=np.float64).reshape(-1)
    if t.size == 0:
        return np.zeros(0)
    key = (float(latitude), float(longitude), float(altitude), tilt, float(azimuth), step_s)
    with _cache_lock:
        known = _cache.setdefault(key, {})
        missing = np.array([x for x in dict.fromkeys(t.tolist()) if x not in known])
        if missing.size:  # and two days beyond: the next re-plans need them (one call)
            ahead = float(missing.max()) + step_s * np.arange(1, PREFETCH_STEPS + 1)
            missing = np.concatenate([missing, [x for x in ahead.tolist() if x not in known]])
            if len(known) + missing.size > CACHE_SIZE:
                known.clear()
            values = _irradiance(missing, latitude, longitude, step_s, altitude, tilt, azimuth)
            known.update(zip(missing.tolist(), values.tolist(), strict=True))
        irr = np.array([known[x] for x in t.tolist()], dtype=np.float64)
    return np.clip(np.nan_to_num(irr) * kwp / 1000.0, 0.0, None)


def recent_ratio(
    history_ts: ArrayLike,
    history_kw: ArrayLike,
    clear_kw: ArrayLike,
    kwp: float,
    default_ratio: float = DEFAULT_RATIO,
) -> float:
    """Measured over clear-sky energy on daylight samples; ``default_ratio`` if none."""
    m = np.asarray(history_kw, dtype=np.float64).reshape(-1)
    c = np.asarray(clear_kw, dtype=np.float64).reshape(-1)
    t = np.asarray(history_ts, dtype=np.float64).reshape(-1)
    if not (m.size == c.size == t.size):
        raise ValueError("history timestamps, values and clear-sky arrays differ in length")
    use = np.isfinite(m) & (c > DAYLIGHT_FRACTION * kwp)
    if not np.any(use) or c[use].sum() <= 0:
        return default_ratio
    return float(np.clip(m[use].sum() / c[use].sum(), 0.0, MAX_RATIO))


def clear_sky_ratio_pv(
    history_ts: ArrayLike,
    history_kw: ArrayLike,
    start_ts: float,
    latitude: float,
    longitude: float,
    kwp: float,
    steps: int = 96,
    step_s: float = 900.0,
    altitude: float = 0.0,
    tilt: float | None = None,
    azimuth: float = 180.0,
    days: float = 3.0,
    default_ratio: float = DEFAULT_RATIO,
) -> Forecast:
    """PV forecast (kW) for ``steps`` steps from ``start_ts`` (UTC epoch seconds).

    ``history_ts``/``history_kw``: measured PV samples, treated as the mean over the step
    starting at each timestamp; only the ``days`` days before ``start_ts`` are used.
    """
    t = np.asarray(history_ts, dtype=np.float64).reshape(-1)
    m = np.asarray(history_kw, dtype=np.float64).reshape(-1)
    if t.size != m.size:
        raise ValueError(f"history has {t.size} timestamps but {m.size} values")
    recent = (t < start_ts) & (t >= start_ts - days * 86400.0)
    clear_hist = clear_sky_kw(t[recent], latitude, longitude, kwp, step_s, altitude, tilt, azimuth)
    ratio = recent_ratio(t[recent], m[recent], clear_hist, kwp, default_ratio)
    target = start_ts + step_s * np.arange(steps, dtype=np.float64)
    clear = clear_sky_kw(target, latitude, longitude, kwp, step_s, altitude, tilt, azimuth)
    values = np.clip(ratio * clear, 0.0, kwp)
    daylight = int(np.sum(np.isfinite(m[recent]) & (clear_hist > DAYLIGHT_FRACTION * kwp)))
    if daylight == 0:
        source = f"ratio {ratio:.2f} (default: no daylight history in the last {days:g} days)"
    else:
        source = f"ratio {ratio:.2f} from {daylight} daylight samples of the last {days:g} days"
    return Forecast(values, float(start_ts), float(step_s), f"clear-sky x {source}")
