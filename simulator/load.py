"""A commercial/industrial site's consumption, built from the sub-loads that make it.

- base: always-on equipment (servers, compressors on standby, security);
- production: a day/evening shift plan on weekdays, a short Saturday, a near-idle Sunday,
  with a lunch dip and machine cycles;
- lighting: on while the plant works, dimmed by daylight;
- HVAC: cooling above a balance temperature, heating below another, harder when occupied.
Defaults give about 800 kW on a hot summer weekday afternoon. Power factor ~0.93 lagging.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.noise import SmoothNoise

# (hour, share of production power) on a working day: ramp-up 06:30-08:00, lunch 12-13,
# the evening shift at reduced strength until midnight
_SHIFT_PLAN = (
    (0.0, 0.12),
    (6.5, 0.12),
    (8.0, 1.0),
    (11.9, 1.0),
    (12.0, 0.55),
    (12.9, 0.55),
    (13.0, 1.0),
    (19.8, 1.0),
    (20.2, 0.45),
    (23.8, 0.45),
    (24.0, 0.12),
)
_PLAN_H = np.array([h for h, _ in _SHIFT_PLAN])
_PLAN_F = np.array([f for _, f in _SHIFT_PLAN])
# weekday() -> how much of the plan runs (Saturday short, Sunday near idle)
_DAY_SHARE = (1.0, 1.0, 1.0, 1.0, 1.0, 0.55, 0.15)


@dataclass(frozen=True)
class LoadParams:
    base_kw: float = 90.0
    production_kw: float = 480.0
    lighting_kw: float = 45.0
    lighting_night_kw: float = 8.0
    ventilation_kw: float = 20.0
    cooling_kw_per_k: float = 16.0
    cooling_balance_c: float = 22.0
    heating_kw_per_k: float = 10.0
    heating_balance_c: float = 14.0
    power_factor: float = 0.93
    noise_share: float = 0.012


@dataclass(frozen=True)
class LoadBreakdown:
    base: float
    production: float
    lighting: float
    hvac: float

    @property
    def total(self) -> float:
        return self.base + self.production + self.lighting + self.hvac


class Load:
    def __init__(self, params: LoadParams, seed: int) -> None:
        self.params = params
        self._noise = SmoothNoise(seed * 13 + 1, (4.0, 120.0), components=6)
        self._machines = SmoothNoise(seed * 13 + 2, (60.0, 1200.0), components=4)
        self.breakdown = LoadBreakdown(0.0, 0.0, 0.0, 0.0)
        self.p_kw = 0.0
        self.q_kvar = 0.0

    def occupancy(self, local_hour: float, weekday: int) -> float:
        """Share of production running (0..1) at this hour of this day of the week."""
        return float(np.interp(local_hour, _PLAN_H, _PLAN_F)) * _DAY_SHARE[weekday]

    def step(
        self, t: float, local_hour: float, weekday: int, ambient_c: float, ghi: float, on: bool
    ) -> float:
        prm = self.params
        if not on:  # the site is dark (grid breaker open)
            self.breakdown = LoadBreakdown(0.0, 0.0, 0.0, 0.0)
            self.p_kw = self.q_kvar = 0.0
            return 0.0
        occ = self.occupancy(local_hour, weekday)
        production = prm.production_kw * occ * (1.0 + 0.04 * self._machines.value(t))
        working = occ > 0.3
        daylight = min(ghi / 500.0, 1.0)
        lighting = prm.lighting_kw * (1.0 - 0.7 * daylight) if working else prm.lighting_night_kw
        comfort = 0.6 + 0.4 * min(occ, 1.0)
        cooling = prm.cooling_kw_per_k * max(ambient_c - prm.cooling_balance_c, 0.0)
        heating = prm.heating_kw_per_k * max(prm.heating_balance_c - ambient_c, 0.0)
        hvac = (cooling + heating) * comfort + (prm.ventilation_kw if working else 0.0)
        self.breakdown = LoadBreakdown(prm.base_kw, production, lighting, hvac)
        self.p_kw = self.breakdown.total * (1.0 + prm.noise_share * self._noise.value(t))
        self.q_kvar = self.p_kw * math.tan(math.acos(prm.power_factor))
        return self.p_kw
