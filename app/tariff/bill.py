"""The electricity bill of a series of grid power averages under a tariff.

Rules (docs/tariffs.md):
- ``grid_kw[i]`` is the average grid power over ``[ts[i], ts[i] + step_s)``; > 0 imports,
  < 0 exports (architecture rule 7). The interval's period and prices are those at its start.
- Energy: import kWh x import price per period; export kWh x export price (a revenue).
- Demand (需量): per calendar month in the station's zone, the maximum 15-minute average
  import over clock-aligned quarter hours (:00, :15, :30, :45) x price per kW per month.
  Shorter steps that divide 900 s are averaged into their quarter hour.
- Capacity (容量): contracted kVA x price per kVA per month, for each month in the series.
- Sums are exact (math.fsum) in full precision; the total is rounded to the cent only at the
  end (half up), so the same input always gives the same cents.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from app.tariff.model import Tariff
from app.tariff.schema import PERIOD_LABELS_ZH, PERIODS

QUARTER_HOUR_S = 900


def to_cents(amount: float) -> Decimal:
    """Round half up to 0.01 (currency units), from the exact binary value's decimal repr."""
    return Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _fsum(values: Iterable[float]) -> float:
    return math.fsum(values)


@dataclass(frozen=True)
class PeriodLine:
    """One TOU period of one month."""

    period: str
    import_kwh: float
    import_cost: float
    export_kwh: float
    export_revenue: float


@dataclass(frozen=True)
class MonthBill:
    """One calendar month (station's zone) of the series. Amounts are unrounded."""

    month: str  # "YYYY-MM"
    lines: tuple[PeriodLine, ...]
    max_demand_kw: float
    max_demand_at: float | None  # UTC epoch s of the start of the quarter hour that set it
    demand_charge: float
    capacity_charge: float
    intervals: int

    @property
    def energy_cost(self) -> float:
        return _fsum(line.import_cost for line in self.lines)

    @property
    def export_revenue(self) -> float:
        return _fsum(line.export_revenue for line in self.lines)

    @property
    def import_kwh(self) -> float:
        return _fsum(line.import_kwh for line in self.lines)

    @property
    def export_kwh(self) -> float:
        return _fsum(line.export_kwh for line in self.lines)

    @property
    def total(self) -> float:
        return _fsum(
            [self.energy_cost, -self.export_revenue, self.demand_charge, self.capacity_charge]
        )


