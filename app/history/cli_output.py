"""Printing a query result: CSV, or an aligned table for people. Oldest row first.

The first three columns are always ``timestamp,value,quality`` (ISO 8601 UTC; the value
empty when nothing usable was stored; quality ``good``, ``uncertain`` or ``bad:<reason>``).
Rollups add ``min,max,last,delta,samples,good_samples`` after them; for a rollup the
timestamp is the bucket start, the value the bucket's average and the quality its worst.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from typing import TextIO

from app.history.result import QueryResult, quality_of
from app.history.timespec import format_utc

RAW_HEADER = ["timestamp", "value", "quality"]
ROLLUP_HEADER = [*RAW_HEADER, "min", "max", "last", "delta", "samples", "good_samples"]


def _num(x: float) -> str:
    return "" if math.isnan(x) else repr(float(x))


def rows(result: QueryResult) -> Iterator[list[str]]:
    qualities = {int(q): str(quality_of(q)) for q in set(result.quality.tolist())}
    if not result.is_rollup:
        for ts, v, q in zip(result.ts, result.value, result.quality.tolist(), strict=True):
            yield [format_utc(ts), _num(v), qualities[q]]
        return
    assert result.min is not None and result.max is not None and result.last is not None
    assert result.delta is not None and result.count is not None
    assert result.good_count is not None
    columns = zip(
        result.ts,
        result.value,
        result.quality.tolist(),
        result.min,
        result.max,
        result.last,
        result.delta,
        result.count.tolist(),
        result.good_count.tolist(),
        strict=True,
    )
    for ts, v, q, mn, mx, last, delta, n, n_good in columns:
        yield [
            format_utc(ts),
            _num(v),
            qualities[q],
            _num(mn),
            _num(mx),
            _num(last),
            _num(delta),
            str(n),
            str(n_good),
        ]


def header(result: QueryResult) -> list[str]:
    return ROLLUP_HEADER if result.is_rollup else RAW_HEADER


def write_csv(result: QueryResult, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(result))
    writer.writerows(rows(result))


def write_table(result: QueryResult, out: TextIO) -> None:
    """Columns padded to their widest cell; numbers right-aligned."""
    head = header(result)
    body = list(rows(result))
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(head)]
    numeric = [h not in ("timestamp", "quality") for h in head]

    def line(cells: list[str]) -> str:
        parts = [
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out.write(line(head) + "\n")
    for r in body:
        out.write(line(r) + "\n")
    out.write(f"({len(body)} row(s), resolution {result.resolution}, {result.point_id})\n")
