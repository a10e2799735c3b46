"""Economics: the share of the LP optimum's saving that rule-based control and the MPC reach.

    uv run python -m benchmarks.economics [--days 30] [--seed 1] [--skip-mpc] [--json]

The demo month (2026-07-01 .. 07-30, Asia/Shanghai) on load and PV from the simulator's
models (seed 1), generated from 28 days before the start so that forecasting strategies are
primed as a station with a month of history would be. Each configuration is backtested
against the same data and the same LP optimum (perfect foresight); its ratio is
saving / optimal saving. Targets (issue 3): the best rule-based configuration >= 90 %, the
MPC strategy >= 95 %. The MPC re-plans every 15 minutes: its month takes ~100 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import zoneinfo
from pathlib import Path
from typing import Any

from app.backtest import run_backtest
from app.backtest.cli import DEFAULT_START, DEFAULT_TARIFF
from app.backtest.run import PRIME_MAX_DAYS as PRIME_DAYS
from app.config.loader import load_station, read_yaml
from app.paths import DEMO_STATION
from app.tariff import load_tariff
from benchmarks._common import print_json, print_table
from simulator.series import simulated_series

RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "control"
RULES = RESOURCES / "demo_rules_tuned.yaml"
MPC = RESOURCES / "demo_mpc.yaml"
TARGET_RULES, TARGET_MPC = 0.90, 0.95


def _section(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    return dict(data["control"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--skip-mpc", action="store_true", help="leave out the ~100 s MPC run")
    ap.add_argument("--seed", type=int, default=1, help="seed of the generated load and PV")
    args = ap.parse_args(argv)
    station = load_station(DEMO_STATION)
    tariff = load_tariff(DEFAULT_TARIFF)
    d = DEFAULT_START
    start = dt.datetime(d.year, d.month, d.day, tzinfo=zoneinfo.ZoneInfo(station.info.timezone))
    t0 = start.timestamp()
    load, pv = simulated_series(
        station, t0 - PRIME_DAYS * 86400, args.days + PRIME_DAYS, seed=args.seed
    )
    runs: list[tuple[str, dict[str, Any] | None, str]] = [
        ("demo station's control section (demand 600 kW)", None, "station"),
        (f"best rule-based: {RULES.name}", _section(RULES), "rules"),
    ]
    if not args.skip_mpc:
        runs.append((f"MPC: {MPC.name}", _section(MPC), "mpc"))
    rows: list[tuple[str, str]] = []
    ratios: dict[str, float | None] = {}
    optimal = without = None
    for label, control, key in runs:
        t = time.perf_counter()
        result = run_backtest(
            station, tariff, load, pv, start_ts=t0, days=args.days, control=control
        )
        f = result.figures()
        ratios[key] = f["ratio_to_optimal"]
        optimal, without = f["bill_optimal"], f["bill_without"]
        rows.append(
            (
                label,
                f"bill {f['bill_strategy']:,.2f} {f['currency']}, peak "
                f"{f['peak_demand_strategy_kw']:.0f} kW, {_pct(f['ratio_to_optimal'])} of the "
                f"optimal saving ({time.perf_counter() - t:.0f} s)",
            )
        )
    rows.insert(0, ("bill without storage / LP optimum", f"{without:,.2f} / {optimal:,.2f}"))
    rows.append(("targets", f"rule-based >= {TARGET_RULES:.0%}, MPC >= {TARGET_MPC:.0%}"))
    print_table(
        f"Economics on the demo month ({args.days:g} days from {d}, seed {args.seed})", rows
    )
    if args.json:
        best = ratios["rules"] or 0.0
        print_json(
            "economics_best_rule_share_of_optimal",
            best * 100,
            "%",
            TARGET_RULES * 100,
            station_ratio_to_optimal=ratios["station"],
            rules_ratio_to_optimal=ratios["rules"],
            mpc_ratio_to_optimal=ratios.get("mpc"),
            mpc_target=TARGET_MPC,
            bill_without=without,
            bill_optimal=optimal,
        )
    return 0


def _pct(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.1%}"


if __name__ == "__main__":
    raise SystemExit(main())
