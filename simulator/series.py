"""Load and PV series from the simulator's own models, for backtests (no protocols).

The backtester in app/ must not import the simulator; main.py hands it this generator.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from app.backtest import Series
from app.model import Station
from simulator.load import Load, LoadParams
from simulator.plant import PlantParams
from simulator.pv import PvInverter
from simulator.site import Site
from simulator.solar import ClearSky
from simulator.weather import Weather

CLOUDINESS = 0.3  # the simulator's default


def simulated_series(
    station: Station, start_ts: float, days: float, step_s: int = 60, seed: int = 1
) -> tuple[Series, Series]:
    """Load and available PV (kW, one value per ``step_s``) from the simulator's models,
    for ``days`` from ``start_ts`` plus one spare quarter hour; same seed, same series."""
    loc = station.info.location
    site = Site(
        latitude=loc.latitude if loc else Site.latitude,
        longitude=loc.longitude if loc else Site.longitude,
        altitude=loc.altitude if loc else Site.altitude,
        timezone=station.info.timezone,
    )
    prm = PlantParams()
    sky = ClearSky(site, prm.geometry)
    weather = Weather(seed, CLOUDINESS, prm.climate)
    load = Load(LoadParams(), seed)
    inverters = [PvInverter(p) for p in prm.pv]
    n = round(days * 86400 / step_s) + 900 // step_s
    ts = start_ts + step_s * np.arange(n, dtype=np.float64)
    load_kw = np.empty(n)
    pv_kw = np.empty(n)
    zone = site.zone
    for k in range(n):
        t = float(ts[k])
        local = dt.datetime.fromtimestamp(t, zone)
        hour = local.hour + local.minute / 60.0 + local.second / 3600.0
        t_amb = weather.ambient_c(t, hour, local.timetuple().tm_yday)
        wind = weather.wind_ms(t)
        ghi, poa = sky.irradiance(t)
        kt = weather.transmittance(t)
        pv = 0.0
        for inv in inverters:
            inv_kt = weather.transmittance(t - inv.params.cloud_lag_s)
            inv.step(step_s, poa * inv_kt, t_amb, wind, True, local.date())
            pv += inv.p_available_kw
        pv_kw[k] = pv
        load_kw[k] = load.step(t, hour, local.weekday(), t_amb, ghi * kt, True)
    return Series(ts, load_kw, step_s, "simulator load"), Series(ts, pv_kw, step_s, "simulator pv")
