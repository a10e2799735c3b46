"""PV forecast for a battery plan under weather it cannot see: clear sky x a cautious ratio.

A plan decides at night how full the battery must be for the morning peak, against the PV
it expects. A forecast from the mean of the last days' weather is wrong both ways on a
cloudy month, and the two errors do not cost the same: expecting sun that does not come
leaves the battery empty in the peak (the price of a peak kWh lost), expecting clouds on a
sunny day buys valley energy the sun would have given (the valley price). So the day ahead
uses a low quantile of the recent *daily* ratios (measured / clear-sky energy), the
newsvendor's answer to those two costs (docs/optimizer.md, "PV under uncertain weather").

Within a day the weather persists: once ``intraday_min_h`` hours of today's daylight are
measured, the rest of today uses today's own ratio so far (an overcast morning stays
overcast, a clear one clear), and later days the quantile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from app.forecast.pv import DAYLIGHT_FRACTION, DEFAULT_RATIO, MAX_RATIO, clear_sky_kw
from app.forecast.types import Forecast


def daily_ratios(
    ts: np.ndarray, measured: np.ndarray, clear: np.ndarray, kwp: float, tz: str
) -> pd.Series:
    """Measured over clear-sky energy per local date, over daylight samples (finite ones)."""
    use = np.isfinite(measured) & (clear > DAYLIGHT_FRACTION * kwp)
    if not np.any(use):
        return pd.Series(dtype=np.float64)
    dates = pd.to_datetime(ts[use], unit="s", utc=True).tz_convert(tz).date
    frame = pd.DataFrame({"m": measured[use], "c": clear[use], "d": dates})
    sums = frame.groupby("d")[["m", "c"]].sum()
    return (sums["m"] / sums["c"]).clip(0.0, MAX_RATIO)


def quantile_ratio_pv(
    history_ts: ArrayLike,
    history_kw: ArrayLike,
    start_ts: float,
    latitude: float,
    longitude: float,
    kwp: float,
    steps: int = 96,
    step_s: float = 900.0,
    tz: str = "UTC",
    days: int = 14,
    quantile: float = 0.3,
    intraday_min_h: float = 1.0,
    default_ratio: float = DEFAULT_RATIO,
) -> Forecast:
    """PV forecast (kW) for ``steps`` steps from ``start_ts`` (UTC epoch seconds).

    ``history_ts``/``history_kw``: PV samples, each the mean over the step starting there.
    Day-ahead ratio: the ``quantile`` of the daily ratios of the complete days among the
    last ``days`` days (``default_ratio`` without one); today's remaining steps: today's
    own ratio once ``intraday_min_h`` hours of daylight are measured."""
    if not 0.0 <= quantile <= 1.0:
        raise ValueError(f"quantile {quantile} is outside 0..1")
    t = np.asarray(history_ts, dtype=np.float64).reshape(-1)
    m = np.asarray(history_kw, dtype=np.float64).reshape(-1)
    if t.size != m.size:
        raise ValueError(f"history has {t.size} timestamps but {m.size} values")
    recent = (t < start_ts) & (t >= start_ts - days * 86400.0)
    t, m = t[recent], m[recent]
    clear_hist = clear_sky_kw(t, latitude, longitude, kwp, step_s)
    ratios = daily_ratios(t, m, clear_hist, kwp, tz)
    today = pd.Timestamp(start_ts, unit="s", tz="UTC").tz_convert(tz).date()
    past = ratios[[d < today for d in ratios.index]]
    ahead = float(np.quantile(past.to_numpy(), quantile)) if past.size else default_ratio
    method = (
        f"clear-sky x q{quantile:g} ratio {ahead:.2f} of {past.size} day(s)"
        if past.size
        else f"clear-sky x ratio {ahead:.2f} (default: no complete day in the last {days} days)"
    )
    target = start_ts + step_s * np.arange(steps, dtype=np.float64)
    clear = clear_sky_kw(target, latitude, longitude, kwp, step_s)
    ratio = np.full(steps, ahead)
    hist_dates = pd.to_datetime(t, unit="s", utc=True).tz_convert(tz).date
    lit = np.isfinite(m) & (clear_hist > DAYLIGHT_FRACTION * kwp) & (hist_dates == today)
    if np.sum(lit) * step_s >= intraday_min_h * 3600.0 and clear_hist[lit].sum() > 0:
        now_ratio = float(np.clip(m[lit].sum() / clear_hist[lit].sum(), 0.0, MAX_RATIO))
        target_dates = pd.to_datetime(target, unit="s", utc=True).tz_convert(tz).date
        ratio[target_dates == today] = now_ratio
        method += f"; today {now_ratio:.2f} from {int(np.sum(lit))} daylight samples"
    values = np.clip(ratio * clear, 0.0, kwp)
    return Forecast(values, float(start_ts), float(step_s), method)
