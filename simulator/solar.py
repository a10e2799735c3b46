"""Clear-sky irradiance at the site, from pvlib, precomputed per day on a one-minute grid.

pvlib's solar position and Ineichen clear-sky model take ~25 ms for a whole day but far
more per call than a physics step may cost, so a day is computed once (off the loop where
the caller can) and each step interpolates two neighbouring minutes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pvlib

from simulator.site import Site


@dataclass(frozen=True)
class ArrayGeometry:
    """How the modules face: tilt from horizontal and azimuth (180 = due south)."""

    tilt_deg: float = 20.0
    azimuth_deg: float = 180.0


@dataclass(frozen=True)
class _Day:
    t0: float  # epoch seconds of local midnight
    ghi: np.ndarray  # W/m², one per minute, last = next midnight
    poa: np.ndarray  # plane-of-array global irradiance, W/m²


class ClearSky:
    """Clear-sky GHI and POA at any time; keeps the last few days' tables."""

    KEEP_DAYS = 3

    def __init__(self, site: Site, geometry: ArrayGeometry | None = None) -> None:
        self.site = site
        self.geometry = geometry or ArrayGeometry()
        self._location = pvlib.location.Location(
            site.latitude, site.longitude, tz=site.timezone, altitude=site.altitude
        )
        self._days: dict[date, _Day] = {}
        self._lock = threading.Lock()  # prepare() may run in a worker thread

    def local_date(self, t: float) -> date:
        return datetime.fromtimestamp(t, self.site.zone).date()

    def prepare(self, t: float) -> None:
        """Compute the tables for ``t``'s day and the next (call from a thread at start)."""
        day = self.local_date(t)
        for d in (day, day + timedelta(days=1)):
            self._day(d)

    def _day(self, d: date) -> _Day:
        with self._lock:
            table = self._days.get(d)
            if table is None:
                table = self._compute(d)
                self._days[d] = table
                for old in sorted(self._days)[: -self.KEEP_DAYS]:
                    del self._days[old]
            return table

    def _compute(self, d: date) -> _Day:
        zone = self.site.zone
        start = pd.Timestamp(datetime(d.year, d.month, d.day, tzinfo=zone))
        end = pd.Timestamp(datetime(d.year, d.month, d.day, tzinfo=zone) + timedelta(days=1))
        times = pd.date_range(start, end, freq="1min")
        sky = self._location.get_clearsky(times, model="ineichen")
        sun = self._location.get_solarposition(times)
        poa = pvlib.irradiance.get_total_irradiance(
            self.geometry.tilt_deg,
            self.geometry.azimuth_deg,
            sun["apparent_zenith"],
            sun["azimuth"],
            sky["dni"],
            sky["ghi"],
            sky["dhi"],
        )["poa_global"]
        return _Day(
            t0=start.timestamp(),
            ghi=np.nan_to_num(sky["ghi"].to_numpy(dtype=float)).clip(min=0.0),
            poa=np.nan_to_num(poa.to_numpy(dtype=float)).clip(min=0.0),
        )

    def irradiance(self, t: float) -> tuple[float, float]:
        """(GHI, POA) in W/m² under a clear sky at ``t``."""
        day = self._day(self.local_date(t))
        x = (t - day.t0) / 60.0
        i = min(max(int(x), 0), len(day.ghi) - 2)
        f = min(max(x - i, 0.0), 1.0)
        ghi = float(day.ghi[i] * (1.0 - f) + day.ghi[i + 1] * f)
        poa = float(day.poa[i] * (1.0 - f) + day.poa[i + 1] * f)
        return ghi, poa
