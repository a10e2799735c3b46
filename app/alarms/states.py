"""The alarm vocabulary: states, priorities, and the transition record a journal stores."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AlarmState(StrEnum):
    """ISA-18.2 states; an alarm is in exactly one of them at any time."""

    NORMAL = "normal"
    UNACK = "unack"  # active, unacknowledged
    ACKED = "acked"  # active, acknowledged
    RTN_UNACK = "rtn_unack"  # returned to normal, unacknowledged
    SHELVED = "shelved"  # hidden by an operator for a finite time
    SUPPRESSED = "suppressed"  # hidden by design (e.g. the device's link is down)
    OUT_OF_SERVICE = "out_of_service"  # taken out by maintenance


LISTED = frozenset({AlarmState.UNACK, AlarmState.ACKED, AlarmState.RTN_UNACK})
"""States shown in the active alarm list (shelved alarms have their own list)."""


class Priority(StrEnum):
    """Alarm priority; ``rank`` sorts the list (0 = most urgent)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of state. ``user`` is None when the process (not a person) caused it."""

    ts: float
    alarm_id: str
    from_state: AlarmState
    to_state: AlarmState
    user: str | None = None
    comment: str = ""
