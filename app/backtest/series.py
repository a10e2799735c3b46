"""Load and PV input series: CSV reading (with errors naming file, line and value) and resampling.

A series is a pair of arrays over a regular grid: ``ts`` (UTC epoch seconds, start of each
interval) and ``kw`` (average power over the interval). CSV files have the columns
``timestamp,kw`` with ISO 8601 timestamps in UTC (``2026-07-01T00:00:00Z``), at 15 minutes
or finer; the backtester holds each value over its interval (a step function).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
QUARTER_S = 900


class SeriesError(ValueError):
    """A bad input series; the message names the file, the line and the bad value."""


@dataclass(frozen=True)
class Series:
    ts: FloatArray  # UTC epoch seconds, start of each interval, regular
    kw: FloatArray
    step_s: int
    source: str = ""

    @property
    def end(self) -> float:
        return float(self.ts[-1]) + self.step_s if self.ts.size else 0.0


def _parse_ts(text: str) -> float:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    stamp = dt.datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)  # documented: timestamps are UTC
    return stamp.timestamp()


def read_series_csv(path: str | Path) -> Series:
    """Read ``timestamp,kw``; raise SeriesError naming file, line and value on any bad row."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SeriesError(f"{path}: cannot read: {exc.strerror or exc}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise SeriesError(f"{path}: empty file (expected a header 'timestamp,kw')")
    header = [h.strip().lower() for h in rows[0]]
    if header[:2] != ["timestamp", "kw"]:
        raise SeriesError(f"{path}:1: header {','.join(rows[0])!r} is not 'timestamp,kw'")
    ts: list[float] = []
    kw: list[float] = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) < 2:
            raise SeriesError(f"{path}:{line}: expected 2 columns, got {row!r}")
        try:
            t = _parse_ts(row[0])
        except ValueError:
            raise SeriesError(
                f"{path}:{line}: bad timestamp {row[0]!r} (ISO 8601 UTC expected)"
            ) from None
        try:
            p = float(row[1])
        except ValueError:
            raise SeriesError(f"{path}:{line}: bad kw value {row[1]!r}") from None
        if not math.isfinite(p):
            raise SeriesError(f"{path}:{line}: bad kw value {row[1]!r} (not finite)")
        if ts and t <= ts[-1]:
            raise SeriesError(f"{path}:{line}: timestamp {row[0]!r} is not after the previous one")
        ts.append(t)
        kw.append(p)
    if len(ts) < 2:
        raise SeriesError(f"{path}: needs at least 2 rows of data, found {len(ts)}")
    steps = np.diff(np.asarray(ts))
    step = float(steps[0])
    bad = np.flatnonzero(steps != step)
    if bad.size:
        i = int(bad[0]) + 1  # data index of the row that breaks the grid
        raise SeriesError(
            f"{path}:{i + 2}: timestamp {_iso(ts[i])} breaks the regular {step:g} s step "
            "(gap or irregular spacing)"
        )
    if step > QUARTER_S or QUARTER_S % step != 0:
        raise SeriesError(f"{path}: step {step:g} s must be 15 minutes or finer and divide 900 s")
    return Series(np.asarray(ts), np.asarray(kw, dtype=np.float64), int(step), str(path))


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")


def on_grid(series: Series, start: float, n: int, step_s: int, what: str) -> FloatArray:
    """The series held over intervals, sampled at ``start + k * step_s`` (k < n)."""
    t = start + step_s * np.arange(n, dtype=np.float64)
    if series.ts.size == 0 or t[0] < series.ts[0] or t[-1] >= series.end:
        raise SeriesError(
            f"{series.source or what}: covers {_iso(float(series.ts[0]))} .. {_iso(series.end)},"
            f" the backtest needs {_iso(start)} .. {_iso(start + n * step_s)}"
        )
    idx = np.floor((t - series.ts[0]) / series.step_s).astype(np.int64)
    return np.asarray(series.kw[idx], dtype=np.float64)


def quarter_means(values: FloatArray, step_s: int) -> FloatArray:
    """Averages over each 15-minute block (``values`` start on a quarter hour)."""
    per = QUARTER_S // step_s
    n = values.size // per
    return np.asarray(values[: n * per].reshape(n, per).mean(axis=1), dtype=np.float64)


def write_series_csv(path: str | Path, ts: FloatArray, kw: FloatArray) -> None:
    """Write ``timestamp,kw`` (the format :func:`read_series_csv` reads)."""
    lines = ["timestamp,kw"] + [
        f"{_iso(float(t))},{float(p):.6f}" for t, p in zip(ts, kw, strict=True)
    ]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
