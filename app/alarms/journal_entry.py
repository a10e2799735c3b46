"""The record the alarm journal stores: one alarm transition or one event, with its context.

Alarms (rules in templates and stations) change state through the life cycle
(app/alarms/lifecycle.py); events (mode changes, commands, logins, configuration changes)
need no acknowledgement and are journaled with ``kind="event"`` and no state change.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.alarms.states import AlarmState, Priority, Transition


@dataclass(frozen=True, slots=True)
class JournalEntry:
    ts: float  # UTC epoch seconds (the station's clock)
    alarm_id: str  # e.g. "bms1.cell_t_max.HH", "link.pcs1", "event.mode"
    source: str  # the device id, or "system" / "control" for the console's own
    priority: Priority
    state: AlarmState  # the state after the transition (NORMAL for an event)
    message: str  # what the operator reads, e.g. "Max cell temperature high-high: 56.2 °C"
    kind: str = "alarm"  # "alarm" | "event"
    previous: AlarmState | None = None
    point_id: str | None = None
    user: str | None = None  # who acknowledged/shelved, None when the process did it
    comment: str = ""
    message_zh: str = ""  # the Chinese text; empty: the same as ``message``

    def text(self, lang: str) -> str:
        """The message in the console's language (``zh...``: Chinese when there is one)."""
        return self.message_zh if lang.startswith("zh") and self.message_zh else self.message

    @classmethod
    def of(
        cls,
        t: Transition,
        source: str,
        priority: Priority,
        message: str,
        point_id: str | None = None,
        message_zh: str = "",
    ) -> JournalEntry:
        return cls(
            t.ts,
            t.alarm_id,
            source,
            priority,
            t.to_state,
            message,
            "alarm",
            t.from_state,
            point_id,
            t.user,
            t.comment,
            message_zh,
        )
