"""What raising the month's peak is worth to a plan that covers only a day of the month.

The demand charge is D per kW of the month's highest 15-minute import. What the month has
already reached (the running peak) is paid whatever happens; a plan only decides whether to
raise it. There is no point in shaving below the peak the rest of the month will set anyway:
``hindsight_peak`` estimates it as the peak the LP optimum with perfect foresight holds over
the recent history (a month like the last weeks). The MPC prices a kW up to that level at the
plan's share of the rest of the month (it serves every later day too), and above it at the
whole charge (docs/optimizer.md "Demand charge in the MPC"); the cost is convex and goes
into the LP as segments (``PlanInputs.demand_segments``).
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from app.battery import BatteryParams
from app.optimizer.inputs import PlanInputs
from app.optimizer.planner import plan_day


def month_end(ts: float, zone: ZoneInfo) -> float:
    """UTC epoch seconds of the start of the station-local month after the one holding ts."""
    local = dt.datetime.fromtimestamp(ts, zone)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + dt.timedelta(days=32)).replace(day=1).timestamp()


def hindsight_peak(
    ts: ArrayLike,
    load_kw: ArrayLike,
    pv_kw: ArrayLike,
    import_price: ArrayLike,
    export_price: ArrayLike,
    demand_charge_per_kw: float,
    battery: BatteryParams,
    soc_min: float | None = None,
    soc_max: float | None = None,
    export_limit_kw: float = math.inf,
    step_s: float = 900.0,
    min_days: float = 7.0,
) -> float | None:
    """The peak import the LP optimum with perfect foresight holds over the history: what a
    month like the recent past needs (and sets anyway). ``ts`` must be regular steps; None
    with fewer than ``min_days`` days or when the LP fails. Export is priced below import
    (no MIP over weeks: docs/backtest.md)."""
    t = np.asarray(ts, dtype=np.float64).reshape(-1)
    if t.size * step_s < min_days * 86400.0:
        return None
    imp = np.asarray(import_price, dtype=np.float64)
    exp = np.minimum(np.asarray(export_price, dtype=np.float64), imp - 1e-4)
    plan = plan_day(
        PlanInputs(
            load_kw=np.asarray(load_kw, dtype=np.float64),
            pv_kw=np.clip(np.asarray(pv_kw, dtype=np.float64), 0.0, None),
            import_price=imp,
            export_price=exp,
            demand_charge_per_kw=demand_charge_per_kw,
            battery=battery,
            soc_initial=0.5,
            soc_min=soc_min,
            soc_max=soc_max,
            soc_target=0.5 if soc_min is None or soc_min <= 0.5 else soc_min,
            export_limit_kw=export_limit_kw,
            start_ts=float(t[0]),
            step_s=step_s,
        )
    )
    return float(plan.peak_import_kw) if plan.ok else None


def regular(
    ts: ArrayLike, kw: ArrayLike, step_s: float = 900.0, coverage: float = 0.9
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """The samples on a regular grid from the first to the last, gaps interpolated; None
    when less than ``coverage`` of the grid has samples."""
    t = np.asarray(ts, dtype=np.float64).reshape(-1)
    v = np.asarray(kw, dtype=np.float64).reshape(-1)
    good = np.isfinite(t) & np.isfinite(v)
    t, v = t[good], v[good]
    if t.size < 2:
        return None
    grid = t[0] + step_s * np.arange(round((t[-1] - t[0]) / step_s) + 1, dtype=np.float64)
    if t.size < coverage * grid.size:
        return None
    return grid, np.interp(grid, t, v)
