"""Build the day-ahead LP as plain arrays (costs, bounds, sparse rows) for a solver.

Columns, each a block of N steps unless noted (see docs/optimizer.md for the algebra):

    c  charge power (kW >= 0)        d  discharge power (kW >= 0)
    g  grid import (kW >= 0)         e  grid export (kW >= 0)
    k  PV curtailment (kW >= 0)      s  SOC at the end of the step (0..1)
    p  peak import over the horizon (1 column, >= peak_so_far)
    q  the next billing month's peak import (1 column, >= 0; only when the horizon crosses
       a month boundary: steps from ``next_month_step`` on set it instead of p)
    sp, sq  the kW of p above peak_so_far (of q above 0) inside each cheaper demand segment
       (sum <= p - peak_so_far, each <= its width, costing (segment share - final share) x D)

``elastic=True`` adds slack columns (u: unserved load, w: surplus with nowhere to go,
t: terminal-SOC shortfall, 1 column) and replaces the objective by their sum: the smallest
violation explains an infeasible plan. ``exclusive_battery``/``exclusive_grid`` (boolean masks
over the steps) add binaries that forbid charging while discharging and importing while
exporting in those steps (a MIP), used only where the LP needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from app.optimizer.inputs import FloatArray, Prepared

INF = float("inf")
# tie-break costs (currency per kWh, relative to the largest price): prefer an idle battery
# and using PV over curtailing it when the money is equal; small enough not to change a plan
# that is worth anything.
EPS_THROUGHPUT = 1e-6
EPS_CURTAIL = 2e-6


@dataclass
class Layout:
    """Column offsets of each block."""

    n: int
    elastic: bool = False
    split: int | None = None  # first step of the next month (None: one month)
    n_seg: int = 0  # cheaper demand segments of this month's peak
    n_next_seg: int = 0  # ... of the next month's
    exclusive_battery: NDArray[np.bool_] | None = None
    exclusive_grid: NDArray[np.bool_] | None = None
    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)
    num_col: int = 0

    def __post_init__(self) -> None:
        spec: list[tuple[str, int]] = [(b, self.n) for b in "cdgeks"] + [("p", 1)]
        if self.split is not None and self.split < self.n:
            spec.append(("q", 1))
        if self.n_seg:
            spec.append(("sp", self.n_seg))
        if self.n_next_seg and "q" in [name for name, _ in spec]:
            spec.append(("sq", self.n_next_seg))
        if self.elastic:
            spec += [("u", self.n), ("w", self.n), ("t", 1)]
        if self.exclusive_battery is not None:
            spec.append(("zb", self.n))
        if self.exclusive_grid is not None:
            spec.append(("zg", self.n))
        pos = 0
        for name, size in spec:
            self.blocks[name] = (pos, size)
            pos += size
        self.num_col = pos

    def idx(self, name: str, t: int = 0) -> int:
        return self.blocks[name][0] + t

    def sl(self, name: str) -> slice:
        start, size = self.blocks[name]
        return slice(start, start + size)


@dataclass
class LinearProgram:
    """min cost·x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper."""

    layout: Layout
    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    rows: list[int]
    cols: list[int]
    vals: list[float]
    row_lower: list[float]
    row_upper: list[float]
    integer_cols: list[int] = field(default_factory=list)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)

    def add_row(self, entries: list[tuple[int, float]], lower: float, upper: float) -> None:
        r = len(self.row_lower)
        for c, v in entries:
            self.rows.append(r)
            self.cols.append(c)
            self.vals.append(v)
        self.row_lower.append(lower)
        self.row_upper.append(upper)


def soc_bounds(prep: Prepared) -> tuple[FloatArray, FloatArray]:
    """Per-step SOC bounds: [max(soc_min, soc_floor), soc_max], ramped in when the start is
    outside.

    If the measured SOC is already below the floor (or above ``soc_max``), the bound is
    relaxed to what full charging (discharging) power can reach by then, so an MPC re-plan
    after a drift brings the battery back into its band instead of failing; below
    ``soc_min`` it is relaxed to the start itself (no lower), and the terminal target brings
    the battery back into the band when that is cheapest.
    """
    inp = prep.inputs
    n, e = inp.n, inp.usable_kwh
    steps = np.arange(1, n + 1, dtype=np.float64)
    up = (
        inp.soc_initial
        + steps * inp.hours * inp.battery.p_charge_max_kw * inp.battery.eta_charge / e
    )
    down = (
        inp.soc_initial
        - steps * inp.hours * inp.battery.p_discharge_max_kw / inp.battery.eta_discharge / e
    )
    lo = np.minimum(prep.soc_floor, up)  # from a start above the floor, up >= the floor
    if inp.soc_initial < prep.soc_min:
        # below the band (the peak guard spent the last of it): no lower, and back into it
        # by the terminal target where that is cheapest, not at full power now; recharging
        # at once raised the month's demand peak by the charging power
        lo = np.minimum(lo, inp.soc_initial)
    hi = np.where(inp.soc_initial > prep.soc_max, np.maximum(prep.soc_max, down), prep.soc_max)
    return lo, hi


def _big_m(prep: Prepared) -> tuple[float, float]:
    inp = prep.inputs
    b = inp.battery
    g_max = float(np.max(np.maximum(prep.load, 0.0))) + b.p_charge_max_kw + 1.0
    e_max = float(np.max(prep.pv)) + float(np.max(np.maximum(-prep.load, 0.0)))
    e_max += b.p_discharge_max_kw + 1.0
    return min(inp.import_limit_kw, g_max), min(float(np.max(prep.export_cap)), e_max)


def build(
    prep: Prepared,
    *,
    elastic: bool = False,
    exclusive_battery: NDArray[np.bool_] | None = None,
    exclusive_grid: NDArray[np.bool_] | None = None,
) -> LinearProgram:
    inp = prep.inputs
    n, h, e_kwh = inp.n, inp.hours, inp.usable_kwh
    bat = inp.battery
    lay = Layout(
        n,
        elastic,
        prep.split,
        len(prep.segments),
        len(prep.next_segments),
        exclusive_battery,
        exclusive_grid,
    )
    cost = np.zeros(lay.num_col)
    lower = np.zeros(lay.num_col)
    upper = np.full(lay.num_col, INF)
    lp = LinearProgram(lay, cost, lower, upper, [], [], [], [], [])

    g_cap, e_cap = _big_m(prep)
    upper[lay.sl("c")] = bat.p_charge_max_kw
    upper[lay.sl("d")] = bat.p_discharge_max_kw
    upper[lay.sl("g")] = inp.import_limit_kw
    upper[lay.sl("e")] = prep.export_cap
    upper[lay.sl("k")] = prep.pv if inp.allow_curtailment else 0.0
    lo, hi = soc_bounds(prep)
    lower[lay.sl("s")] = lo
    upper[lay.sl("s")] = hi
    lower[lay.idx("p")] = inp.peak_so_far_kw

    if elastic:
        cost[lay.sl("u")] = h
        cost[lay.sl("w")] = h
        cost[lay.idx("t")] = e_kwh
    else:
        scale = max(
            1.0, float(np.max(np.abs(prep.price_imp))), float(np.max(np.abs(prep.price_exp)))
        )
        cost[lay.sl("g")] = prep.price_imp * h
        cost[lay.sl("e")] = -prep.price_exp * h
        cost[lay.sl("c")] = EPS_THROUGHPUT * scale * h
        cost[lay.sl("d")] = EPS_THROUGHPUT * scale * h
        cost[lay.sl("k")] = EPS_CURTAIL * scale * h
        dc = inp.demand_charge_per_kw
        cost[lay.idx("p")] = dc * inp.demand_share
        if "q" in lay.blocks:
            cost[lay.idx("q")] = dc * inp.next_demand_share
        for block, segs, last in (
            ("sp", prep.segments, inp.demand_share),
            ("sq", prep.next_segments, inp.next_demand_share),
        ):
            if block in lay.blocks:
                cost[lay.sl(block)] = [dc * (share - last) for _, share in segs]
    for block, peak_name, segs, base in (
        ("sp", "p", prep.segments, inp.peak_so_far_kw),
        ("sq", "q", prep.next_segments, 0.0),
    ):
        if block in lay.blocks:  # sum of the segments' kW <= peak - its base
            upper[lay.sl(block)] = [w for w, _ in segs]
            start = lay.blocks[block][0]
            row = [(start + j, 1.0) for j in range(len(segs))] + [(lay.idx(peak_name), -1.0)]
            lp.add_row(row, -INF, -base)

    for t in range(n):
        # power balance: g - e + d - c - k (+ u - w) = load - pv
        row = [
            (lay.idx("g", t), 1.0),
            (lay.idx("e", t), -1.0),
            (lay.idx("d", t), 1.0),
            (lay.idx("c", t), -1.0),
            (lay.idx("k", t), -1.0),
        ]
        if elastic:
            row += [(lay.idx("u", t), 1.0), (lay.idx("w", t), -1.0)]
        rhs = float(prep.load[t] - prep.pv[t])
        lp.add_row(row, rhs, rhs)
        # SOC dynamics: s_t - s_{t-1} - h/E (eta_c c_t - d_t / eta_d) = 0
        row = [
            (lay.idx("s", t), 1.0),
            (lay.idx("c", t), -h * bat.eta_charge / e_kwh),
            (lay.idx("d", t), h / (bat.eta_discharge * e_kwh)),
        ]
        rhs = 0.0
        if t == 0:
            rhs = inp.soc_initial
        else:
            row.append((lay.idx("s", t - 1), -1.0))
        lp.add_row(row, rhs, rhs)
        # peak: g_t - p <= 0 (this month), g_t - q <= 0 (the next month's steps)
        peak_col = lay.idx("p") if t < prep.split else lay.idx("q")
        lp.add_row([(lay.idx("g", t), 1.0), (peak_col, -1.0)], -INF, 0.0)
        if prep.min_import[t] > 0:  # anti-backflow margin: g_t - e_t >= m_t
            lp.add_row([(lay.idx("g", t), 1.0), (lay.idx("e", t), -1.0)], prep.min_import[t], INF)
        if exclusive_battery is not None and exclusive_battery[t]:  # c <= Pc z, d <= Pd (1 - z)
            z = lay.idx("zb", t)
            lp.add_row([(lay.idx("c", t), 1.0), (z, -bat.p_charge_max_kw)], -INF, 0.0)
            lp.add_row(
                [(lay.idx("d", t), 1.0), (z, bat.p_discharge_max_kw)], -INF, bat.p_discharge_max_kw
            )
            upper[z] = 1.0
            lp.integer_cols.append(z)
        if exclusive_grid is not None and exclusive_grid[t]:  # g <= G y, e <= E (1 - y)
            y = lay.idx("zg", t)
            lp.add_row([(lay.idx("g", t), 1.0), (y, -g_cap)], -INF, 0.0)
            lp.add_row([(lay.idx("e", t), 1.0), (y, e_cap)], -INF, e_cap)
            upper[y] = 1.0
            lp.integer_cols.append(y)
    # terminal SOC: s_{N-1} (+ t) >= target
    row = [(lay.idx("s", n - 1), 1.0)]
    if elastic:
        row.append((lay.idx("t"), 1.0))
    lp.add_row(row, prep.soc_target, INF)
    return lp
