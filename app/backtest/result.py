"""The backtest's outcome: three bills over the same data and the figures derived from them."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from app.backtest.engine import StrategyRun
from app.backtest.optimum import OptimalRun
from app.tariff import Bill


@dataclass(frozen=True)
class BacktestResult:
    run: StrategyRun
    optimal: OptimalRun
    without: Bill
    strategy: Bill
    optimum: Bill
    capacity_kwh: float
    timezone: str
    strategies: tuple[str, ...]
    days: float
    notes: tuple[str, ...] = field(default=())

    @property
    def saving_strategy(self) -> float:
        return round(self.without.total - self.strategy.total, 2)

    @property
    def saving_optimal(self) -> float:
        return round(self.without.total - self.optimum.total, 2)

    @property
    def ratio_to_optimal(self) -> float | None:
        """saving_strategy / saving_optimal; None when the optimum saves nothing."""
        if self.saving_optimal <= 0:
            return None
        return self.saving_strategy / self.saving_optimal

    @property
    def throughput_kwh(self) -> float:
        return self.run.charged_kwh + self.run.discharged_kwh

    @property
    def throughput_optimal_kwh(self) -> float:
        return self.optimal.charged_kwh + self.optimal.discharged_kwh

    def cycles(self, throughput_kwh: float) -> float:
        """Equivalent full cycles: throughput / (2 x nameplate capacity)."""
        return throughput_kwh / (2.0 * self.capacity_kwh)

    def figures(self) -> dict[str, Any]:
        ratio = self.ratio_to_optimal
        return {
            "currency": self.strategy.currency,
            "tariff": self.strategy.tariff,
            "days": self.days,
            "start": _iso(float(self.run.ts[0])),
            "strategies": list(self.strategies),
            "bill_without": self.without.total,
            "bill_strategy": self.strategy.total,
            "bill_optimal": self.optimum.total,
            "saving_strategy": self.saving_strategy,
            "saving_optimal": self.saving_optimal,
            "ratio_to_optimal": None if ratio is None else round(ratio, 4),
            "peak_demand_without_kw": round(self.without.peak_demand_kw, 3),
            "peak_demand_strategy_kw": round(self.strategy.peak_demand_kw, 3),
            "peak_demand_optimal_kw": round(self.optimum.peak_demand_kw, 3),
            "throughput_kwh": round(self.throughput_kwh, 3),
            "throughput_optimal_kwh": round(self.throughput_optimal_kwh, 3),
            "cycles": round(self.cycles(self.throughput_kwh), 4),
            "cycles_optimal": round(self.cycles(self.throughput_optimal_kwh), 4),
            "soc_start_pct": round(self.run.soc_start * 100, 3),
            "soc_end_pct": round(float(self.run.soc[-1]) * 100, 3),
            "soc_end_optimal_pct": round(float(self.optimal.soc[-1]) * 100, 3),
            **self.run.export_violations.figures(),
        }

    def text(self) -> str:
        f = self.figures()
        cur = f["currency"]
        ratio = "n/a" if f["ratio_to_optimal"] is None else f"{f['ratio_to_optimal']:.1%}"
        rows = [
            ("without storage", f["bill_without"], 0.0, f["peak_demand_without_kw"], 0.0, 0.0),
            (
                "with strategies",
                f["bill_strategy"],
                f["saving_strategy"],
                f["peak_demand_strategy_kw"],
                f["throughput_kwh"],
                f["cycles"],
            ),
            (
                "LP optimum",
                f["bill_optimal"],
                f["saving_optimal"],
                f["peak_demand_optimal_kw"],
                f["throughput_optimal_kwh"],
                f["cycles_optimal"],
            ),
        ]
        out = [
            f"Backtest {f['start']} + {f['days']:g} days, tariff {f['tariff']}, "
            f"strategies: {', '.join(self.strategies) or 'none'}",
            f"{'':<16} {'bill ' + cur:>14} {'saving':>12} {'peak kW':>9} "
            f"{'throughput kWh':>15} {'cycles':>7}",
        ]
        for name, bill, saving, peak, thr, cyc in rows:
            out.append(
                f"{name:<16} {bill:>14,.2f} {saving:>12,.2f} {peak:>9.1f} {thr:>15,.1f} {cyc:>7.2f}"
            )
        out.append(f"strategies reach {ratio} of the optimal saving")
        out.append(
            f"SOC {f['soc_start_pct']:.1f} % -> {f['soc_end_pct']:.1f} % (strategies), "
            f"{f['soc_end_optimal_pct']:.1f} % (LP)"
        )
        v = self.run.export_violations
        if not math.isinf(v.limit_kw):
            out.append(
                f"export above {v.limit_kw:g} + {v.tolerance_kw:g} kW: {v.quarters} quarter hours, "
                f"{v.episodes} times, {v.energy_kwh:.1f} kWh, longest {v.longest_min:g} min"
            )
        out += [f"note: {n}" for n in self.notes]
        return "\n".join(out)

    def local_times(self) -> list[dt.datetime]:
        """Quarter-hour starts in the station's zone, naive (for Excel)."""
        zone = ZoneInfo(self.timezone)
        return [dt.datetime.fromtimestamp(float(t), zone).replace(tzinfo=None) for t in self.run.ts]


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")
