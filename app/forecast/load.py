"""Default load forecast: the same-weekday profile from recent history.

For each day of the horizon (station-local dates), the forecast of a 15-minute slot is the
mean of that slot over the last ``k`` same weekdays in the history that are at least
``min_coverage`` complete. Public holidays (``holidays``) count as Sundays, both in the
history and in the horizon, and make-up working days (``workdays``) as Wednesdays. With
``trend``, each of those days is first scaled by the weekly growth since then (a log-linear
fit of the daily mean load over the last ``k`` weeks, one level per kind of day).
Fallbacks, in order: the most recent complete day (any weekday), then a flat profile at
the mean of all history (or ``flat_kw`` if there is no history). Missing slots inside a
chosen day are filled from neighbouring slots.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from app.forecast._series import binned, local_steps, slot_of_day
from app.forecast.types import FloatArray, Forecast

DEFAULT_WEEKS = 4
SUNDAY = 6
TREND_MIN_DAYS = 10  # complete days the growth fit needs (and two distinct weeks)
TREND_MAX_WEEKLY = 0.25  # the fitted growth is clipped to +-25 % a week


WORKDAY = 2  # a make-up working day (调休) is forecast like a Wednesday, a plain working day


def day_kind(day: date, holidays: Collection[date] = (), workdays: Collection[date] = ()) -> int:
    """0..6 as ``date.weekday()``; a public holiday is a Sunday (6), a make-up working day
    (a weekend day worked instead of a holiday) a Wednesday (2)."""
    if day in holidays:
        return SUNDAY
    return WORKDAY if day in workdays else day.weekday()


def weekly_growth(
    means: dict[date, float],
    before: date,
    weeks: int,
    holidays: Collection[date] = (),
    workdays: Collection[date] = (),
) -> float | None:
    """Relative load growth per week (0.03: +3 % a week) from the daily means of the days in
    the ``weeks`` weeks before ``before``: least squares of log(mean) on the day number with
    one intercept per kind of day (weekday, holidays as Sundays). None when there are fewer
    than ``TREND_MIN_DAYS`` days, they do not span two weeks, or a mean is not positive."""
    days = [d for d in means if d < before and (before - d).days <= 7 * weeks]
    if len(days) < TREND_MIN_DAYS or (max(days) - min(days)).days < 7:
        return None
    y = np.array([means[d] for d in days])
    if not np.all(np.isfinite(y)) or np.any(y <= 0):
        return None
    kinds = sorted({day_kind(d, holidays, workdays) for d in days})
    x = np.zeros((len(days), len(kinds) + 1))
    for row, d in enumerate(days):
        x[row, kinds.index(day_kind(d, holidays, workdays))] = 1.0
        x[row, -1] = (d - before).days / 7.0
    coef, *_ = np.linalg.lstsq(x, np.log(y), rcond=None)
    growth = math.expm1(float(coef[-1]))
    return min(max(growth, -TREND_MAX_WEEKLY), TREND_MAX_WEEKLY)


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
    holidays: Collection[date] = (),
    trend: bool = False,
    workdays: Collection[date] = (),
) -> Forecast:
    """Load forecast (kW) for ``steps`` steps from ``start_ts`` (UTC epoch seconds).

    ``statistic``: "mean" of the same-weekday days, or "max" (per slot: a cautious forecast
    for demand-charge planning, which must not under-forecast the peak).
    ``holidays``: station-local dates forecast like Sundays (and used only for Sundays);
    ``workdays``: make-up working days, forecast like (and used for) Wednesdays.
    ``trend``: scale each past day by the weekly growth fitted over the last ``k`` weeks
    (:func:`weekly_growth`) to the day forecast.

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
    holidays, workdays = frozenset(holidays), frozenset(workdays)
    means = {d: float(np.nanmean(p)) for d, p in complete.items()} if trend else {}
    for day in sorted(set(target_dates)):
        kind = day_kind(day, holidays, workdays)
        same = [d for d in complete if d < day and day_kind(d, holidays, workdays) == kind][-k:]
        if same:
            growth = weekly_growth(means, day, k, holidays, workdays) if trend else None
            rows = [complete[d] for d in same]
            if growth is not None:
                rows = [
                    r * (1.0 + growth) ** ((day - d).days / 7.0)
                    for r, d in zip(rows, same, strict=True)
                ]
            with warnings.catch_warnings():  # a slot missing on every day stays NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                reduce = np.nanmax if statistic == "max" else np.nanmean
                prof = reduce(np.vstack(rows), axis=0)
            what = "holiday/Sunday" if kind == SUNDAY and holidays else "same-weekday"
            method = f"{what} {statistic} of {len(same)} day(s)"
            if growth is not None:
                method += f", trend {growth:+.1%}/week"
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
