"""One audit record."""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = ("time", "actor", "action", "target", "old", "new", "reason", "result")


@dataclass(frozen=True)
class AuditEntry:
    ts: float  # UTC epoch seconds
    actor: str  # a user name, or "strategy:<name>@<version>", or "system"
    action: str  # write, mode, setpoint, config, rollback, ...
    target: str  # a point id, a strategy name, the station
    old: str | None
    new: str | None
    reason: str
    result: str  # ok, failed: <why>, mismatch: <read back>, timeout, ...