@dataclass(frozen=True)
class Bill:
    """The bill of a whole series: per month, per period, and the total to the cent."""

    tariff: str
    currency: str
    basic_charge: str  # "demand" | "capacity" | "none"
    months: tuple[MonthBill, ...]
    step_s: int = QUARTER_HOUR_S
    notes: tuple[str, ...] = field(default=())

    @property
    def energy_cost(self) -> float:
        return _fsum(m.energy_cost for m in self.months)

    @property
    def export_revenue(self) -> float:
        return _fsum(m.export_revenue for m in self.months)

    @property
    def demand_charge(self) -> float:
        return _fsum(m.demand_charge for m in self.months)

    @property
    def capacity_charge(self) -> float:
        return _fsum(m.capacity_charge for m in self.months)

    @property
    def import_kwh(self) -> float:
        return _fsum(m.import_kwh for m in self.months)

    @property
    def export_kwh(self) -> float:
        return _fsum(m.export_kwh for m in self.months)

    @property
    def peak_demand_kw(self) -> float:
        return max((m.max_demand_kw for m in self.months), default=0.0)

    @property
    def total_raw(self) -> float:
        """Unrounded total: energy - export + demand + capacity, summed exactly."""
        parts: list[float] = []
        for m in self.months:
            parts += [line.import_cost for line in m.lines]
            parts += [-line.export_revenue for line in m.lines]
            parts += [m.demand_charge, m.capacity_charge]
        return _fsum(parts)

    @property
    def total_cents(self) -> Decimal:
        return to_cents(self.total_raw)

    @property
    def total(self) -> float:
        """The bill in currency units, rounded to the cent (for JSON and comparisons)."""
        return float(self.total_cents)

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per month and period, plus a charges row per month: for Excel/CSV.

        Amounts are rounded to the cent for display; the bill's total is rounded from the
        unrounded sum, so displayed rows may differ from it by a few cents.
        """
        out: list[dict[str, Any]] = []
        for m in self.months:
            for line in m.lines:
                out.append(
                    {
                        "month": m.month,
                        "item": f"energy {line.period}",
                        "item_zh": f"{PERIOD_LABELS_ZH[line.period]}电量电费",
                        "kwh_import": round(line.import_kwh, 3),
                        "kwh_export": round(line.export_kwh, 3),
                        "kw": None,
                        "amount": float(to_cents(line.import_cost - line.export_revenue)),
                    }
                )
            kind = self.basic_charge
            if kind != "none":
                out.append(
                    {
                        "month": m.month,
                        "item": f"{kind} charge",
                        "item_zh": "需量电费" if kind == "demand" else "容量电费",
                        "kwh_import": None,
                        "kwh_export": None,
                        "kw": round(m.max_demand_kw, 3),
                        "amount": float(to_cents(m.demand_charge + m.capacity_charge)),
                    }
                )
        return out

    def summary(self) -> dict[str, float]:
        """Headline figures, each rounded to the cent (kWh and kW to 0.001)."""
        return {
            "energy_cost": float(to_cents(self.energy_cost)),
            "export_revenue": float(to_cents(self.export_revenue)),
            "demand_charge": float(to_cents(self.demand_charge)),
            "capacity_charge": float(to_cents(self.capacity_charge)),
            "total": self.total,
            "import_kwh": round(self.import_kwh, 3),
            "export_kwh": round(self.export_kwh, 3),
            "peak_demand_kw": round(self.peak_demand_kw, 3),
        }

    def text(self) -> str:
        """A readable breakdown, month by month and period by period."""
        cur = self.currency
        lines = [f"Bill under {self.tariff} ({cur})"]
        for m in self.months:
            lines.append(f"  {m.month}  ({m.intervals} intervals)")
            for p in m.lines:
                if p.import_kwh == 0 and p.export_kwh == 0:
                    continue
                lines.append(
                    f"    {p.period:<13} import {p.import_kwh:12.1f} kWh {p.import_cost:12.2f}"
                    f"   export {p.export_kwh:10.1f} kWh {0.0 - p.export_revenue + 0.0:11.2f}"
                )
            if self.basic_charge == "demand":
                lines.append(
                    f"    demand        max 15-min import {m.max_demand_kw:10.1f} kW"
                    f" {m.demand_charge:12.2f}"
                )
            elif self.basic_charge == "capacity":
                lines.append(f"    capacity      {m.capacity_charge:12.2f}")
            lines.append(f"    month total   {m.total:12.2f}")
        lines.append(f"  TOTAL {self.total_cents} {cur}")
        return "\n".join(lines)


def _quarter_hour_demand(
    ts: np.ndarray, imp_kw: np.ndarray, step_s: int
) -> tuple[np.ndarray, np.ndarray]:
    """(quarter-hour start, average import kW) over clock-aligned 15-minute windows."""
    if step_s == QUARTER_HOUR_S:
        starts = np.floor(ts / QUARTER_HOUR_S) * QUARTER_HOUR_S
        return starts, imp_kw
    window = np.floor(ts / QUARTER_HOUR_S).astype(np.int64)
    keys, inverse = np.unique(window, return_inverse=True)
    energy = np.zeros(keys.size)
    np.add.at(energy, inverse, imp_kw * step_s)
    return keys.astype(np.float64) * QUARTER_HOUR_S, energy / QUARTER_HOUR_S


def compute_bill(
    tariff: Tariff, ts: ArrayLike, grid_kw: ArrayLike, step_s: int = QUARTER_HOUR_S
) -> Bill:
    """The bill of ``grid_kw`` (kW averages, > 0 import) over intervals starting at ``ts``.

    ``ts`` are UTC epoch seconds, one per interval of ``step_s`` seconds (900 or a divisor
    of 900, so that the 15-minute demand can be formed). Months are calendar months in the
    tariff's zone; each month that has at least one interval is charged its full monthly
    basic charge (no pro rata).
    """
    t = np.asarray(ts, dtype=np.float64).ravel()
    p = np.asarray(grid_kw, dtype=np.float64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"ts has {t.size} values but grid_kw has {p.size}")
    if step_s <= 0 or QUARTER_HOUR_S % step_s != 0:
        raise ValueError(f"step_s must be 900 or a divisor of 900 s, not {step_s}")
    if not np.all(np.isfinite(p)):
        raise ValueError("grid_kw contains NaN or infinite values")
    if t.size > 1 and np.any(np.diff(t) <= 0):
        raise ValueError("ts must be strictly increasing")

    hours = step_s / 3600.0
    c = tariff.classify(t)
    imp_kw = np.maximum(p, 0.0)
    exp_kw = np.maximum(-p, 0.0)
    imp_kwh = imp_kw * hours
    exp_kwh = exp_kw * hours
    imp_cost = imp_kwh * c.import_price
    exp_rev = exp_kwh * c.export_price
    month_of = c.local_day.astype("datetime64[M]")

    q_start, q_kw = _quarter_hour_demand(t, imp_kw, step_s)
    q_month = tariff.classify(q_start).local_day.astype("datetime64[M]")

    basic = tariff.basic_charge
    months: list[MonthBill] = []
    for month in np.unique(month_of):
        sel = month_of == month
        lines = []
        for index, period in enumerate(PERIODS):
            m = sel & (c.period_index == index)
            lines.append(
                PeriodLine(
                    period,
                    _fsum(imp_kwh[m].tolist()),
                    _fsum(imp_cost[m].tolist()),
                    _fsum(exp_kwh[m].tolist()),
                    _fsum(exp_rev[m].tolist()),
                )
            )
        qsel = np.flatnonzero(q_month == month)
        max_kw, max_at = 0.0, None
        if qsel.size:
            k = qsel[int(np.argmax(q_kw[qsel]))]
            if q_kw[k] > 0:
                max_kw, max_at = float(q_kw[k]), float(q_start[k])
        demand = max_kw * basic.price if basic.kind == "demand" else 0.0
        capacity = basic.kva * basic.price if basic.kind == "capacity" else 0.0
        months.append(
            MonthBill(
                month=str(month),
                lines=tuple(lines),
                max_demand_kw=max_kw,
                max_demand_at=max_at,
                demand_charge=demand,
                capacity_charge=capacity,
                intervals=int(sel.sum()),
            )
        )
    notes = () if tariff.verified else (f"tariff {tariff.name!r}: figures not verified",)
    return Bill(
        tariff=tariff.name,
        currency=tariff.currency,
        basic_charge=basic.kind,
        months=tuple(months),
        step_s=step_s,
        notes=notes,
    )
