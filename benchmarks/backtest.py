"""Backtest speed and economics: simulated days per wall second, and % of the optimal saving.

    uv run python -m benchmarks.backtest [--days 30] [--json]

Load and PV come from ``simulator.series.simulated_series`` (the simulator's own models for
the station's location, deterministic for a seed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import zoneinfo
from pathlib import Path
from typing import Any

from app.backtest import default_control, run_backtest
from app.backtest.cli import DEFAULT_START, DEFAULT_TARIFF
from app.config.loader import load_station
from app.paths import DEMO_STATION
from app.tariff import load_tariff
from benchmarks._common import print_json, print_table
from simulator.series import simulated_series

TARGET_DAYS_PER_S = 3.0


# rule-based configurations compared on the demo month besides the station's own; the best
# share of the optimal saving is reported (docs/performance.md, "Backtest")
CANDIDATES: dict[str, dict[str, Any]] = {
    "default (docs/backtest.md)": default_control(),
    "TOU 500 kW, demand 500 kW": {
        "strategies": [
            {"kind": "demand_control", "params": {"limit_kw": 500}},
            {"kind": "export_limit", "params": {"limit_kw": 0}},
            {"kind": "soc_management"},
            {
                "kind": "peak_valley_tou",
                "params": {
                    "charge_power_kw": 500,
                    "discharge_power_kw": 500,
                    "grid_import_cap_kw": 500,
                },
            },
        ]
    },
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--station", type=Path, default=DEMO_STATION)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    station = load_station(args.station)
    tariff = load_tariff(DEFAULT_TARIFF)
    zone = station.info.timezone
    d = DEFAULT_START
    start = dt.datetime(d.year, d.month, d.day, tzinfo=zoneinfo.ZoneInfo(zone))
    t0 = time.perf_counter()
    load, pv = simulated_series(station, start.timestamp(), args.days)
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = run_backtest(station, tariff, load, pv, start_ts=start.timestamp(), days=args.days)
    wall = time.perf_counter() - t0
    speed = args.days / wall
    f = result.figures()
    ratio = f["ratio_to_optimal"]
    print(result.text())
    print_table(
        f"Backtest speed ({args.days:g} days of the demo station from {d}, 60 s control steps)",
        [
            ("series generation (simulator models)", f"{gen_s:.2f} s (not counted)"),
            ("backtest wall time (control loop + LP + bills)", f"{wall:.2f} s"),
            ("simulated days per wall second", f"{speed:.1f}"),
            ("target", f"{TARGET_DAYS_PER_S:g} days/s (ratio {speed / TARGET_DAYS_PER_S:.2f})"),
            (
                "bill without / strategies / LP",
                f"{f['bill_without']:,.2f} / "
                f"{f['bill_strategy']:,.2f} / {f['bill_optimal']:,.2f} {f['currency']}",
            ),
            (
                "rule-based share of the optimal saving",
                "n/a" if ratio is None else f"{ratio:.1%} (target >= 90 %)",
            ),
        ],
    )
    best_name, best_ratio = "station", ratio
    rows = [("station's control section", _pct(ratio))]
    for name, control in CANDIDATES.items():
        other = run_backtest(
            station, tariff, load, pv, start_ts=start.timestamp(), days=args.days, control=control
        ).figures()
        rows.append((name, _pct(other["ratio_to_optimal"])))
        if other["ratio_to_optimal"] is not None and (
            best_ratio is None or other["ratio_to_optimal"] > best_ratio
        ):
            best_name, best_ratio = name, other["ratio_to_optimal"]
    rows.append((f"best: {best_name}", f"{_pct(best_ratio)} (target >= 90 %)"))
    print_table("Share of the LP optimum's saving reached (same month, same LP bound)", rows)
    if args.json:
        print_json(
            "backtest_days_per_s",
            speed,
            "days/s",
            TARGET_DAYS_PER_S,
            ratio_to_optimal=ratio,
            best_rule_ratio_to_optimal=best_ratio,
            bill_without=f["bill_without"],
            bill_strategy=f["bill_strategy"],
            bill_optimal=f["bill_optimal"],
        )
    return 0


def _pct(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.1%}"


if __name__ == "__main__":
    raise SystemExit(main())
