"""Ingest: decoded point values through the point table and the history writer into SQLite.

    uv run python -m benchmarks.ingest [--json] [--points N] [--seconds S] [--repeat R]

Feeds S seconds of 1 s samples for N points (per-device batches of 50, as drivers deliver
them) into a PointTable whose POINTS events go to a HistoryWriter, and times it until
``flush()`` says everything is committed, rollups included. The baseline, in the same run:
the same rows, pre-built as tuples, ``executemany``-inserted into the same samples table
(WAL, synchronous=NORMAL, one transaction per 10,000 rows). Best of R runs each.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import tempfile
import time
from pathlib import Path

from app.config.schema import HistoryConfig, I18nText, StationInfo
from app.events import POINTS, EventBus
from app.history import HistoryWriter
from app.history.schema import connect_for_writing
from app.model import PointSpec, Station
from app.point_table import PointTable
from app.points import PointValue, Quality
from benchmarks._common import print_json, print_table

DEVICE_POINTS = 50  # points per device, i.e. per batch
COUNTER_EVERY = 10  # every 10th point is an energy counter (gets deltas)
BASELINE_ROWS_PER_COMMIT = 10_000
KEEP_FOREVER = {"raw": 0, "1m": 0, "15m": 0, "1h": 0}  # retention must not touch the data


def build_station(n_points: int) -> Station:
    points: dict[str, PointSpec] = {}
    for i in range(n_points):
        device = f"dev{i // DEVICE_POINTS:03d}"
        pid = f"{device}.p{i % DEVICE_POINTS:02d}"
        counter = i % COUNTER_EVERY == COUNTER_EVERY - 1
        points[pid] = PointSpec(
            id=pid,
            name=I18nText(en=pid),
            unit="kWh" if counter else "kW",
            kind="counter" if counter else "analog",
            device_id=device,
        )
    return Station(
        info=StationInfo(id="bench", name=I18nText(en="Ingest benchmark")),
        source=Path("<benchmark>"),
        connections={},
        devices={},
        calculated=(),
        history=HistoryConfig(retention_days=KEEP_FOREVER),  # type: ignore[arg-type]
        points=points,
    )


def make_batches(station: Station, seconds: int, t0: float) -> list[dict[str, PointValue]]:
    """Per-device batches, one per device and second; one sample in 500 uncertain."""
    specs = list(station.points.values())
    batches = []
    n = 0
    for s in range(seconds):
        ts = t0 + s
        for first in range(0, len(specs), DEVICE_POINTS):
            batch = {}
            for k, spec in enumerate(specs[first : first + DEVICE_POINTS], start=first):
                value = s * 0.5 + k if spec.kind == "counter" else 100.0 * math.sin(s / 60 + k)
                n += 1
                quality = Quality.UNCERTAIN if n % 500 == 0 else Quality.GOOD
                batch[spec.id] = PointValue(value, ts, quality)
            batches.append(batch)
    return batches


def run_pipeline(folder: Path, station: Station, batches: list[dict[str, PointValue]]) -> float:
    """Seconds from the first update to everything committed."""
    total = sum(len(b) for b in batches)
    bus = EventBus()
    table = PointTable(station, bus)
    writer = HistoryWriter(folder / "history.sqlite", station, max_queued_samples=total + 1)
    try:
        bus.subscribe(POINTS, writer.submit)
        start = time.perf_counter()
        for batch in batches:
            table.update(batch)
        if not writer.flush(timeout=600):
            raise RuntimeError("the history writer did not commit in time")
        elapsed = time.perf_counter() - start
        status = writer.status()
    finally:
        writer.close()
    if status.committed != total:
        raise RuntimeError(f"committed {status.committed} of {total} samples: {status}")
    return elapsed


def run_baseline(folder: Path, station: Station, batches: list[dict[str, PointValue]]) -> float:
    """Seconds to executemany the same rows into the same kind of table."""
    ids = {pid: i for i, pid in enumerate(station.points, start=1)}
    rows = [
        (ids[pid], pv.ts, float(pv.value), int(pv.quality))  # type: ignore[arg-type]
        for batch in batches
        for pid, pv in batch.items()
    ]
    conn = connect_for_writing(folder / "history.sqlite")
    try:
        start = time.perf_counter()
        for first in range(0, len(rows), BASELINE_ROWS_PER_COMMIT):
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO samples (point, ts, value, quality) VALUES (?, ?, ?, ?)",
                rows[first : first + BASELINE_ROWS_PER_COMMIT],
            )
            conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


def measure(points: int, seconds: int, repeat: int) -> dict[str, float]:
    station = build_station(points)
    t0 = float(int(time.time()) - seconds)  # ends about now, as live data would
    batches = make_batches(station, seconds, t0)
    total = sum(len(b) for b in batches)
    best = {"pipeline": math.inf, "baseline": math.inf}
    for _ in range(repeat):
        for name, run in (("baseline", run_baseline), ("pipeline", run_pipeline)):
            with tempfile.TemporaryDirectory(prefix="ems-ingest-") as tmp:
                best[name] = min(best[name], run(Path(tmp), station, batches))
    with tempfile.TemporaryDirectory(prefix="ems-ingest-") as tmp:
        run_pipeline(Path(tmp), station, batches)
        size = (Path(tmp) / "history.sqlite").stat().st_size
        with sqlite3.connect(Path(tmp) / "history.sqlite") as conn:
            rollup_rows = sum(
                conn.execute(f"SELECT COUNT(*) FROM rollup_{r}").fetchone()[0]
                for r in ("1m", "15m", "1h")
            )
    return {
        "samples": total,
        "value": total / best["pipeline"],
        "baseline": total / best["baseline"],
        "bytes_per_sample": size / total,
        "rollup_rows": rollup_rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__)
    parser.add_argument("--points", type=int, default=200, help="points (default 200)")
    parser.add_argument(
        "--seconds", type=int, default=1800, help="seconds of 1 s samples per point (1800)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, best kept (3)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)
    if args.points < 1 or args.seconds < 1 or args.repeat < 1:
        parser.error("--points, --seconds and --repeat must be at least 1")
    m = measure(args.points, args.seconds, args.repeat)
    ratio = m["value"] / m["baseline"]
    print_table(
        f"ingest: {args.points} points x {args.seconds} s of 1 s samples"
        f" ({m['samples']:,} samples), best of {args.repeat}",
        [
            ("raw executemany (baseline)", f"{m['baseline']:>12,.0f} points/s"),
            ("point table + history writer", f"{m['value']:>12,.0f} points/s"),
            ("ratio (target >= 0.5)", f"{ratio:>12.2f}"),
            ("database size per sample", f"{m['bytes_per_sample']:>12.1f} bytes"),
            ("rollup rows written", f"{m['rollup_rows']:>12,}"),
        ],
    )
    if args.json:
        print_json(
            "ingest",
            m["value"],
            "points/s",
            m["baseline"],
            points=args.points,
            seconds=args.seconds,
            samples=m["samples"],
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
