"""``plan_day``: the day-ahead optimum of energy cost plus demand charge (strategy 7)."""

from __future__ import annotations

import numpy as np

from app.optimizer.cost import demand_terms
from app.optimizer.diagnose import clock_text, explain
from app.optimizer.inputs import PlanInputs, Prepared, prepare
from app.optimizer.lp import build
from app.optimizer.plan import Plan
from app.optimizer.solve import SOLVER_NAME, solve

SIMULTANEOUS_TOL_KW = 1e-3


def _costs(prep: Prepared, g: np.ndarray, e: np.ndarray) -> tuple[float, float, float, float]:
    h = prep.inputs.hours
    energy = float(np.sum(prep.price_imp * g * h) - np.sum(prep.price_exp * e * h))
    demand, peak, next_peak = demand_terms(prep, g)
    return energy, demand, peak, next_peak


def _why(prep: Prepared, burnt: np.ndarray | None) -> str:
    """The reason for an infeasible plan; ``burnt`` marks steps where only charging and
    discharging at once (burning surplus as losses) made the LP feasible."""
    if burnt is None or not np.any(burnt):
        return explain(prep)
    inp = prep.inputs
    steps = np.flatnonzero(burnt)
    when = ", ".join(clock_text(inp.start_ts + i * inp.step_s, inp.timezone) for i in steps[:4])
    more = f" and {steps.size - 4} more" if steps.size > 4 else ""
    return (
        f"surplus power has nowhere to go at {when}{more}: export limit "
        f"{float(prep.export_cap[steps[0]]):g} kW, curtailment "
        f"{'allowed' if inp.allow_curtailment else 'not allowed'}, and the battery could only "
        "take it by charging and discharging at once (burning it as losses), which a PCS "
        "cannot do"
    )


def plan_day(inputs: PlanInputs) -> Plan:
    """Solve the LP over the horizon of ``inputs``; never raises on an infeasible problem.

    Invalid inputs (wrong array lengths, NaN, SOC outside 0..1) give ``status="error"`` and
    the validation message as ``reason``. The LP allows charging while discharging (and
    importing while exporting); if the optimum uses that (possible only with negative
    prices, export prices above import prices, or surplus power that must be burnt), the
    problem is re-solved with binaries that forbid it.
    """
    try:
        prep = prepare(inputs)
    except ValueError as exc:
        return Plan("error", inputs.start_ts, inputs.step_s, reason=str(exc), solver=SOLVER_NAME)
    # importing and exporting at once pays wherever export is dearer than import: forbid it
    # there up front; charging while discharging is forbidden only where the LP used it
    dear_export = (prep.price_exp > prep.price_imp) & (prep.export_cap > 0)  # none at cap 0
    exclusive_grid = dear_export if bool(np.any(dear_export)) else None
    exclusive_battery: np.ndarray | None = None
    for _attempt in range(3):
        lp = build(prep, exclusive_battery=exclusive_battery, exclusive_grid=exclusive_grid)
        sol = solve(lp)
        if sol.status != "optimal":
            if sol.status in ("infeasible", "unbounded_or_infeasible"):
                return Plan(
                    "infeasible",
                    inputs.start_ts,
                    inputs.step_s,
                    soc_start=inputs.soc_initial,
                    reason=_why(prep, exclusive_battery),
                    solver=SOLVER_NAME,
                )
            return Plan(
                "error",
                inputs.start_ts,
                inputs.step_s,
                reason=f"solver status: {sol.status}",
                solver=SOLVER_NAME,
            )
        lay, x = lp.layout, sol.x
        c, d = x[lay.sl("c")], x[lay.sl("d")]
        g, e = x[lay.sl("g")], x[lay.sl("e")]
        both_bat = np.minimum(c, d) > SIMULTANEOUS_TOL_KW
        both_grid = np.minimum(g, e) > SIMULTANEOUS_TOL_KW
        old_bat = np.zeros(prep.load.size, bool) if exclusive_battery is None else exclusive_battery
        old_grid = np.zeros(prep.load.size, bool) if exclusive_grid is None else exclusive_grid
        if not (np.any(both_bat & ~old_bat) or np.any(both_grid & ~old_grid)):
            break
        exclusive_battery = old_bat | both_bat
        exclusive_grid = old_grid | both_grid
    used_mip = lp.integer_cols != []
    energy, demand, peak, next_peak = _costs(prep, g, e)
    clean = lambda a: np.where(np.abs(a) < 1e-7, 0.0, a)  # noqa: E731 - solver dust
    return Plan(
        "optimal",
        inputs.start_ts,
        inputs.step_s,
        battery_kw=clean(d - c),
        grid_kw=clean(g - e),
        soc=np.asarray(x[lay.sl("s")], dtype=np.float64),
        charge_kw=clean(c),
        discharge_kw=clean(d),
        import_kw=clean(g),
        export_kw=clean(e),
        curtail_kw=clean(x[lay.sl("k")]),
        soc_start=inputs.soc_initial,
        peak_import_kw=peak,
        next_peak_import_kw=next_peak,
        next_month_ts=None
        if prep.split >= prep.load.size
        else inputs.start_ts + prep.split * inputs.step_s,
        energy_cost=energy,
        demand_cost=demand,
        objective=energy + demand,
        solver=f"{SOLVER_NAME} ({sol.note})" if sol.note else SOLVER_NAME,
        used_mip=used_mip,
    )
