"""``run_backtest``: series in, three bills and the figures out. No I/O besides the station
file's control section; no wall clock; no randomness."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.backtest.control import build_backtest_control
from app.backtest.engine import DEFAULT_STEP_S, run_strategies
from app.backtest.optimum import solve_optimum
from app.backtest.result import BacktestResult
from app.backtest.series import QUARTER_S, FloatArray, Series, on_grid, quarter_means
from app.battery import BatteryParams
from app.control.config import ControlConfig
from app.control.snapshot import SiteRoles
from app.model import Station
from app.tariff import Tariff, compute_bill

# forecasting strategies learn from at most this much data before the start
PRIME_MAX_DAYS = 28.0


def import_margin(config: ControlConfig) -> float:
    """The export guard's margin (kW of import it keeps), else 0."""
    guard = config.protection.export
    return 0.0 if guard is None else float(guard.margin_kw)


def export_limit(config: ControlConfig) -> float:
    """The station's export limit (protection's export guard, kW), else no limit."""
    guard = config.protection.export
    return float("inf") if guard is None else float(guard.limit_kw)


def export_tolerance(config: ControlConfig) -> float:
    """Export above limit + this is a violation (the guard's tolerance), else 0."""
    guard = config.protection.export
    return 0.0 if guard is None else float(guard.tolerance_kw)


def prior_quarters(
    load: Series, pv: Series, start_ts: float, step_s: int, max_days: float = PRIME_MAX_DAYS
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Quarter-hour (start, load, PV) of the data both series hold before ``start_ts`` (at
    most ``max_days``): what a station would have recorded before the backtest begins."""
    first = max(
        float(load.ts[0]) if load.ts.size else start_ts, float(pv.ts[0]) if pv.ts.size else start_ts
    )
    first = max(math.ceil(first / QUARTER_S) * QUARTER_S, start_ts - max_days * 86400)
    nq = int((start_ts - first) // QUARTER_S)
    if nq <= 0:
        empty = np.zeros(0)
        return empty, empty, empty
    first = start_ts - nq * QUARTER_S
    n = nq * (QUARTER_S // step_s)
    load_q = quarter_means(on_grid(load, first, n, step_s, "load"), step_s)
    pv_q = quarter_means(np.maximum(on_grid(pv, first, n, step_s, "pv"), 0.0), step_s)
    return first + QUARTER_S * np.arange(nq, dtype=np.float64), load_q, pv_q


def run_backtest(
    station: Station,
    tariff: Tariff,
    load: Series,
    pv: Series,
    *,
    start_ts: float,
    days: float,
    soc_pct: float = 60.0,
    battery: BatteryParams | None = None,
    strategy: str | None = None,
    step_s: int = DEFAULT_STEP_S,
    control: dict[str, Any] | None = None,
    control_source: str | None = None,
    roles: SiteRoles | None = None,
) -> BacktestResult:
    """Backtest ``days`` from ``start_ts`` (UTC, on a quarter hour).

    ``control`` replaces the station file's control section (tests); ``strategy`` runs only
    the strategy of that name. Raises StrategyNotFound, SeriesError, OptimumError, ConfigError.
    """
    if not 0.0 <= soc_pct <= 100.0:
        raise ValueError(f"initial SOC {soc_pct} % is outside 0..100")
    n_quarters = round(days * 86400 / QUARTER_S)
    if n_quarters < 1:
        raise ValueError(f"days {days} is less than one quarter hour")
    params = battery or BatteryParams()
    roles = roles or SiteRoles.from_station(station)
    config, notes = build_backtest_control(
        station, tariff, roles, strategy, control, section_source=control_source
    )
    n = n_quarters * (QUARTER_S // step_s)
    load_kw = on_grid(load, start_ts, n, step_s, "load")
    pv_kw = np.maximum(on_grid(pv, start_ts, n, step_s, "pv"), 0.0)
    run = run_strategies(
        config,
        roles,
        start_ts,
        load_kw,
        pv_kw,
        step_s=step_s,
        soc=soc_pct / 100.0,
        battery=params,
        prior=prior_quarters(load, pv, start_ts, step_s),
    )
    optimal = solve_optimum(tariff, run, params, export_limit(config), import_margin(config))
    if optimal.months > 1:
        notes.append(
            f"{optimal.months} months: the LP is solved month by month (demand charge per month)"
        )
    # without storage the export limit still holds: PV above it is curtailed
    limit = export_limit(config)
    without = compute_bill(tariff, run.ts, np.maximum(run.load_kw - run.pv_available_kw, -limit))
    return BacktestResult(
        run=run,
        optimal=optimal,
        without=without,
        strategy=compute_bill(tariff, run.ts, run.grid_kw),
        optimum=compute_bill(tariff, run.ts, optimal.grid_kw),
        capacity_kwh=params.capacity_kwh,
        timezone=station.info.timezone,
        strategies=tuple(s.name for s in config.strategies),
        days=n_quarters * QUARTER_S / 86400,
        notes=tuple(notes),
    )
