"""Keeping the 1 min / 15 min / 1 h rollups up to date as data arrives.

A bucket is rolled up (computed from stored rows and upserted) once it is *closed*: its
point has a sample in a later bucket, or the wall clock is ``grace_s`` past its end. Every
bucket that receives data is marked pending; closed pending buckets are rolled in the same
transaction that stored their samples, finest first, so after each commit the only bucket
of a point not yet rolled is the one holding its newest sample. Readers compute that open
bucket live from raw samples with the same SQL (app/history/bucket_sql.py).

Late samples (older than a point's newest bucket) mark their bucket pending again; it is
closed, so it is rolled again at once. For a counter the later buckets (up to its newest,
within the counter lookback) are rolled again too: a delta starts from the last usable value
before its bucket, which the late sample may have changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from app.history.bucket_sql import (
    COUNTER_LOOKBACK_S,
    raw_bucket_select,
    rollup_bucket_select,
    upsert_from,
)
from app.history.catalogue import Catalogue
from app.history.resolutions import H1, M1, M15, ROLLUPS, Resolution

Bucket = tuple[int, int]  # (point, bucket start)
MINUTE = M1.seconds


class RollupTracker:
    """Pending buckets per resolution. Owned by the writer thread."""

    def __init__(self, catalogue: Catalogue, grace_s: float = 60.0) -> None:
        self._catalogue = catalogue
        self._grace_s = grace_s
        self.newest: dict[int, int] = {}  # point -> start of the minute of its newest sample
        self.pending: dict[Resolution, set[Bucket]] = {res: set() for res in ROLLUPS}
        self._plain = {
            M1: upsert_from(raw_bucket_select(counter=False), M1.table),
            M15: upsert_from(rollup_bucket_select(M1.table), M15.table),
            H1: upsert_from(rollup_bucket_select(M15.table), H1.table),
        }
        self._counter = {**self._plain, M1: upsert_from(raw_bucket_select(True), M1.table)}

    def recover(self, conn: sqlite3.Connection) -> None:
        """Rebuild the state from committed data: each point's newest bucket is pending."""
        self.newest.clear()
        for pending in self.pending.values():
            pending.clear()
        minutes = []
        for pid in self._catalogue.by_id:
            row = conn.execute("SELECT MAX(ts) FROM samples WHERE point = ?", (pid,)).fetchone()
            if row[0] is not None:
                minutes.append((pid, row[0] // MINUTE))
        self.note(minutes)

    def note(self, touched: Iterable[tuple[int, float]]) -> None:
        """Mark the buckets of newly stored samples pending; ``touched`` holds (point, ts // 60)."""
        before = dict(self.newest)
        late_counters: dict[int, int] = {}  # point -> its earliest late bucket
        for pid, minute in touched:
            b = int(minute) * MINUTE
            self._mark(pid, b)
            if b > self.newest.get(pid, -1):
                self.newest[pid] = b
            elif b < before.get(pid, -1) and self._catalogue.is_counter(pid):
                late_counters[pid] = min(b, late_counters.get(pid, b))
        for pid, b in late_counters.items():
            upto = min(self.newest[pid], b + COUNTER_LOOKBACK_S)
            for later in range(b + MINUTE, upto + 1, MINUTE):
                self._mark(pid, later)

    def _mark(self, pid: int, minute_start: int) -> None:
        """The 1 min bucket and the 15 min and 1 h buckets around it need rolling up."""
        self.pending[M1].add((pid, minute_start))
        self.pending[M15].add((pid, minute_start - minute_start % M15.seconds))
        self.pending[H1].add((pid, minute_start - minute_start % H1.seconds))

    def has_due(self, now: float) -> bool:
        return any(self._is_closed(k, res, now) for res in ROLLUPS for k in self.pending[res])

    def roll_closed(self, conn: sqlite3.Connection, now: float) -> int:
        """Roll up every closed pending bucket, finest resolution first; returns how many."""
        rolled = 0
        for res in ROLLUPS:
            pending = self.pending[res]
            closed = sorted(k for k in pending if self._is_closed(k, res, now))
            if not closed:
                continue
            counters: list[dict[str, Any]] = []
            plain: list[dict[str, Any]] = []
            for pid, b in closed:
                params = {"p": pid, "b": b, "e": b + res.seconds, "lookback": COUNTER_LOOKBACK_S}
                (counters if self._catalogue.is_counter(pid) else plain).append(params)
            if plain:
                conn.executemany(self._plain[res], plain)
            if counters:
                conn.executemany(self._counter[res], counters)  # in time order: deltas chain
            pending.difference_update(closed)
            rolled += len(closed)
        return rolled

    def _is_closed(self, key: Bucket, res: Resolution, now: float) -> bool:
        pid, b = key
        end = b + res.seconds
        return self.newest.get(pid, -1) >= end or now >= end + self._grace_s
