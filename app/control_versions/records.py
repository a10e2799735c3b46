"""The audit records of control versions, the same whoever makes the change (runtime or CLI).

* ``rollback``: a version copying an older one was stored (by the operator, runtime or CLI);
* ``control_config``: the running control loop changed version (result: ok, what waits for
  a restart, or refused and why).
"""

from __future__ import annotations

from app.audit import AuditEntry
from app.control_versions.store import ControlVersion

TARGET = "control"


def label(version: ControlVersion | None) -> str | None:
    return None if version is None else version.label


def rollback_reason(reason: str, target: int) -> str:
    return f"{reason} (rollback to v{target})"


def rollback_entry(
    ts: float, previous: ControlVersion | None, new: ControlVersion, result: str = "stored"
) -> AuditEntry:
    return AuditEntry(
        ts, new.actor, "rollback", TARGET, label(previous), new.label, new.reason, result
    )


def applied_entry(
    ts: float,
    actor: str,
    previous: ControlVersion | None,
    new: ControlVersion,
    reason: str,
    result: str,
) -> AuditEntry:
    return AuditEntry(
        ts, actor, "control_config", TARGET, label(previous), new.label, reason, result
    )
