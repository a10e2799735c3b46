"""``run_backtest``: series in, three bills and the figures out. No I/O besides the station
file's control section; no wall clock; no randomness."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.backtest.control import build_backtest_control
from app.backtest.engine import DEFAULT_STEP_S, run_strategies
from app.backtest.optimum import solve_optimum
from app.backtest.result import BacktestResult
from app.backtest.series import QUARTER_S, Series, on_grid
from app.battery import BatteryParams
from app.control.config import ControlConfig
from app.control.snapshot import SiteRoles
from app.model import Station
from app.tariff import Tariff, compute_bill


def export_limit(config: ControlConfig) -> float:
    """The export limit of the configured export_limit strategy (kW), else no limit."""
    limits = [
        float(s.params.limit_kw)  # type: ignore[attr-defined]
        for s in config.strategies
        if getattr(s, "kind", "") == "export_limit"
    ]
    return min(limits) if limits else float("inf")


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
    config, notes = build_backtest_control(station, tariff, roles, strategy, control)
    n = n_quarters * (QUARTER_S // step_s)
    load_kw = on_grid(load, start_ts, n, step_s, "load")
    pv_kw = np.maximum(on_grid(pv, start_ts, n, step_s, "pv"), 0.0)
    run = run_strategies(
        config, roles, start_ts, load_kw, pv_kw, step_s=step_s, soc=soc_pct / 100.0, battery=params
    )
    optimal = solve_optimum(tariff, run, params, export_limit(config))
    if optimal.months > 1:
        notes.append(
            f"{optimal.months} months: the LP is solved month by month (demand charge per month)"
        )
    without = compute_bill(tariff, run.ts, run.load_kw - run.pv_available_kw)
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
