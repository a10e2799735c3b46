"""The history database: file name, connection settings, tables and migrations.

Samples store a small integer point id (the ``points`` catalogue maps it to the dotted id),
so a raw row is about 23 bytes on disk (field notes). Every table keyed by (point, ts) is
WITHOUT ROWID: the primary key *is* the storage order, so a point's time range is one
contiguous B-tree range for inserts, queries and retention deletes alike.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from app.history.errors import HistoryError, NoDatabaseError

DB_FILENAME = "history.sqlite"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 5.0


def history_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / DB_FILENAME


def _rollup_ddl(table: str) -> str:
    # min/max/avg/last cover usable samples only (value present, quality good or uncertain);
    # n_samples, n_good and worst cover every sample. avg is the sample mean.
    return f"""
CREATE TABLE {table} (
    point INTEGER NOT NULL REFERENCES points (id),
    ts INTEGER NOT NULL,            -- bucket start, UTC epoch seconds
    min REAL,
    max REAL,
    sum REAL NOT NULL,              -- sum of usable values
    n_values INTEGER NOT NULL,      -- usable values in the bucket
    avg REAL GENERATED ALWAYS AS (sum / n_values) VIRTUAL,  -- NULL when n_values = 0
    last REAL,                      -- last usable value
    last_ts REAL,
    n_samples INTEGER NOT NULL,
    n_good INTEGER NOT NULL,
    worst INTEGER NOT NULL,         -- highest (worst) app.points.Quality code
    delta REAL,                     -- counters: increase over the bucket (resets handled)
    PRIMARY KEY (point, ts)
) WITHOUT ROWID"""


_V1 = [
    """
CREATE TABLE points (
    id INTEGER PRIMARY KEY,
    point_id TEXT NOT NULL UNIQUE,
    unit TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'analog'
)""",
    """
CREATE TABLE samples (
    point INTEGER NOT NULL REFERENCES points (id),
    ts REAL NOT NULL,               -- source timestamp, UTC epoch seconds
    value REAL,                     -- NULL when nothing usable was received
    quality INTEGER NOT NULL,       -- app.points.Quality code
    PRIMARY KEY (point, ts)
) WITHOUT ROWID""",
    _rollup_ddl("rollup_1m"),
    _rollup_ddl("rollup_15m"),
    _rollup_ddl("rollup_1h"),
    # settings the writer ran with (retention days per resolution, ...), for readers
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
]


def _create_v1(conn: sqlite3.Connection) -> None:
    for ddl in _V1:
        conn.execute(ddl)


# MIGRATIONS[n] brings a database at version n to n + 1 (0 = empty file). A new schema
# version appends one function here and bumps SCHEMA_VERSION; old files upgrade on open.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _create_v1}


def connect_for_writing(path: Path, durability: str = "normal") -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database; autocommit, explicit BEGINs."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as exc:
        raise HistoryError(f"{path}: cannot open the history database: {exc}") from exc
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a crash of the program loses nothing committed; power loss
        # may lose the last commits but never corrupts. FULL also survives power loss.
        conn.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
        migrate(conn)
    except BaseException as exc:
        conn.close()
        if isinstance(exc, sqlite3.Error):
            raise HistoryError(f"{path}: cannot open the history database: {exc}") from exc
        raise
    return conn


def connect_for_reading(path: Path) -> sqlite3.Connection:
    """Open an existing database read-only; usable from any one thread at a time."""
    if not path.is_file():
        raise NoDatabaseError(f"{path}: no history database")
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_S,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise HistoryError(f"{path}: cannot read the history database: {exc}") from exc
    try:
        version = schema_version(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise HistoryError(f"{path}: not a history database: {exc}") from exc
    if version != SCHEMA_VERSION:
        conn.close()
        raise HistoryError(
            f"{path}: history schema version {version}, this program reads {SCHEMA_VERSION}"
        )
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The applied schema version; 0 for a file without our tables."""
    known = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if known is None:
        return 0
    return int(conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema to SCHEMA_VERSION, one migration per transaction."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"history schema version {version} is newer than this program's {SCHEMA_VERSION}"
        )
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version"
                " (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
            )
            MIGRATIONS[version](conn)
            version += 1
            conn.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (version, time.time()),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def write_meta(conn: sqlite3.Connection, values: dict[str, str]) -> None:
    conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items())


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())
