"""The control versions in their own SQLite file, committed with synchronous=FULL.

Versions are few and must survive a power cut, like the audit trail: each one is its own
durable transaction. Rows are only ever appended; a rollback is a new row copying an old
one, so the history of what ran is never rewritten. The CLI and a running station may both
append: SQLite numbers the rows (INTEGER PRIMARY KEY) inside its write lock.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.control_versions.canonical import canonical_json, sha256_of, to_yaml
from app.durable_sqlite import open_durable

VERSIONS_FILENAME = "control_versions.sqlite"
SOURCES = ("file", "operator", "rollback")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS control_version (
    version INTEGER PRIMARY KEY,
    created REAL NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL
);
"""
_COLUMNS = "version, created, actor, reason, source, content, sha256"


def versions_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / VERSIONS_FILENAME


@dataclass(frozen=True)
class ControlVersion:
    version: int
    created: float  # UTC epoch seconds
    actor: str  # a user name, or "station-file"
    reason: str
    source: str  # file | operator | rollback
    content: str  # the control section as canonical JSON
    sha256: str

    @property
    def section(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.content)
        return data

    @property
    def label(self) -> str:
        return f"v{self.version}"

    def yaml(self) -> str:
        return to_yaml(self.section)


class VersionStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # the CLI and a running station may both write: wait longer for the other's lock
        self._conn = open_durable(self.path, _SCHEMA, timeout_s=10)

    def add(
        self, section: dict[str, Any], actor: str, reason: str, source: str, created: float
    ) -> ControlVersion:
        """Append a version durably and return it with its number (blocks: run off the loop)."""
        if source not in SOURCES:
            raise ValueError(f"source {source!r}: expected one of {', '.join(SOURCES)}")
        content = canonical_json(section)
        sha = sha256_of(content)
        with self._lock:
            cur = self._conn.execute(
                f"INSERT INTO control_version ({_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?)",
                (created, actor, reason, source, content, sha),
            )
            number = cur.lastrowid
        assert number is not None
        return ControlVersion(number, created, actor, reason, source, content, sha)

    def get(self, version: int) -> ControlVersion | None:
        return self._one("WHERE version = ?", (version,))

    def latest(self) -> ControlVersion | None:
        return self._one("ORDER BY version DESC LIMIT 1", ())

    def latest_from(self, source: str) -> ControlVersion | None:
        return self._one("WHERE source = ? ORDER BY version DESC LIMIT 1", (source,))

    def all(self) -> list[ControlVersion]:
        """Every version, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM control_version ORDER BY version"
            ).fetchall()
        return [ControlVersion(*row) for row in rows]

    def _one(self, clause: str, args: tuple[Any, ...]) -> ControlVersion | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM control_version {clause}", args
            ).fetchone()
        return None if row is None else ControlVersion(*row)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
