"""Default forecasts for the optimiser: plain arrays in, a :class:`Forecast` out.

Load: same-weekday profile (``same_weekday_load``). PV: clear-sky x recent ratio
(``clear_sky_ratio_pv``). See docs/optimizer.md, section "Forecasts".
"""

from app.forecast.load import day_kind, same_weekday_load, weekly_growth
from app.forecast.pv import clear_sky_kw, clear_sky_ratio_pv, recent_ratio
from app.forecast.types import Forecast

__all__ = [
    "Forecast",
    "clear_sky_kw",
    "clear_sky_ratio_pv",
    "day_kind",
    "recent_ratio",
    "same_weekday_load",
    "weekly_growth",
]
