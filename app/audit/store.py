"""The audit trail in its own SQLite file, committed with synchronous=FULL.

Audit records are few (commands, changes) and must survive a power cut, so every record is
its own durable transaction, written on one worker thread: the event loop never waits on
the disk. Records are only ever appended; nothing updates or deletes them.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.audit.entry import AuditEntry
from app.durable_sqlite import open_durable

AUDIT_FILENAME = "audit.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    old TEXT,
    new TEXT,
    reason TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit (ts);
"""


def audit_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / AUDIT_FILENAME


class AuditLog:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = open_durable(self.path, _SCHEMA)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="audit")

    def append(self, entry: AuditEntry) -> None:
        """Write one record durably (blocks: use ``record`` from the event loop)."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO audit (ts, actor, action, target, old, new, reason, result) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.ts,
                    entry.actor,
                    entry.action,
                    entry.target,
                    entry.old,
                    entry.new,
                    entry.reason,
                    entry.result,
                ),
            )

    async def record(self, entry: AuditEntry) -> None:
        """Append on the audit thread; the loop goes on meanwhile."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self.append, entry)

    def entries(self, since: float | None = None, until: float | None = None) -> list[AuditEntry]:
        """Records oldest first, optionally within [since, until]."""
        sql = "SELECT ts, actor, action, target, old, new, reason, result FROM audit"
        where, args = [], []
        if since is not None:
            where.append("ts >= ?")
            args.append(since)
        if until is not None:
            where.append("ts <= ?")
            args.append(until)
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY ts, id", args).fetchall()
        return [AuditEntry(*row) for row in rows]

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        with self._lock:
            self._conn.close()
