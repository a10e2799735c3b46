"""The alarm journal: every alarm transition and event, in its own SQLite file.

Modelled on the audit trail (app/audit/store.py): WAL with synchronous=FULL, so a committed
batch survives kill -9 and a power cut; rows are only ever appended. Unlike the audit trail,
entries come in bursts (an alarm storm: thousands of points going bad in one cycle), so
``record`` writes a whole batch as one transaction with one executemany: one fsync per
batch, not per entry. The runtime calls it from a worker thread; a lock serialises the one
connection, which is opened with check_same_thread=False for that reason.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.alarms.journal_entry import JournalEntry
from app.alarms.states import LISTED, AlarmState, Priority
from app.durable_sqlite import open_durable

JOURNAL_FILENAME = "alarms.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    alarm_id TEXT NOT NULL,
    source TEXT NOT NULL,
    point_id TEXT,
    priority TEXT NOT NULL,
    state TEXT NOT NULL,
    previous TEXT,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    user TEXT,
    comment TEXT NOT NULL,
    message_zh TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS journal_ts ON journal (ts);
CREATE INDEX IF NOT EXISTS journal_alarm ON journal (alarm_id, ts);
"""

_COLUMNS = (
    "ts, alarm_id, source, point_id, priority, state, previous, kind, message, user, comment,"
    " message_zh"
)
_INSERT = f"INSERT INTO journal ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_TEXT_FIELDS = ("message", "message_zh", "alarm_id", "source", "point_id", "user", "comment")


def journal_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / JOURNAL_FILENAME


def _row(e: JournalEntry) -> tuple[Any, ...]:
    return (
        e.ts,
        e.alarm_id,
        e.source,
        e.point_id,
        e.priority.value,
        e.state.value,
        None if e.previous is None else e.previous.value,
        e.kind,
        e.message,
        e.user,
        e.comment,
        e.message_zh,
    )


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    ts, alarm_id, source, point_id, priority, state, previous, kind, message, user, comment, zh = (
        row
    )
    return JournalEntry(
        ts=ts,
        alarm_id=alarm_id,
        source=source,
        priority=Priority(priority),
        state=AlarmState(state),
        message=message,
        kind=kind,
        previous=None if previous is None else AlarmState(previous),
        point_id=point_id,
        user=user,
        comment=comment,
        message_zh=zh or "",
    )


def _upgrade(conn: sqlite3.Connection) -> None:
    """A journal written before the Chinese text (no ``message_zh``) gets the column:
    its rows keep everything and read with an empty Chinese text (shown in English)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(journal)")}
    if "message_zh" not in columns:
        conn.execute("ALTER TABLE journal ADD COLUMN message_zh TEXT NOT NULL DEFAULT ''")


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (``%`` and ``_`` escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class AlarmJournal:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = open_durable(self.path, _SCHEMA)
        _upgrade(self._conn)

    def record(self, entries: Iterable[JournalEntry]) -> int:
        """Append a batch durably, all or nothing; returns how many were written (blocks)."""
        rows = [_row(e) for e in entries]  # converted before the lock: a bad entry writes nothing
        if not rows:
            return 0
        with self._lock:
            # autocommit connection: an explicit transaction, or every row is its own fsync
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(_INSERT, rows)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        return len(rows)

    def entries(
        self,
        since: float | None = None,
        until: float | None = None,
        alarm_id: str | None = None,
        source: str | None = None,
        text: str | None = None,
        active_only: bool = False,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Entries oldest first, filtered; ``since``/``until`` are inclusive.

        ``limit`` keeps the newest ``limit`` entries of the selection (still oldest first).

        ``text`` matches message, alarm_id, source, point_id, user or comment, anywhere and
        case-insensitively (ASCII). ``active_only`` keeps only the latest entry of each alarm
        (as of ``until``) whose state is unack, acked or rtn_unack: the active list.
        """
        table = "journal"
        args: list[Any] = []
        if active_only:
            # the latest row of each alarm up to `until`, then the other filters on it
            cutoff = "" if until is None else "WHERE ts <= ?"
            if until is not None:
                args.append(until)
            table = (
                f"(SELECT *, ROW_NUMBER() OVER (PARTITION BY alarm_id ORDER BY ts DESC, id DESC)"
                f" AS nth FROM journal {cutoff})"
            )
        where: list[str] = []
        if active_only:
            listed = sorted(s.value for s in LISTED)
            where.append(
                f"nth = 1 AND kind = 'alarm' AND state IN ({', '.join('?' * len(listed))})"
            )
            args.extend(listed)
        if since is not None:
            where.append("ts >= ?")
            args.append(since)
        if until is not None and not active_only:
            where.append("ts <= ?")
            args.append(until)
        if alarm_id is not None:
            where.append("alarm_id = ?")
            args.append(alarm_id)
        if source is not None:
            where.append("source = ?")
            args.append(source)
        if text:
            fields = " OR ".join(f"{f} LIKE ? ESCAPE '\\'" for f in _TEXT_FIELDS)
            where.append(f"({fields})")
            args.extend([_like(text)] * len(_TEXT_FIELDS))
        sql = f"SELECT {_COLUMNS} FROM {table}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if limit is not None:
            sql += " ORDER BY ts DESC, id DESC LIMIT ?"
            args.append(int(limit))
        else:
            sql += " ORDER BY ts, id"
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        if limit is not None:
            rows.reverse()
        return [_entry(row) for row in rows]

    def latest_in(self, states: Iterable[AlarmState]) -> list[JournalEntry]:
        """The latest entry of each alarm, where that entry is an alarm transition whose
        state is one of ``states``; by alarm id. ``latest_in([AlarmState.SHELVED])`` lists
        the shelves a stopped runtime left behind (memory only: a restart ends them)."""
        wanted = sorted({AlarmState(s).value for s in states})
        if not wanted:
            return []
        sql = (
            f"SELECT {_COLUMNS} FROM (SELECT *, ROW_NUMBER() OVER"
            " (PARTITION BY alarm_id ORDER BY ts DESC, id DESC) AS nth FROM journal)"
            f" WHERE nth = 1 AND kind = 'alarm' AND state IN ({', '.join('?' * len(wanted))})"
            " ORDER BY alarm_id"
        )
        with self._lock:
            rows = self._conn.execute(sql, wanted).fetchall()
        return [_entry(row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> AlarmJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
