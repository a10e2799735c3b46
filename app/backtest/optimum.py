"""The LP optimum with perfect foresight over the backtest's own data (app.optimizer).

At 15 minutes, on the quarter-hour averages of load and available PV, with the tariff's
price arrays and its demand charge per kW-month. The demand charge is monthly, so the period
is solved one calendar month (station zone) at a time, each month with its own peak term,
the next month starting at the SOC the previous one ended with (across a month boundary this
is a sequence of optima, not one joint optimum; documented in docs/backtest.md).

So that the LP can never cost more than a rule-based run over the same month, its feasible
set contains both the idle battery and the strategies' schedule: the SOC band is widened to
the band the strategies used, and the terminal SOC target is the lower of the start SOC and
the strategies' SOC at the end of the month. The export limit is the station's (from its
export_limit strategy), per quarter hour raised to what the strategies exported in it (a
strategy may overshoot the limit briefly); PV above it is curtailed, as the strategies do. The
export limit's margin (``margin_kw``: export_limit keeps that much import so that meter noise
never turns into backflow) binds the LP too, in every quarter where the strategies kept it.

Net billing where the export price is above the import price (Zhejiang's valley: 0.32 import,
0.4153 export) is not convex; ``plan_day`` would add binaries for every such step and the MIP
over a month does not finish in time. The LP therefore prices export at min(export, import)
per step, and its schedule is billed with ``compute_bill`` at the real prices like the
others. The LP can then only be above a rule-based bill by the extra revenue that run earned
exporting in such steps (none for a run that does not export in the valley).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from app.backtest.engine import StrategyRun
from app.backtest.series import QUARTER_S, FloatArray
from app.battery import BatteryParams
from app.optimizer import PlanInputs, full_power_soc_window, plan_day
from app.tariff import Tariff

# keeps export strictly below import so that importing and exporting at once never ties
EXPORT_BELOW_IMPORT = 1e-4  # currency per kWh


class OptimumError(RuntimeError):
    pass


@dataclass(frozen=True)
class OptimalRun:
    bess_kw: FloatArray
    grid_kw: FloatArray
    soc: FloatArray
    charged_kwh: float
    discharged_kwh: float
    months: int


def month_slices(tariff: Tariff, ts: FloatArray) -> list[slice]:
    months = tariff.classify(ts).local_day.astype("datetime64[M]")
    edges = [0, *(np.flatnonzero(months[1:] != months[:-1]) + 1).tolist(), ts.size]
    return [slice(a, b) for a, b in itertools.pairwise(edges) if b > a]


def solve_optimum(
    tariff: Tariff,
    run: StrategyRun,
    battery: BatteryParams | None = None,
    export_limit_kw: float = float("inf"),
    import_margin_kw: float = 0.0,
) -> OptimalRun:
    """``export_limit_kw``: the station's export limit; per quarter hour it is raised to the
    strategies' export in that quarter so their schedule stays feasible for the LP."""
    params = battery or BatteryParams()
    imp, exp, _ = tariff.prices(run.ts)
    # net billing with export dearer than import is not convex (it would need a MIP):
    # the LP is priced at min(export, import); its schedule is billed by compute_bill
    exp = np.minimum(exp, imp - EXPORT_BELOW_IMPORT)
    export_cap = np.maximum(export_limit_kw, -run.grid_kw)
    # the export limit's margin (a strategy keeps that much import), where the run kept it
    min_import = np.clip(np.minimum(import_margin_kw, run.grid_kw), 0.0, None)
    lo_default, hi_default = full_power_soc_window(params)
    soc = run.soc_start
    parts: list[tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]] = []
    slices = month_slices(tariff, run.ts)
    strat_start = run.soc_start
    for sl in slices:
        strat = run.soc[sl]
        used_lo = min(float(strat.min()), strat_start, soc)
        used_hi = max(float(strat.max()), strat_start, soc)
        plan = plan_day(
            PlanInputs(
                load_kw=run.load_kw[sl],
                pv_kw=run.pv_available_kw[sl],
                import_price=imp[sl],
                export_price=exp[sl],
                demand_charge_per_kw=tariff.demand_charge_per_kw_month,
                battery=params,
                soc_initial=soc,
                soc_min=min(lo_default, used_lo),
                soc_max=max(hi_default, used_hi),
                soc_target=min(soc, float(strat[-1])),
                export_limit_kw=export_cap[sl],
                min_import_kw=min_import[sl],
                start_ts=float(run.ts[sl][0]),
                step_s=float(QUARTER_S),
                timezone=tariff.timezone,
            )
        )
        if not plan.ok:
            raise OptimumError(f"LP optimum {plan.status}: {plan.reason}")
        parts.append((plan.battery_kw, plan.grid_kw, plan.soc, plan.charge_kw, plan.discharge_kw))
        soc = float(min(max(plan.soc[-1], 0.0), 1.0))
        strat_start = float(strat[-1])
    hours = QUARTER_S / 3600.0
    return OptimalRun(
        bess_kw=np.concatenate([p[0] for p in parts]),
        grid_kw=np.concatenate([p[1] for p in parts]),
        soc=np.concatenate([p[2] for p in parts]),
        charged_kwh=float(sum(np.sum(p[3]) for p in parts) * hours),
        discharged_kwh=float(sum(np.sum(p[4]) for p in parts) * hours),
        months=len(slices),
    )
