"""One way to open the append-only SQLite files that must survive kill -9.

The audit trail, the control versions and the alarm journal each keep their own file,
opened the same way: WAL with synchronous=FULL (a committed transaction is on disk), an
autocommit connection (each writer opens its own transaction), usable from the one worker
thread that writes it (the caller holds a lock around it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_durable(path: Path, schema: str, timeout_s: float = 5.0) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=timeout_s)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(schema)
    return conn
