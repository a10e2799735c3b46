"""Default load forecast: the same-weekday profile from recent history.

For each day of the horizon (station-local dates), the forecast of a 15-minute slot is the
mean of that slot over the last ``k`` same weekdays in the history that are at least
``min_coverage`` complete. Fallbacks, in order: the most recent complete day (any weekday),
then a flat profile at the mean of all history (or ``flat_kw`` if there is no history).
Missing slots inside a chosen day are filled from neighbouring slots.
"""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from app.forecast._series import binned, local_steps, slot_of_day
from app.forecast.types import FloatArray, Forecast

DEFAULT_WEEKS = 4


def _day_profiles(series: pd.Series, step_s: float) -> dict[date, FloatArray]:
    """Per local date: an array over the slots of a day (NaN where there is no data)."""
    slots = round(86400 / step_s)
    out: dict[date, FloatArray] = {}
    if series.empty:
        return out
    index = pd.DatetimeIndex(series.index)
    dates = index.date
    slot = slot_of_day(index, step_s)
    values = series.to_numpy(dtype=np.float64)
    for d in sorted(set(dates)):
        mask = dates == d
        prof = np.full(slots, np.nan)
        prof[slot[mask]] = values[mask]
        out[d] = prof
    return out


def _fill(profile: FloatArray) -> FloatArray:
    if np.all(np.isnan(profile)):
        return profile
    s = pd.Series(profile).interpolate(limit_direction="both")
    return s.to_numpy(dtype=np.float64)


def same_weekday_load(
    history_ts: ArrayLike,
    history_kw: ArrayLike,
    start_ts: float,
    steps: int = 96,
    step_s: float = 900.0,
    tz: str = "UTC",
    k: int = DEFAULT_WEEKS,
    min_coverage: float = 0.9,
    flat_kw: float | None = None,
    statistic: str = "mean",
) -> Forecast:
    """Load forecast (kW) for ``steps`` steps from ``start_ts`` (UTC epoch seconds).

    ``statistic``: "mean" of the same-weekday days, or "max" (per slot: a cautious forecast
    for demand-charge planning, which must not under-forecast the peak).

    ``history_ts``/``history_kw``: measured load samples (any resolution; binned to
    ``step_s`` means). Only days strictly before each forecast day are used.
    """
    series = binned(history_ts, history_kw, step_s, tz)
    profiles = _day_profiles(series, step_s)
    complete = {d: p for d, p in profiles.items() if np.mean(~np.isnan(p)) >= min_coverage}
    target = local_steps(start_ts, steps, step_s, tz)
    target_dates = target.date
    target_slots = slot_of_day(target, step_s)
    values = np.zeros(steps)
    methods: list[str] = []
    for day in sorted(set(target_dates)):
        weekday = day.weekday()
        same = [d for d in complete if d < day and d.weekday() == weekday][-k:]
        if same:
            with warnings.catch_warnings():  # a slot missing on every day stays NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                reduce = np.nanmax if statistic == "max" else np.nanmean
                prof = reduce(np.vstack([complete[d] for d in same]), axis=0)
            method = f"same-weekday {statistic} of {len(same)} day(s)"
        else:
            before = [d for d in complete if d < day]
            if before:
                prof = complete[before[-1]]
                method = f"last complete day ({before[-1]})"
            else:
                level = float(series.mean()) if not series.empty else (flat_kw or 0.0)
                prof = np.full(round(86400 / step_s), level)
                method = f"flat {level:.1f} kW"
        prof = _fill(prof)
        mask = target_dates == day
        values[mask] = prof[np.minimum(target_slots[mask], prof.size - 1)]
        methods.append(f"{day}: {method}")
    return Forecast(values, float(start_ts), float(step_s), "; ".join(methods))
