"""Backtest speed: simulated days per wall second (economics: benchmarks/economics.py).

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

from app.backtest import run_backtest
from app.backtest.cli import DEFAULT_START, DEFAULT_TARIFF
from app.config.loader import load_station
from app.paths import DEMO_STATION
from app.tariff import load_tariff
from benchmarks._common import print_json, print_table
from simulator.series import simulated_series

TARGET_DAYS_PER_S = 3.0


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
    if args.json:
        print_json(
            "backtest_days_per_s",
            speed,
            "days/s",
            TARGET_DAYS_PER_S,
            ratio_to_optimal=ratio,
            bill_without=f["bill_without"],
            bill_strategy=f["bill_strategy"],
            bill_optimal=f["bill_optimal"],
        )
    return 0


def _pct(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.1%}"


if __name__ == "__main__":
    raise SystemExit(main())
