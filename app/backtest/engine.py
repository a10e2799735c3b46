"""Replay load and PV through the control cycle and the plant model, in simulated time.

Each control step (default 60 s) builds a Snapshot from the plant, runs the same
``app.control.Cycle`` the runtime runs (strategies -> arbitrate -> protect) with an injected
clock, applies the protected setpoints (PCS power, PV limits) to the plant and records the
step. Nothing reads the wall clock and nothing is random: the same inputs give the same
series, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.backtest.plant import BacktestPlant
from app.backtest.series import QUARTER_S, FloatArray, quarter_means
from app.backtest.violations import ExportViolations
from app.battery import Battery, BatteryParams
from app.control.config import ControlConfig
from app.control.cycle import Cycle
from app.control.snapshot import SiteRoles

DEFAULT_STEP_S = 60


class SimClock:
    """The injected clock: simulated UTC epoch seconds."""

    def __init__(self, t: float) -> None:
        self.t = t

    def now(self) -> float:
        return self.t


@dataclass(frozen=True)
class StrategyRun:
    """15-minute series of one backtest run (averages; SOC at the end of each quarter)."""

    ts: FloatArray  # UTC epoch seconds, start of each quarter hour
    load_kw: FloatArray
    pv_available_kw: FloatArray
    pv_kw: FloatArray  # delivered, after curtailment
    bess_kw: FloatArray
    grid_kw: FloatArray
    soc: FloatArray  # 0..1 at the end of each quarter
    soc_start: float
    charged_kwh: float
    discharged_kwh: float
    step_s: int
    cycles_run: int
    export_violations: ExportViolations


def run_strategies(
    config: ControlConfig,
    roles: SiteRoles,
    start_ts: float,
    load_kw: FloatArray,
    pv_kw: FloatArray,
    *,
    step_s: int = DEFAULT_STEP_S,
    soc: float = 0.6,
    battery: BatteryParams | None = None,
    ramp_kw_per_s: float = 100.0,
    prior: tuple[FloatArray, FloatArray, FloatArray] | None = None,
) -> StrategyRun:
    """Run ``config`` over ``load_kw``/``pv_kw`` (one value per control step from ``start_ts``,
    which must be on a quarter hour; the length a whole number of quarter hours). ``prior``
    (quarter-hour start, load, PV before ``start_ts``) primes strategies that forecast."""
    if QUARTER_S % step_s != 0:
        raise ValueError(f"step_s {step_s} must divide 900 s")
    if start_ts % QUARTER_S != 0:
        raise ValueError("the backtest must start on a quarter hour")
    n = int(load_kw.size)
    bat = Battery(battery or BatteryParams(), soc=soc)
    plant = BacktestPlant(bat, roles, ramp_kw_per_s)
    if prior is not None and prior[0].size:
        for strategy in config.strategies:
            prime = getattr(strategy, "prime", None)
            if callable(prime):
                prime(*prior)
    cycle = Cycle(config.strategies, config.protection)
    clock = SimClock(start_ts)
    last: dict[str, float] = {}
    pv_out = np.empty(n)
    bess = np.empty(n)
    grid = np.empty(n)
    soc_end = np.empty(n)
    loads = load_kw.tolist()
    pvs = pv_kw.tolist()
    pcs = roles.pcs_setpoint
    for k in range(n):
        t = start_ts + k * step_s
        clock.t = t
        load, pv = loads[k], pvs[k]
        snap = plant.snapshot(t, load, pv)
        result = cycle.run(snap, clock, mode=config.mode, last_written=last, dt=float(step_s))
        last.update(result.writes)
        plant.apply(result.setpoints)
        step = plant.step(result.setpoints.get(pcs, plant.pcs_kw), step_s, load, pv)
        pv_out[k], bess[k], grid[k] = step.pv_kw, step.bess_kw, step.grid_kw
        soc_end[k] = bat.soc
    per = QUARTER_S // step_s
    nq = n // per
    return StrategyRun(
        ts=start_ts + QUARTER_S * np.arange(nq, dtype=np.float64),
        load_kw=quarter_means(load_kw, step_s),
        pv_available_kw=quarter_means(pv_kw, step_s),
        pv_kw=quarter_means(pv_out, step_s),
        bess_kw=quarter_means(bess, step_s),
        grid_kw=quarter_means(grid, step_s),
        soc=soc_end[per - 1 :: per][:nq].copy(),
        soc_start=soc,
        charged_kwh=bat.charged_kwh,
        discharged_kwh=bat.discharged_kwh,
        step_s=step_s,
        cycles_run=n,
        export_violations=_violations(config, grid, step_s),
    )


def _violations(config: ControlConfig, grid_kw: FloatArray, step_s: int) -> ExportViolations:
    guard = config.protection.export
    if guard is None:
        return ExportViolations(float("inf"), 0.0)
    return ExportViolations.from_steps(grid_kw, step_s, guard.limit_kw, guard.tolerance_kw)
