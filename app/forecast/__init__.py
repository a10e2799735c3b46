"""Default forecasts for the optimiser: plain arrays in, a :class:`Forecast` out.

Load: same-weekday profile (``same_weekday_load``). PV: clear-sky x recent ratio
(``clear_sky_ratio_pv``), or clear sky x a low quantile of the
recent daily ratios (``quantile_ratio_pv``). See docs/optimizer.md, section "Forecasts".
"""

from app.forecast.load import day_kind, same_weekday_load, weekly_growth
from app.forecast.pv import clear_sky_kw, clear_sky_ratio_pv, recent_ratio
from app.forecast.pv_quantile import daily_ratios, quantile_ratio_pv
from app.forecast.types import Forecast

__all__ = [
    "Forecast",
    "clear_sky_kw",
    "clear_sky_ratio_pv",
    "daily_ratios",
    "day_kind",
    "quantile_ratio_pv",
    "recent_ratio",
    "same_weekday_load",
    "weekly_growth",
]
