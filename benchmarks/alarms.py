"""Alarm rule evaluations per second: 10,000 analog points through the alarm engine.

    uv run python -m benchmarks.alarms [--json] [--points 10000] [--rounds 20]

Every point has HH/H/L/LL limits with a deadband and on/off delays (four alarms per point).
Each round is one control cycle in which every point has changed: ``on_points`` with all
of them, then ``tick``. Most values wander mid-range; one point in 50 hovers at its H limit,
so deadbands, delays and transitions are exercised too. The baseline is a plain loop that
compares the same values with the same four limits, in the same run. The target (issue 4):
one full evaluation in under 10 % of a 1 s cycle.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from pathlib import Path

from app.alarms.analog import Level
from app.alarms.engine import AlarmEngine
from app.alarms.rate import RateRule
from app.alarms.rules import AnalogRule
from app.alarms.states import Priority
from app.config.schema import HistoryConfig, I18nText, StationInfo
from app.model import PointSpec, Station
from app.points import PointValue, Quality
from benchmarks._common import print_json, print_table

RULE = AnalogRule(
    hh=90,
    h=80,
    l=20,
    ll=10,
    deadband=1,
    on_delay_s=3,
    off_delay_s=3,
    priority={
        Level.HH: Priority.HIGH,
        Level.H: Priority.LOW,
        Level.L: Priority.LOW,
        Level.LL: Priority.HIGH,
    },
)
POINTS_PER_DEVICE = 100
TARGET_S = 0.1  # 10 % of a 1 s cycle


# --roc: the same limits plus a rate-of-change rule on every point (the BMS template's kind)
ROC_RULE = RULE.model_copy(update={"roc": RateRule(max_per_s=5.0, window_s=10.0)})


def station(points: int, rule: AnalogRule = RULE) -> Station:
    specs = {}
    for j in range(points):
        dev = f"dev{j // POINTS_PER_DEVICE}"
        pid = f"{dev}.t{j % POINTS_PER_DEVICE}"
        specs[pid] = PointSpec(pid, I18nText(en=pid), "°C", "analog", dev, alarms=rule)
    return Station(
        info=StationInfo(id="bench", name=I18nText(en="Alarm benchmark")),
        source=Path("bench"),
        connections={},
        devices={},
        calculated=(),
        history=HistoryConfig(),
        points=specs,
    )


def batches(ids: list[str], rounds: int, t0: float) -> list[dict[str, PointValue]]:
    """One batch per 1 s round, every point changed; built before timing starts."""
    rng = random.Random(4)
    base = [80.0 if j % 50 == 0 else 50.0 for j in range(len(ids))]
    out = []
    for r in range(rounds):
        ts = t0 + r
        out.append(
            {
                pid: PointValue(
                    base[j] + 3.0 * math.sin(0.7 * r + j) + rng.uniform(-0.5, 0.5),
                    ts,
                    Quality.GOOD,
                )
                for j, pid in enumerate(ids)
            }
        )
    return out


def baseline(batch: dict[str, PointValue]) -> int:
    """The plain comparison of every value with its four limits (no state, no delays)."""
    hh, h, lo, ll = 90.0, 80.0, 20.0, 10.0
    n = 0
    for pv in batch.values():
        v = pv.value
        if v is None:
            continue
        n += (v > hh) + (v > h) + (v < lo) + (v < ll)
    return n


def measure(points: int, rounds: int, roc: bool = False) -> dict[str, float]:
    st = station(points, ROC_RULE if roc else RULE)
    engine = AlarmEngine(st)
    data = batches(list(st.points), rounds, 1_750_000_000.0)
    engine_s: list[float] = []
    base_s: list[float] = []
    transitions = 0
    for batch in data:
        ts = next(iter(batch.values())).ts
        t = time.perf_counter()
        transitions += len(engine.on_points(batch)) + len(engine.tick(ts))
        engine_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        baseline(batch)
        base_s.append(time.perf_counter() - t)
    eval_s = statistics.median(engine_s)
    base = statistics.median(base_s)
    return {
        "value": points / eval_s,
        "baseline": points / base,
        "eval_ms": eval_s * 1000,
        "eval_ms_max": max(engine_s) * 1000,
        "alarms": len(engine.alarm_ids),
        "transitions": transitions,
        "active": len(engine.active()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.alarms", description=__doc__)
    parser.add_argument("--points", type=int, default=10_000, help="analog points (10000)")
    parser.add_argument("--rounds", type=int, default=20, help="1 s cycles, median kept (20)")
    parser.add_argument(
        "--roc", action="store_true", help="add a rate-of-change rule to every point"
    )
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)
    if args.points < 1 or args.rounds < 1:
        parser.error("--points and --rounds must be at least 1")
    m = measure(args.points, args.rounds, args.roc)
    share = m["eval_ms"] / 1000.0
    met = m["eval_ms"] / 1000.0 < TARGET_S
    print_table(
        f"alarms: {args.points:,} analog points x HH/H/L/LL with deadband and delays"
        + (" + rate of change" if args.roc else "")
        + f" ({m['alarms']:,.0f} alarms), every point changed, median of {args.rounds} cycles",
        [
            ("plain comparison loop (baseline)", f"{m['baseline']:>14,.0f} evaluations/s"),
            ("alarm engine (on_points + tick)", f"{m['value']:>14,.0f} evaluations/s"),
            ("ratio engine / baseline", f"{m['value'] / m['baseline']:>14.3f}"),
            ("one full evaluation (median)", f"{m['eval_ms']:>14.1f} ms"),
            ("one full evaluation (worst)", f"{m['eval_ms_max']:>14.1f} ms"),
            ("share of a 1 s cycle", f"{share:>14.1%}"),
            ("under 10 % of the cycle", f"{'yes' if met else 'NO':>14}"),
            ("transitions journaled", f"{m['transitions']:>14,.0f}"),
        ],
    )
    if args.json:
        print_json(
            "alarms",
            m["value"],
            "evaluations/s",
            m["baseline"],
            points=args.points,
            rounds=args.rounds,
            eval_ms=round(m["eval_ms"], 2),
            eval_ms_max=round(m["eval_ms_max"], 2),
            cycle_share=round(share, 4),
            target_met=met,
            transitions=int(m["transitions"]),
            alarms=int(m["alarms"]),
            roc=args.roc,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
