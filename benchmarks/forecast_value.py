"""What a perfect forecast would be worth to the MPC: the ceiling of forecast work.

    uv run python -m benchmarks.forecast_value [--case NAME ...] [--days 30] [--json]

Runs resources/control/demo_mpc.yaml on profile-library cases (the TUNING set by default)
three ways: as shipped; with the PV forecast replaced by the PV that came (the 15-minute
means of the series the backtest replays); with PV and load both replaced. Each prints the
share of the LP optimum's saving. The optimum sees the whole month at once; the MPC with
perfect forecasts still sees 24 hours, re-plans every 15 minutes and acts in closed loop at
the backtest step, so what separates the last column from 100 % is the horizon, the
running-peak pricing and the guard, and what separates the first from the others is the
forecast. The dark-day reserve, a hedge against PV the forecast cannot know, is off in the
perfect runs. Baseline: the shipped MPC in the same run (ratios are ceiling / shipped).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

import strategies.optimal_plan_job as plan_job
from app.backtest import Series, run_backtest
from app.backtest.cli import DEFAULT_TARIFF
from app.backtest.run import PRIME_MAX_DAYS as PRIME_DAYS
from app.config.loader import load_station
from app.paths import DEMO_STATION
from app.tariff import load_tariff
from benchmarks._common import print_json
from benchmarks.economics import CASES, MPC, MPC_STEP_S, TUNING_CASES, _section
from simulator.profiles import profile_series


def quarter_means(series: Series, start: float, steps: int) -> NDArray[np.float64]:
    """The series' mean over each 15-minute step from ``start`` (0 where it has no sample)."""
    ts = np.asarray(series.ts, dtype=np.float64)
    kw = np.asarray(series.kw, dtype=np.float64)
    idx = np.searchsorted(ts, start + 900.0 * np.arange(steps + 1))
    return np.array([kw[a:b].mean() if b > a else 0.0 for a, b in itertools.pairwise(idx)])


@contextlib.contextmanager
def perfect(load: Series, pv: Series, which: str) -> Iterator[None]:
    """Plans forecast with the truth for ``which`` ("pv" or "both") inside the block: the
    strategy's forecasting step (a pure function of the plan job) is swapped for one that
    reads the replayed series, nothing else of the strategy changes."""
    real = plan_job.forecasts

    def truth(job: plan_job.PlanJob) -> tuple[NDArray[np.float64], NDArray[np.float64], str]:
        load_kw, _pv_kw, method = real(job)
        pv_kw = quarter_means(pv, job.start, job.steps)
        if which == "both":
            load_kw = quarter_means(load, job.start, job.steps)
        return load_kw, pv_kw, f"{method}; perfect {which}"

    plan_job.forecasts = truth  # type: ignore[assignment]
    try:
        yield
    finally:
        plan_job.forecasts = real  # type: ignore[assignment]


def share(
    station: Any,
    tariff: Any,
    load: Series,
    pv: Series,
    t0: float,
    days: float,
    control: dict[str, Any],
) -> float:
    """The backtest's share of the LP optimum's saving (NaN when the optimum saves nothing)."""
    r = run_backtest(
        station, tariff, load, pv, start_ts=t0, days=days, control=control, step_s=MPC_STEP_S
    ).ratio_to_optimal
    return float("nan") if r is None else r


def _control(dark_reserve: bool) -> dict[str, Any]:
    control = _section(MPC)
    for s in control["strategies"]:
        if s["kind"] == "optimal_schedule":
            s.setdefault("params", {})["dark_reserve"] = dark_reserve
    return control


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks.forecast_value", description=__doc__)
    ap.add_argument("--case", action="append", help="a case name (default: the tuning set)")
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    by_name = {c.name: c for c in CASES}
    unknown = [n for n in args.case or [] if n not in by_name]
    if unknown:
        ap.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
    cases = [by_name[n] for n in args.case] if args.case else list(TUNING_CASES)
    station = load_station(DEMO_STATION)
    tariff = load_tariff(DEFAULT_TARIFF)
    zone = zoneinfo.ZoneInfo(station.info.timezone)
    print(
        f"MPC with perfect forecasts ({args.days:g} days, step {MPC_STEP_S} s): share of the "
        "LP optimum's saving"
    )
    print(f"  {'case':<42} {'shipped':>9} {'PV known':>9} {'PV+load':>9}")
    shipped_all, both_all = [], []
    for case in cases:
        d = case.start
        t0 = dt.datetime(d.year, d.month, d.day, tzinfo=zone).timestamp()
        load, pv = profile_series(
            station,
            case.profile,
            case.weather,
            t0 - PRIME_DAYS * 86400,
            args.days + PRIME_DAYS,
            MPC_STEP_S,
            case.seed,
        )

        run = (station, tariff, load, pv, t0, args.days)
        shipped = share(*run, _control(dark_reserve=True))
        with perfect(load, pv, "pv"):
            pv_known = share(*run, _control(dark_reserve=False))
        with perfect(load, pv, "both"):
            both = share(*run, _control(dark_reserve=False))
        shipped_all.append(shipped)
        both_all.append(both)
        print(f"  {case.name:<42} {shipped:>8.1%} {pv_known:>8.1%} {both:>8.1%}", flush=True)
    if args.json:
        print_json(
            "mpc_perfect_forecast_share",
            100 * float(np.median(both_all)),
            "% of the optimal saving (median)",
            100 * float(np.median(shipped_all)),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
