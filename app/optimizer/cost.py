"""The cost of any battery schedule under the LP's cost model, and a simple rule to compare.

Used by the tests (the LP must never cost more than a rule on the same inputs) and usable by
the backtester to price a schedule exactly as the optimiser does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from app.optimizer.inputs import FloatArray, PlanInputs, Prepared, prepare


@dataclass(frozen=True)
class ScheduleCost:
    energy_cost: float
    demand_cost: float
    peak_import_kw: float
    grid_kw: FloatArray
    soc: FloatArray  # SOC at the end of each step

    @property
    def total(self) -> float:
        return self.energy_cost + self.demand_cost


def demand_terms(prep: Prepared, import_kw: FloatArray) -> tuple[float, float, float]:
    """(demand cost, this month's peak, the next month's peak or NaN) of an import series,
    as the LP prices it: the share of the demand charge per kW above the peak so far, and,
    past a month boundary, the next month's share per kW of that month's peak."""
    inp = prep.inputs
    g = np.asarray(import_kw, dtype=np.float64)
    now, nxt = g[: prep.split], g[prep.split :]
    peak = max(inp.peak_so_far_kw, float(np.max(now)) if now.size else 0.0)
    demand = _raise_cost(peak - inp.peak_so_far_kw, prep.segments, inp.demand_share)
    next_peak = float("nan")
    if nxt.size:
        next_peak = max(0.0, float(np.max(nxt)))
        demand += _raise_cost(next_peak, prep.next_segments, inp.next_demand_share)
    return inp.demand_charge_per_kw * demand, peak, next_peak


def _raise_cost(kw: float, segments: list[tuple[float, float]], last: float) -> float:
    """Shares x kW of raising a peak by ``kw`` through the (width, share) segments."""
    total, left = 0.0, max(0.0, kw)
    for width, share in segments:
        take = min(width, left)
        total, left = total + take * share, left - take
    return total + left * last


def soc_trajectory(inputs: PlanInputs, battery_kw: ArrayLike) -> FloatArray:
    """SOC after each step for setpoints ``battery_kw`` (> 0 discharging), the LP's (and
    ``app.battery``'s) energy model: charging stores P*eta_c, discharging draws P/eta_d."""
    b = inputs.battery
    p = np.asarray(battery_kw, dtype=np.float64)
    cell_kwh = np.where(p > 0, -p / b.eta_discharge, -p * b.eta_charge) * inputs.hours
    return inputs.soc_initial + np.cumsum(cell_kwh) / inputs.usable_kwh


def schedule_cost(inputs: PlanInputs, battery_kw: ArrayLike) -> ScheduleCost:
    """Energy cost + demand charge of running ``battery_kw`` with no curtailment."""
    prep = prepare(inputs)
    p = np.asarray(battery_kw, dtype=np.float64)
    grid = prep.load - prep.pv - p
    g, e = np.maximum(grid, 0.0), np.maximum(-grid, 0.0)
    h = inputs.hours
    energy = float(np.sum(prep.price_imp * g * h) - np.sum(prep.price_exp * e * h))
    demand, peak, _next = demand_terms(prep, g)
    return ScheduleCost(energy, demand, peak, grid, soc_trajectory(inputs, p))


def thirds_rule(inputs: PlanInputs) -> FloatArray:
    """Charge at full power in the cheapest third of steps, discharge (to cover load, no
    export) in the dearest third, within the SOC band; idle otherwise."""
    prep = prepare(inputs)
    b, n, h, cap = inputs.battery, inputs.n, inputs.hours, inputs.usable_kwh
    order = np.argsort(prep.price_imp, kind="stable")
    third = max(1, n // 3)
    cheap, dear = set(order[:third].tolist()), set(order[-third:].tolist())
    soc = inputs.soc_initial
    out = np.zeros(n)
    for t in range(n):
        if t in cheap:
            room = max(0.0, prep.soc_max - soc) * cap / (b.eta_charge * h)
            out[t] = -min(b.p_charge_max_kw, room)
        elif t in dear:
            avail = max(0.0, soc - prep.soc_min) * cap * b.eta_discharge / h
            out[t] = min(b.p_discharge_max_kw, avail, max(0.0, prep.load[t] - prep.pv[t]))
        p = out[t]
        soc += (-p / b.eta_discharge if p > 0 else -p * b.eta_charge) * h / cap
    return out
