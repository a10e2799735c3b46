"""Retention: delete what is older than each resolution's retention, a little at a time.

Deletes go point by point and slice by slice (a time window per statement), at most
``budget_rows`` per pass, so no pass holds the write lock for long; while expired rows remain
(a pass used its budget, or a slice did not reach the cutoff), the next pass runs at the
writer's next cycle instead of ``interval_s`` later.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from app.config.schema import Retention
from app.history.resolutions import ALL, RETENTION_FIELD, Resolution

DAY = 86400.0
# time window deleted per point and statement: about an hour's rows or fewer at 1 s polling
SLICE_S = {"raw": 600.0, "1m": 2 * DAY, "15m": 30 * DAY, "1h": 365 * DAY}


def retention_days(retention: Retention) -> dict[str, int]:
    """Days kept per resolution name (0 = forever)."""
    return {res.name: int(getattr(retention, RETENTION_FIELD[res.name])) for res in ALL}


class RetentionPolicy:
    def __init__(
        self, days: dict[str, int], interval_s: float = 60.0, budget_rows: int = 20_000
    ) -> None:
        self.days = days
        self.interval_s = interval_s
        self.budget_rows = budget_rows
        self._next_run = 0.0  # monotonic; the first pass runs at the first cycle

    @property
    def enabled(self) -> bool:
        return any(self.days.values())

    def due(self, monotonic_now: float) -> bool:
        return self.enabled and monotonic_now >= self._next_run

    def run(
        self, conn: sqlite3.Connection, points: Iterable[int], now: float, monotonic_now: float
    ) -> int:
        """One pass inside the caller's transaction; returns the rows deleted."""
        deleted = 0
        more = False
        pids = list(points)
        for res in ALL:
            days = self.days.get(res.name, 0)
            if not days:
                continue
            budget = self.budget_rows - deleted
            rows, left = self._expire(conn, res, pids, now - days * DAY, budget)
            deleted += rows
            more = more or left
            if deleted >= self.budget_rows:
                more = True
                break
        self._next_run = monotonic_now + (0.0 if more else self.interval_s)
        return deleted

    @staticmethod
    def _expire(
        conn: sqlite3.Connection, res: Resolution, pids: list[int], cutoff: float, budget: int
    ) -> tuple[int, bool]:
        """Delete slices round-robin over the points; returns (rows, whether any remain)."""
        deleted = 0
        slice_s = SLICE_S[res.name]
        active = pids
        while active:
            remaining = []
            for pid in active:
                oldest = conn.execute(
                    f"SELECT MIN(ts) FROM {res.table} WHERE point = ?", (pid,)
                ).fetchone()[0]
                if oldest is None or oldest >= cutoff:
                    continue
                upto = min(cutoff, oldest + slice_s)
                cur = conn.execute(
                    f"DELETE FROM {res.table} WHERE point = ? AND ts < ?", (pid, upto)
                )
                deleted += max(cur.rowcount, 0)
                if deleted >= budget:
                    return deleted, True
                if upto < cutoff:
                    remaining.append(pid)
            active = remaining
        return deleted, False
