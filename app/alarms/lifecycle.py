"""One alarm's ISA-18.2 state machine, driven by explicit timestamps.

The process condition (active or not) and three operator/design masks (shelved,
suppressed, out of service) are kept apart; the one state the alarm is in is derived from
them, so it is always exactly one. Masks win in the order out_of_service > suppressed >
shelved. While masked the condition is still evaluated and its activations counted; when
the last mask lifts the alarm is re-evaluated: unack if the condition is active, else normal.

Every method that changes the state returns the Transition (None when nothing changed).
"""

from __future__ import annotations

import math

from app.alarms.states import LISTED, AlarmState, Priority, Transition
from app.alarms.window import SlidingCount

MAX_SHELVE_S = 8 * 3600.0
"""Longest shelve by default: an operator may hide an alarm for a shift, not forever."""

_ANNUNCIATED = (AlarmState.NORMAL, AlarmState.UNACK, AlarmState.ACKED, AlarmState.RTN_UNACK)


class AlarmError(ValueError):
    """An operation that the alarm's state or the arguments do not allow."""


class Alarm:
    def __init__(
        self,
        alarm_id: str,
        priority: Priority,
        *,
        max_shelve_s: float = MAX_SHELVE_S,
        chatter_count: int = 3,
        chatter_window_s: float = 60.0,
    ) -> None:
        self.alarm_id = alarm_id
        self.priority = priority
        self.max_shelve_s = max_shelve_s
        self.condition = False
        self.activated_ts: float | None = None  # the latest rising edge of the condition
        self.activations = 0  # all rising edges, masked or not (for the KPI report)
        self.chattering = False
        self.shelved_until: float | None = None
        self.suppressed = False
        self.out_of_service = False
        self._annunciation = AlarmState.NORMAL  # meaningful only while unmasked
        self._chatter_count = chatter_count
        self._recent = SlidingCount(chatter_window_s)

    # -- the state -------------------------------------------------------------------

    @property
    def state(self) -> AlarmState:
        if self.out_of_service:
            return AlarmState.OUT_OF_SERVICE
        if self.suppressed:
            return AlarmState.SUPPRESSED
        if self.shelved_until is not None:
            return AlarmState.SHELVED
        return self._annunciation

    @property
    def listed(self) -> bool:
        """In the active alarm list: unack, acked or rtn_unack."""
        return self.state in LISTED

    # -- the process -----------------------------------------------------------------

    def evaluate(self, ts: float, active: bool) -> Transition | None:
        """The condition at ``ts``; also ends an expired shelve (re-evaluating the alarm)."""
        before = self.state
        rising = active and not self.condition
        if rising:
            self.activated_ts = ts
            self.activations += 1
            self._recent.add(ts)
        self.condition = active
        self.chattering = self._recent.count(ts) >= self._chatter_count
        comment = "condition active" if active else "condition cleared"
        if self.shelved_until is not None and ts >= self.shelved_until:
            self.shelved_until = None
            if self.state in _ANNUNCIATED:
                self._reannunciate()
                comment = "shelve expired"
        elif before in _ANNUNCIATED:
            self._annunciation = _follow(before, active, rising)
        return self._transition(ts, before, None, comment)

    # -- operator actions ------------------------------------------------------------

    def acknowledge(self, user: str, comment: str, ts: float) -> Transition | None:
        """unack -> acked, rtn_unack -> normal; anything else needs no acknowledgement."""
        if not user:
            raise AlarmError("acknowledging needs a user")
        before = self.state
        if before is AlarmState.UNACK:
            self._annunciation = AlarmState.ACKED
        elif before is AlarmState.RTN_UNACK:
            self._annunciation = AlarmState.NORMAL
        return self._transition(ts, before, user, comment)

    def shelve(self, user: str, reason: str, duration_s: float, ts: float) -> Transition | None:
        """Hide the alarm for a finite ``duration_s`` (0 < duration_s <= max_shelve_s)."""
        if not user:
            raise AlarmError("shelving needs a user")
        if not reason:
            raise AlarmError("shelving needs a reason")
        if not (math.isfinite(duration_s) and 0 < duration_s <= self.max_shelve_s):
            raise AlarmError(
                f"duration_s={duration_s!r}: a shelve must last more than 0 s and at most "
                f"{self.max_shelve_s:g} s"
            )
        before = self.state
        if before not in _ANNUNCIATED:
            raise AlarmError(f"{self.alarm_id} is {before}; only an alarm in service is shelved")
        self.shelved_until = ts + duration_s
        return self._transition(ts, before, user, reason)

    def unshelve(self, user: str, comment: str, ts: float) -> Transition | None:
        if self.shelved_until is None:
            return None
        before = self.state
        self.shelved_until = None
        return self._unmasked(ts, before, user, comment)

    def suppress(self, ts: float, comment: str, user: str | None = None) -> Transition | None:
        """Suppression by design (e.g. the device's link is down): usually no user."""
        before = self.state
        self.suppressed = True
        return self._transition(ts, before, user, comment)

    def unsuppress(self, ts: float, comment: str, user: str | None = None) -> Transition | None:
        before = self.state
        self.suppressed = False
        return self._unmasked(ts, before, user, comment)

    def remove_from_service(self, user: str, comment: str, ts: float) -> Transition | None:
        before = self.state
        self.out_of_service = True
        return self._transition(ts, before, user, comment)

    def return_to_service(self, user: str, comment: str, ts: float) -> Transition | None:
        before = self.state
        self.out_of_service = False
        return self._unmasked(ts, before, user, comment)

    # -- internals -------------------------------------------------------------------

    def _unmasked(
        self, ts: float, before: AlarmState, user: str | None, comment: str
    ) -> Transition | None:
        # A lifted mask shows the condition as it is now, not as it was when masked.
        if before not in _ANNUNCIATED and self.state in _ANNUNCIATED:
            self._reannunciate()
        return self._transition(ts, before, user, comment)

    def _reannunciate(self) -> None:
        self._annunciation = AlarmState.UNACK if self.condition else AlarmState.NORMAL

    def _transition(
        self, ts: float, before: AlarmState, user: str | None, comment: str
    ) -> Transition | None:
        after = self.state
        if after is before:
            return None
        return Transition(ts, self.alarm_id, before, after, user, comment)


def _follow(state: AlarmState, active: bool, rising: bool) -> AlarmState:
    """The unmasked life cycle on one evaluation of the condition."""
    if rising:
        return AlarmState.UNACK  # from normal or rtn_unack: a new alarm, a new time
    if active:
        return state
    if state is AlarmState.UNACK:
        return AlarmState.RTN_UNACK
    if state is AlarmState.ACKED:
        return AlarmState.NORMAL
    return state  # normal stays normal; rtn_unack waits for its acknowledgement
