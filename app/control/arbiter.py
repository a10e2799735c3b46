"""Arbitration: per point, constraints narrow a feasible interval in priority order.

For each point the constraints are applied highest priority first (ties keep the order they
were given). Each narrows [lo, hi]:

* ``min v`` raises lo, ``max v`` lowers hi, ``eq v`` collapses the interval to v;
* a constraint that conflicts with the interval left by higher ones is clamped to the
  nearest bound (collapsing the interval there: "as much as allowed") and reported as
  overridden by the source that set that bound. It can never widen the interval, so a
  higher-priority constraint is never overridden.

The result is the interval's value if it collapsed (an ``eq`` survived, possibly clamped),
otherwise the point's neutral value (0 kW for a PCS setpoint, 100 % for a PV limit) clamped
into [lo, hi].
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.control.constraints import Constraint


@dataclass(frozen=True)
class Override:
    constraint: Constraint
    by: str  # the source whose bound it ran into
    applied_as: float  # the value it was clamped to

    def __str__(self) -> str:
        return f"{self.constraint} overridden by {self.by} (clamped to {self.applied_as:g})"


@dataclass(frozen=True)
class ArbitrationResult:
    point_id: str
    value: float
    lo: float
    hi: float
    winner: str  # source that decided the value, or "neutral"
    applied: tuple[Constraint, ...] = ()
    overridden: tuple[Override, ...] = field(default=())


def _arbitrate_point(
    point_id: str, constraints: list[Constraint], neutral: float
) -> ArbitrationResult:
    lo, hi = -math.inf, math.inf
    lo_src = hi_src = "neutral"
    fixed_src: str | None = None
    applied: list[Constraint] = []
    overridden: list[Override] = []
    ordered = sorted(enumerate(constraints), key=lambda ic: (-ic[1].priority, ic[0]))
    for _, c in ordered:
        v = float(c.value)
        if math.isnan(v):
            overridden.append(Override(c, "invalid (NaN)", math.nan))
            continue
        if (c.op == "min" and v <= lo) or (c.op == "max" and v >= hi):
            applied.append(c)  # already satisfied by the interval: nothing to narrow
            continue
        if v < lo or v > hi:
            # conflict with higher-priority bounds: clamp to the violated bound, collapse there
            target, by = (lo, lo_src) if v < lo else (hi, hi_src)
            overridden.append(Override(c, by, target))
            lo = hi = target
            lo_src = hi_src = by
            fixed_src = fixed_src or by
            continue
        applied.append(c)
        if c.op == "min":
            lo, lo_src = v, c.source
        elif c.op == "max":
            hi, hi_src = v, c.source
        elif fixed_src is None:
            lo = hi = v
            lo_src = hi_src = fixed_src = c.source
    if fixed_src is not None or lo == hi:
        value, winner = lo, fixed_src or lo_src
    elif neutral < lo:
        value, winner = lo, lo_src
    elif neutral > hi:
        value, winner = hi, hi_src
    else:
        value, winner = neutral, "neutral"
    return ArbitrationResult(point_id, value, lo, hi, winner, tuple(applied), tuple(overridden))


def arbitrate(
    constraints: Iterable[Constraint],
    neutral: Mapping[str, float] | None = None,
    default_neutral: float = 0.0,
    points: Iterable[str] = (),
) -> dict[str, ArbitrationResult]:
    """One result per point named by a constraint or listed in ``points``."""
    neutral = neutral or {}
    by_point: dict[str, list[Constraint]] = {pid: [] for pid in points}
    for c in constraints:
        by_point.setdefault(c.point_id, []).append(c)
    return {
        pid: _arbitrate_point(pid, cs, neutral.get(pid, default_neutral))
        for pid, cs in by_point.items()
    }
