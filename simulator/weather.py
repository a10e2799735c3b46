"""Outdoor conditions at the site: air temperature, wind, humidity and passing clouds.

Temperature is a seasonal mean plus a daily swing peaking mid-afternoon (defaults fit
Hangzhou: ~4 °C in January, ~29 °C in July, ±4.5 °C over the day). Cloud cover comes from
smooth noise through a threshold set by ``cloudiness`` (0 = clear sky all day, 1 = mostly
overcast): clouds build up and pass over minutes, as they do, and repeat for a given seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.noise import SmoothNoise


@dataclass(frozen=True)
class ClimateParams:
    t_annual_mean_c: float = 17.0
    t_seasonal_amp_c: float = 12.5
    t_coldest_doy: int = 20
    t_daily_amp_c: float = 4.5
    t_warmest_hour: float = 14.5
    wind_mean_ms: float = 2.2
    # fraction of the direct/clear-sky light a thick cloud takes away
    cloud_opacity: float = 0.75


class Weather:
    def __init__(self, seed: int, cloudiness: float, climate: ClimateParams | None = None) -> None:
        if not 0.0 <= cloudiness <= 1.0:
            raise ValueError(f"cloudiness {cloudiness} is outside 0..1")
        self.cloudiness = cloudiness
        self.climate = climate or ClimateParams()
        self._clouds = SmoothNoise(seed * 7 + 1, (300.0, 2400.0), components=7)
        self._temp = SmoothNoise(seed * 7 + 2, (1800.0, 14400.0), components=3)
        self._wind = SmoothNoise(seed * 7 + 3, (20.0, 900.0), components=5)

    def ambient_c(self, t: float, local_hour: float, day_of_year: int) -> float:
        c = self.climate
        seasonal = c.t_annual_mean_c - c.t_seasonal_amp_c * math.cos(
            2.0 * math.pi * (day_of_year - c.t_coldest_doy) / 365.25
        )
        daily = c.t_daily_amp_c * math.cos(2.0 * math.pi * (local_hour - c.t_warmest_hour) / 24.0)
        return seasonal + daily + 1.0 * self._temp.value(t)

    def cloud_cover(self, t: float) -> float:
        """0 (clear) .. 1 (thick cloud) at time ``t``."""
        if self.cloudiness <= 0.0:
            return 0.0
        threshold = 1.0 - 2.0 * self.cloudiness
        # scale 0.25: a cloud edge takes a few minutes to pass, not a step
        return min(1.0, max(0.0, (self._clouds.value(t) - threshold) / 0.25))

    def transmittance(self, t: float) -> float:
        """Share of the clear-sky irradiance that gets through the clouds."""
        return 1.0 - self.climate.cloud_opacity * self.cloud_cover(t)

    def wind_ms(self, t: float) -> float:
        return max(0.2, self.climate.wind_mean_ms * (1.0 + 0.6 * self._wind.value(t)))

    def humidity_pct(self, local_hour: float, t: float) -> float:
        # drier in the warm afternoon, wetter at dawn; cloudier is wetter
        swing = 15.0 * math.cos(2.0 * math.pi * (local_hour - self.climate.t_warmest_hour) / 24.0)
        return min(100.0, max(15.0, 72.0 - swing + 12.0 * self.cloud_cover(t)))
