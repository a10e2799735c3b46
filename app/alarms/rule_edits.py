"""Alarm-rule edits made from the console, kept in the data folder so a restart keeps them.

Layers, lowest first: the device template's rule, the station file's ``alarm_overrides:``
(both resolved by the loader into ``PointSpec.alarms``), then the console's edits. An edit
is a set of override keys laid over the point's current rule exactly like a station
override (``key: null`` removes a key), so successive edits of one point add up: they are
laid over the station's rule one after the other, with the station file's own merge
(``merge_override``). ``None`` as a whole removes the point's edits: the station's rule
applies again.

Storage: ``alarm_rules.sqlite`` beside the journal, append-only (one row per edit: the
changes, the user and the reason), opened like the audit trail (WAL, synchronous=FULL).
A row with NULL changes is a reset; the edits in force are a point's rows after its latest
reset, oldest first.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.alarms.rules import AlarmRule, merge_override, parse_rule
from app.config.errors import issues_from_validation
from app.durable_sqlite import open_durable

RULES_FILENAME = "alarm_rules.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rule_edits (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    point_id TEXT NOT NULL,
    changes TEXT,
    user TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rule_edits_point ON rule_edits (point_id, id);
"""


def rules_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / RULES_FILENAME


@dataclass(frozen=True)
class RuleEdit:
    """One stored edit: the keys it laid over the point's rule (None: back to the station's
    rule)."""

    ts: float
    point_id: str
    changes: dict[str, Any] | None
    user: str
    reason: str


def rule_dict(rule: AlarmRule | None) -> dict[str, Any] | None:
    """A rule as the plain mapping a template or an override would write (JSON types)."""
    return None if rule is None else rule.model_dump(mode="json", exclude_unset=True)


def resolve(
    point_id: str, kind: str, base: AlarmRule | None, edits: Sequence[Mapping[str, Any]]
) -> AlarmRule | None:
    """The station's rule ``base`` with the console ``edits`` laid over it in order.

    Raises ValueError naming the point, the field and the bad value; edits that remove
    every key leave no rule (None).
    """
    if not edits:
        return base
    merged = rule_dict(base)
    for changes in edits:
        if not isinstance(changes, Mapping) or not all(isinstance(k, str) for k in changes):
            raise ValueError(
                f"alarm rule of {point_id}: expected a mapping of keys, got {changes!r}"
            )
        merged = merge_override(merged, changes)
    if not merged:
        return None
    try:
        return parse_rule(kind, merged)
    except ValidationError as exc:
        issues = issues_from_validation(f"alarm rule of {point_id}", exc, data=merged)
        raise ValueError("; ".join(str(i) for i in issues)) from None
    except ValueError as exc:
        raise ValueError(f"alarm rule of {point_id}: {exc}") from None


class RuleEdits:
    """The append-only store of console edits (blocking: call it off the event loop)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = open_durable(self.path, _SCHEMA)

    def record(self, edit: RuleEdit) -> None:
        """Append one edit durably."""
        text = None if edit.changes is None else json.dumps(edit.changes)
        with self._lock:
            self._conn.execute(
                "INSERT INTO rule_edits (ts, point_id, changes, user, reason)"
                " VALUES (?, ?, ?, ?, ?)",
                (edit.ts, edit.point_id, text, edit.user, edit.reason),
            )

    def history(self, point_id: str | None = None) -> list[RuleEdit]:
        """Every edit, oldest first (optionally of one point)."""
        sql = "SELECT ts, point_id, changes, user, reason FROM rule_edits"
        args: list[Any] = []
        if point_id is not None:
            sql += " WHERE point_id = ?"
            args.append(point_id)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        return [_edit(row) for row in rows]

    def current(self) -> dict[str, list[dict[str, Any]]]:
        """The changes in force per point (those after its latest reset), oldest first."""
        out: dict[str, list[dict[str, Any]]] = {}
        for edit in self.history():
            if edit.changes is None:
                out.pop(edit.point_id, None)
            else:
                out.setdefault(edit.point_id, []).append(edit.changes)
        return dict(sorted(out.items()))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> RuleEdits:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _edit(row: tuple[Any, ...]) -> RuleEdit:
    ts, point_id, text, user, reason = row
    return RuleEdit(ts, point_id, None if text is None else json.loads(text), user, reason)
