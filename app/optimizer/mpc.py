"""Model-predictive control: re-plan the rest of a rolling horizon on the latest SOC.

Cadence: every 15 minutes (one step), at the step boundary, the caller (the strategy engine)
calls :func:`replan` with the measured SOC and fresh forecasts covering at least the next
24 hours; only the first step's setpoint is used before the next re-plan. A 24-hour rolling
horizon (rather than "until midnight") keeps the plan from emptying the battery at the end
of the day: the terminal target applies 24 h ahead, where it matters least.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from app.optimizer.inputs import FloatArray, PlanInputs
from app.optimizer.plan import Plan
from app.optimizer.planner import plan_day

REPLAN_PERIOD_S = 900.0
MIN_HORIZON_S = 24 * 3600.0


def step_start(now: float, step_s: float = REPLAN_PERIOD_S) -> float:
    """The start of the step containing ``now`` (UTC epoch seconds, aligned to the epoch)."""
    return math.floor(now / step_s) * step_s


def replan(
    now: float,
    soc: float,
    template: PlanInputs,
    *,
    load_kw: ArrayLike | None = None,
    pv_kw: ArrayLike | None = None,
    import_price: ArrayLike | None = None,
    export_price: ArrayLike | None = None,
    peak_so_far_kw: float | None = None,
    soc_target: float | None = None,
) -> Plan:
    """Plan from the step containing ``now`` on, starting at the measured ``soc``.

    ``template`` carries the battery, limits, demand charge and the arrays of a previous
    plan (indexed from ``template.start_ts``); arrays given here replace them and must start
    at the step containing ``now``. Without new arrays, the template's are shifted to ``now``
    and the last value is repeated to keep the horizon at least 24 h (or the template's
    length, if shorter). ``soc_target`` defaults to the template's target, or to ``soc``.
    """
    step_s = template.step_s
    start = step_start(now, step_s)
    n = max(template.n, math.ceil(MIN_HORIZON_S / step_s))
    shift = round((start - template.start_ts) / step_s)

    def window(given: ArrayLike | None, old: ArrayLike) -> FloatArray:
        if given is not None:
            return np.asarray(given, dtype=np.float64)
        arr = np.asarray(old, dtype=np.float64).reshape(-1)
        if arr.size == 1:
            return np.full(n, float(arr[0]))
        rest = arr[min(max(shift, 0), arr.size - 1) :]
        if rest.size < n:
            rest = np.concatenate([rest, np.full(n - rest.size, rest[-1])])
        return rest[:n]

    load = window(load_kw, template.load_kw)
    inputs = replace(
        template,
        load_kw=load,
        pv_kw=window(pv_kw, template.pv_kw)[: load.size],
        import_price=window(import_price, template.import_price)[: load.size],
        export_price=window(export_price, template.export_price)[: load.size],
        peak_so_far_kw=template.peak_so_far_kw if peak_so_far_kw is None else peak_so_far_kw,
        soc_initial=min(max(soc, 0.0), 1.0),
        soc_target=soc_target if soc_target is not None else template.soc_target,
        start_ts=start,
    )
    return plan_day(inputs)
