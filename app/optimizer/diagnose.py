"""Explain an infeasible plan in words, by relaxing it with slack columns.

The elastic LP (``lp.build(elastic=True)``) may leave load unserved (``u``), leave surplus
power with nowhere to go (``w``) and fall short of the terminal SOC target (``t``); it
minimises the total violation. The slacks it must use, and where, are the reason.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from app.optimizer.inputs import Prepared
from app.optimizer.lp import build, soc_bounds
from app.optimizer.solve import solve

TOL_KW = 1e-3
TOL_SOC = 1e-6


def clock_text(ts: float, tz: str) -> str:
    try:
        zone = ZoneInfo(tz)
    except Exception:
        zone = ZoneInfo("UTC")
    return datetime.fromtimestamp(ts, zone).strftime("%H:%M")


def _where(prep: Prepared, steps: NDArray[np.intp]) -> str:
    inp = prep.inputs
    idx = [int(i) for i in steps]
    first = clock_text(inp.start_ts + idx[0] * inp.step_s, inp.timezone)
    if len(idx) == 1:
        return f"at {first}"
    last = clock_text(inp.start_ts + idx[-1] * inp.step_s, inp.timezone)
    more = len(idx) - 1
    return f"at {first} (and {more} more step{'s' if more > 1 else ''} up to {last})"


def _kw(x: float) -> str:
    return "no limit" if x == float("inf") else f"{x:g} kW"


def explain(prep: Prepared) -> str:
    """A sentence (or several, joined by '; ') saying why ``prep`` has no feasible plan."""
    inp = prep.inputs
    bat = inp.battery
    lp = build(prep, elastic=True)
    sol = solve(lp)
    if sol.status != "optimal":
        return f"the problem could not be diagnosed (elastic solve: {sol.status})"
    lay = lp.layout
    x = sol.x
    u, w, s = x[lay.sl("u")], x[lay.sl("w")], x[lay.sl("s")]
    short = float(x[lay.idx("t")])
    lo, hi = soc_bounds(prep)
    net = prep.pv - prep.load  # > 0: surplus
    reasons: list[str] = []

    steps = np.flatnonzero(w > TOL_KW)
    if steps.size:
        i = int(steps[np.argmax(w[steps])])
        full = s[i] >= hi[i] - 1e-4
        battery = (
            f"the battery full (SOC {hi[i]:.0%})"
            if full
            else f"the battery charging at its limit {bat.p_charge_max_kw:g} kW"
        )
        curt = (
            "curtailment not allowed" if not inp.allow_curtailment else "curtailment at its maximum"
        )
        reasons.append(
            f"export limit {_kw(float(prep.export_cap[i]))} below PV surplus {net[i]:.0f} kW "
            f"{_where(prep, steps)} with {battery} and {curt} "
            f"(worst at {clock_text(inp.start_ts + i * inp.step_s, inp.timezone)}: "
            f"{w[i]:.0f} kW with nowhere to go)"
        )
    steps = np.flatnonzero(u > TOL_KW)
    if steps.size:
        i = int(steps[np.argmax(u[steps])])
        empty = s[i] <= lo[i] + 1e-4
        battery = (
            f"the battery empty (SOC {lo[i]:.0%})"
            if empty
            else f"the battery discharging at its limit {bat.p_discharge_max_kw:g} kW"
        )
        reasons.append(
            f"import limit {_kw(inp.import_limit_kw)} below load deficit {-net[i]:.0f} kW "
            f"{_where(prep, steps)} with {battery} "
            f"(worst at {clock_text(inp.start_ts + i * inp.step_s, inp.timezone)}: "
            f"{u[i]:.0f} kW of load not served)"
        )
    if short > TOL_SOC:
        reasons.append(
            f"terminal SOC target {prep.soc_target:.1%} not reachable: at best "
            f"{prep.soc_target - short:.1%} by the end of the horizon (SOC max {hi[-1]:.1%}, "
            f"charge limit {bat.p_charge_max_kw:g} kW, import limit {_kw(inp.import_limit_kw)})"
        )
    if not reasons:
        return "infeasible, but no relaxed constraint explains it (numerical trouble?)"
    return "; ".join(reasons)
