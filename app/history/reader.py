"""HistoryReader: queries on its own read-only connection, from any one thread at a time.

The UI calls it through a worker thread; a lock serialises callers that share a reader.
Rollup queries add the still-open bucket, computed from raw samples with the writer's own
SQL (app/history/bucket_sql.py), so live data is never missing from a trend.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from app.history import resolutions
from app.history.bucket_sql import COUNTER_LOOKBACK_S, raw_bucket_select
from app.history.catalogue import CataloguedPoint, read_catalogue
from app.history.errors import UnknownPointError
from app.history.resolutions import RAW, Resolution
from app.history.result import QueryResult, quality_of
from app.history.schema import connect_for_reading, read_meta
from app.points import PointValue

# rollup columns as queried, in this order (avg is the table's generated column)
_ROLLUP_COLUMNS = "ts, avg, min, max, last, delta, n_samples, n_good, worst"


class HistoryReader:
    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._conn = connect_for_reading(self.path)
        self._lock = threading.Lock()
        self._select_bucket = {c: raw_bucket_select(c) for c in (False, True)}

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> HistoryReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def points(self) -> list[CataloguedPoint]:
        """Every point ever recorded, by point id."""
        with self._lock:
            return read_catalogue(self._conn)

    def latest(self, point_id: str) -> PointValue | None:
        """The newest raw sample of a point, None when there is none (any more)."""
        with self._lock:
            pid, _ = self._point(point_id)
            row = self._conn.execute(
                "SELECT ts, value, quality FROM samples WHERE point = ? ORDER BY ts DESC LIMIT 1",
                (pid,),
            ).fetchone()
        if row is None:
            return None
        return PointValue(row[1], row[0], quality_of(row[2]))

    def resolution_for(self, start: float, end: float) -> Resolution:
        """What 'auto' picks for [start, end] (app/history/resolutions.py has the thresholds)."""
        with self._lock:
            return self._auto(start, end)

    def query(
        self, point_id: str, start: float, end: float, resolution: str = "auto"
    ) -> QueryResult:
        """Samples with start <= ts <= end, or every bucket overlapping [start, end]."""
        with self._lock:
            pid, kind = self._point(point_id)
            if resolution == "auto":
                res = self._auto(start, end)
            else:
                res = resolutions.by_name(resolution)
            if res is RAW:
                return self._raw(point_id, pid, start, end)
            return self._rollup(point_id, pid, kind == "counter", res, start, end)

    # --- under the lock ----------------------------------------------------------------

    def _point(self, point_id: str) -> tuple[int, str]:
        row = self._conn.execute(
            "SELECT id, kind FROM points WHERE point_id = ?", (point_id,)
        ).fetchone()
        if row is None:
            raise UnknownPointError(point_id)
        return int(row[0]), str(row[1])

    def _auto(self, start: float, end: float) -> Resolution:
        meta = read_meta(self._conn)
        days = {r.name: int(meta.get(f"retention_days.{r.name}", 0)) for r in resolutions.ALL}
        return resolutions.choose(start, end, self._clock(), days)

    def _raw(self, point_id: str, pid: int, start: float, end: float) -> QueryResult:
        rows = self._conn.execute(
            "SELECT ts, value, quality FROM samples WHERE point = ? AND ts >= ? AND ts <= ?"
            " ORDER BY ts",
            (pid, start, end),
        ).fetchall()
        table = np.array(rows, dtype=np.float64).reshape(-1, 3)
        return QueryResult(point_id, "raw", table[:, 0], table[:, 1], table[:, 2].astype(np.int16))

    def _rollup(
        self, point_id: str, pid: int, counter: bool, res: Resolution, start: float, end: float
    ) -> QueryResult:
        first = res.bucket(start)
        rows = self._conn.execute(
            f"SELECT {_ROLLUP_COLUMNS} FROM {res.table}"
            " WHERE point = ? AND ts >= ? AND ts <= ? ORDER BY ts",
            (pid, first, end),
        ).fetchall()
        rows.extend(self._open_buckets(pid, counter, res, first, end))
        table = np.array(rows, dtype=np.float64).reshape(-1, 9)
        return QueryResult(
            point_id,
            res.name,
            ts=table[:, 0],
            value=table[:, 1],
            min=table[:, 2],
            max=table[:, 3],
            last=table[:, 4],
            delta=table[:, 5],
            count=table[:, 6].astype(np.int64),
            good_count=table[:, 7].astype(np.int64),
            quality=table[:, 8].astype(np.int16),
        )

    def _open_buckets(
        self, pid: int, counter: bool, res: Resolution, first: float, end: float
    ) -> list[tuple[Any, ...]]:
        """Buckets after the last rolled one, computed from raw samples (normally just one)."""
        last_rolled = self._conn.execute(
            f"SELECT MAX(ts) FROM {res.table} WHERE point = ?", (pid,)
        ).fetchone()[0]
        b = first if last_rolled is None else max(first, last_rolled + res.seconds)
        out: list[tuple[Any, ...]] = []
        select = self._select_bucket[counter]
        while b <= end:
            # jump to the next bucket that holds samples: gaps cost one seek, not a loop
            nxt = self._conn.execute(
                "SELECT MIN(ts) FROM samples WHERE point = ? AND ts >= ? AND ts <= ?",
                (pid, b, end),
            ).fetchone()[0]
            if nxt is None:
                break
            b = res.bucket(nxt)
            params = {"p": pid, "b": b, "e": b + res.seconds, "lookback": COUNTER_LOOKBACK_S}
            row = self._conn.execute(select, params).fetchone()
            if row is not None:
                mn, mx, total, n_values, last, _last_ts, n, n_good, worst, delta = row
                avg = total / n_values if n_values else None
                out.append((b, avg, mn, mx, last, delta, n, n_good, worst))
            b += res.seconds
        return out
