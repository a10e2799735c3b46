"""The station's alarm engine: the rules of the loaded Station, run on point batches.

Pure and clock-free: every call takes the time (or carries it in the values), nothing
blocks, nothing is written. Each call returns the JournalEntry list the caller journals.

- ``on_points(batch)``: evaluates the rules of the points in the batch, at each value's ts.
- ``on_link(state)``: one alarm ``link.<device>`` (priority high) per device. While a link
  is down, the device's point and quality alarms are suppressed (still evaluated and
  counted), so a stopped simulator raises one alarm per device, not one per point.
- ``stale(ts)``: ``quality.<device>`` is active while any point of the device has been bad
  (or uncertain:stale) for at least ``stale_s`` while its link was up.
- ``tick(ts)``: once a cycle: ends expired shelves, completes delays without a new value,
  runs ``stale`` and lets a flood end.
- ``define`` / ``set_condition``: alarms whose condition the caller decides (command
  deviation, system and protection alarms, app/alarms/sources.py), same life cycle.
- ``shelve`` / ``unshelve`` (an operator, for a finite time) and ``remove_from_service`` /
  ``return_to_service`` (maintenance, until returned): operator masks. Taking a shelved
  alarm out of service ends its shelve; a returned alarm shows its condition as it is now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from app.alarms.flood import FloodDetector
from app.alarms.journal_entry import JournalEntry
from app.alarms.lifecycle import MAX_SHELVE_S, Alarm, AlarmError
from app.alarms.rules import AlarmRule
from app.alarms.rules_points import PointAlarms, Slot, bind
from app.alarms.states import AlarmState, Priority, Transition
from app.drivers_api import LinkState
from app.model import PointSpec, Station
from app.points import PointValue, Quality

STALE_S = 60.0
"""A point bad this long raises its device's quality alarm (one per device, not per point)."""


@dataclass(frozen=True, slots=True)
class AlarmView:
    """One alarm as a list shows it."""

    alarm_id: str
    source: str
    point_id: str | None
    priority: Priority
    state: AlarmState
    activated_ts: float | None
    chattering: bool
    message: str
    shelved_until: float | None = None  # when a running shelve ends by itself
    message_zh: str = ""  # the Chinese text; empty: the same as ``message``

    def text(self, lang: str) -> str:
        """The message in the console's language (``zh...``: Chinese when there is one)."""
        return self.message_zh if lang.startswith("zh") and self.message_zh else self.message


class AlarmEngine:
    def __init__(
        self,
        station: Station,
        *,
        stale_s: float = STALE_S,
        flood: FloodDetector | None = None,
        max_shelve_s: float = MAX_SHELVE_S,
    ) -> None:
        self.stale_s = stale_s
        self._max_shelve_s = max_shelve_s
        self.flood = flood if flood is not None else FloodDetector()
        self._points: dict[str, PointAlarms] = {}
        self._slots: dict[str, Slot] = {}  # every alarm by id
        self._device_slots: dict[str, list[Slot]] = {}  # what a link loss suppresses
        self._device_of: dict[str, str] = {}  # point id -> device id
        self._link: dict[str, Slot] = {}
        self._quality: dict[str, Slot] = {}
        self._last: dict[str, PointValue] = {}  # the last value of points with a rule
        self._pending: set[str] = set()  # points with a delay running
        self._shelved: set[str] = set()
        self._bad_since: dict[str, dict[str, float]] = {}  # device -> point -> since
        self._down: set[str] = set()  # devices whose link is down
        self._last_activation = float("-inf")
        # alarm id -> (message, message_zh) of its last annunciation: what the lists show
        self._activation_text: dict[str, tuple[str, str]] = {}
        self._specs: dict[str, PointSpec] = dict(station.points)  # rules as edited (replace_rule)
        self._names_zh = {d.id: d.name.text("zh") for d in station.devices.values()}

        devices = set(station.devices)
        for spec in station.points.values():
            if spec.device_id is not None:
                devices.add(spec.device_id)
                self._device_of[spec.id] = spec.device_id
            bound = bind(spec, max_shelve_s)
            if bound is None:
                continue
            self._points[spec.id] = bound
            for slot in bound.slots:
                self._add(slot)
                if spec.device_id is not None:
                    self._device_slots.setdefault(spec.device_id, []).append(slot)
        for dev in sorted(devices):
            zh = self._names_zh.get(dev, dev)
            link = Slot(
                self._new(f"link.{dev}", Priority.HIGH),
                dev,
                f"Communication lost: {dev}",
                text_zh=f"通信中断：{zh}",
            )
            quality = Slot(
                self._new(f"quality.{dev}", Priority.LOW),
                dev,
                f"Points of {dev} bad (stale)",
                text_zh=f"{zh} 数据点质量坏（陈旧）",
            )
            self._link[dev] = link
            self._quality[dev] = quality
            self._add(link)
            self._add(quality)
            self._device_slots.setdefault(dev, []).append(quality)

    def _new(self, alarm_id: str, priority: Priority) -> Alarm:
        return Alarm(alarm_id, priority, max_shelve_s=self._max_shelve_s)

    def _add(self, slot: Slot) -> None:
        if slot.alarm.alarm_id in self._slots:
            raise ValueError(f"duplicate alarm id {slot.alarm.alarm_id!r}")
        self._slots[slot.alarm.alarm_id] = slot

    # -- the process -----------------------------------------------------------------

    def on_points(self, batch: Mapping[str, PointValue]) -> list[JournalEntry]:
        out: list[JournalEntry] = []
        points, device_of = self._points, self._device_of
        for pid, pv in batch.items():
            # fast path: a good value of a device with no bad point has nothing to track
            if pv.quality is not Quality.GOOD or self._bad_since:
                dev = device_of.get(pid)
                if dev is not None and dev not in self._down:
                    self._track_quality(dev, pid, pv)
            bound = points.get(pid)
            if bound is None:
                continue
            self._last[pid] = pv
            out += bound.update(pv.ts, pv.value, pv.quality)
            if bound.pending:
                self._pending.add(pid)
            else:
                self._pending.discard(pid)
        return self._flood(out)

    def on_link(self, state: LinkState) -> list[JournalEntry]:
        link = self._link.get(state.device_id)
        if link is None:
            return []
        detail = f" ({state.detail})" if state.detail and not state.up else ""
        link.text = f"Communication lost: {state.device_id}{detail}"
        link.text_zh = f"通信中断：{self._names_zh.get(state.device_id, state.device_id)}{detail}"
        out = self._entries(link, link.alarm.evaluate(state.ts, not state.up))
        # Points that go bad because the link is down are the link alarm's: they do not
        # count towards the quality alarm, during the outage or after it.
        self._bad_since.pop(state.device_id, None)
        if state.up:
            self._down.discard(state.device_id)
        else:
            self._down.add(state.device_id)
        for slot in self._device_slots.get(state.device_id, ()):
            if state.up:
                t = slot.alarm.unsuppress(state.ts, "link up")
            else:
                t = slot.alarm.suppress(state.ts, "link down")
            # normal <-> suppressed is by design and silent; only a listed alarm that
            # leaves (or comes back to) the list is journaled.
            if t is not None and AlarmState.NORMAL not in (t.from_state, t.to_state):
                out.append(slot.entry(t))
        return self._flood(out)

    def stale(self, ts: float) -> list[JournalEntry]:
        out: list[JournalEntry] = []
        for dev, slot in self._quality.items():
            since = self._bad_since.get(dev)
            bad = [pid for pid, t0 in since.items() if ts - t0 >= self.stale_s] if since else []
            if bad:
                slot.text = (
                    f"{len(bad)} point(s) of {dev} bad for more than {self.stale_s:g} s"
                    f" (first: {min(bad)})"
                )
                slot.text_zh = (
                    f"{self._names_zh.get(dev, dev)} 有 {len(bad)} 个数据点质量坏超过"
                    f" {self.stale_s:g} s（首个：{min(bad)}）"
                )
            out += self._entries(slot, slot.alarm.evaluate(ts, bool(bad)))
        return self._flood(out)

    def tick(self, ts: float) -> list[JournalEntry]:
        out: list[JournalEntry] = []
        for alarm_id in sorted(self._shelved):
            slot = self._slots[alarm_id]
            until = slot.alarm.shelved_until
            if until is None or ts >= until:
                self._shelved.discard(alarm_id)
                # evaluate() ends the shelve and re-evaluates against the current condition
                out += self._entries(slot, slot.alarm.evaluate(ts, slot.alarm.condition))
        for pid in sorted(self._pending):
            pv = self._last[pid]
            bound = self._points[pid]
            out += bound.update(ts, pv.value, pv.quality)
            if not bound.pending:
                self._pending.discard(pid)
        out = self._flood(out)
        out += self.stale(ts)
        self.flood.update(ts)
        return out

    # -- rule edits ------------------------------------------------------------------

    def rule(self, point_id: str) -> AlarmRule | None:
        """The rule running for ``point_id`` (None: none); AlarmError for an unknown point."""
        spec = self._specs.get(point_id)
        if spec is None:
            raise AlarmError(f"unknown point {point_id!r}")
        return spec.alarms

    def replace_rule(
        self,
        point_id: str,
        rule: AlarmRule | None,
        ts: float,
        user: str | None = None,
        comment: str = "",
    ) -> list[JournalEntry]:
        """Run ``rule`` (None: no rule) for ``point_id`` from ``ts`` on.

        The point's old alarms end: one that is listed, shelved or out of service returns
        to normal through the journal with ``user`` and ``comment`` (a suppressed one ends
        silently, as suppression by design does). The new alarms
        (ids ``<point>.<LEVEL>`` as before) are evaluated against the point's last value,
        masked like the rest of the device while its link is down.
        """
        spec = self._specs.get(point_id)
        if spec is None:
            raise AlarmError(f"unknown point {point_id!r}")
        out: list[JournalEntry] = []
        device_slots = self._device_slots.get(spec.device_id or "", [])
        old = self._points.pop(point_id, None)
        for slot in old.slots if old is not None else ():
            alarm_id = slot.alarm.alarm_id
            before = slot.alarm.state
            del self._slots[alarm_id]
            self._shelved.discard(alarm_id)
            self._activation_text.pop(alarm_id, None)  # the new rule's alarm has its own
            if slot in device_slots:
                device_slots.remove(slot)
            if before not in (AlarmState.NORMAL, AlarmState.SUPPRESSED):  # as on_link: silent
                ended = Transition(ts, alarm_id, before, AlarmState.NORMAL, user, comment)
                out.append(slot.entry(ended))
        self._pending.discard(point_id)
        spec = replace(spec, alarms=rule)
        self._specs[point_id] = spec
        bound = bind(spec, self._max_shelve_s)
        last = self._last.pop(point_id, None)
        if bound is not None:
            self._points[point_id] = bound
            for slot in bound.slots:
                self._add(slot)
                if spec.device_id is not None:
                    self._device_slots.setdefault(spec.device_id, []).append(slot)
                    if spec.device_id in self._down:
                        slot.alarm.suppress(ts, "link down")  # by design, silent as in on_link
            if last is not None:
                self._last[point_id] = last
                out += bound.update(ts, last.value, last.quality)
                if bound.pending:
                    self._pending.add(point_id)
        return self._flood(out)

    # -- conditions from outside the point table ----------------------------------------

    def define(
        self,
        alarm_id: str,
        source: str,
        priority: Priority,
        message: str,
        point_id: str | None = None,
        message_zh: str = "",
    ) -> None:
        """An alarm whose condition the caller decides (command deviation, system and
        protection alarms), driven by ``set_condition``. It lists, acknowledges, shelves,
        counts towards floods and journals like every other alarm. When ``source`` is a
        device of the station, the device's link loss suppresses it like its point alarms.
        ValueError for an id already in use. ``message_zh``: the Chinese text (empty: the
        English)."""
        slot = Slot(self._new(alarm_id, priority), source, message, point_id, text_zh=message_zh)
        self._add(slot)
        if source in self._link:
            self._device_slots.setdefault(source, []).append(slot)
            if source in self._down:
                slot.alarm.suppress(float("-inf"), "link down")  # by design, silent

    def set_condition(
        self,
        alarm_id: str,
        active: bool,
        ts: float,
        message: str | None = None,
        message_zh: str = "",
    ) -> list[JournalEntry]:
        """The condition of a ``define``d alarm at ``ts``; ``message`` (and ``message_zh``,
        its Chinese, empty: the English) replaces its text (shown from this transition on).
        AlarmError for an unknown id."""
        slot = self._slot(alarm_id)
        if message is not None:
            slot.text = message
            slot.text_zh = message_zh
        return self._flood(self._entries(slot, slot.alarm.evaluate(ts, active)))

    # -- operator actions ------------------------------------------------------------

    def acknowledge(self, alarm_id: str, user: str, comment: str, ts: float) -> list[JournalEntry]:
        slot = self._slot(alarm_id)
        return self._entries(slot, slot.alarm.acknowledge(user, comment, ts))

    def acknowledge_all(
        self, alarm_ids: Iterable[str], user: str, comment: str, ts: float
    ) -> list[JournalEntry]:
        out: list[JournalEntry] = []
        for alarm_id in alarm_ids:
            out += self.acknowledge(alarm_id, user, comment, ts)
        return out

    def shelve(
        self, alarm_id: str, user: str, reason: str, duration_s: float, ts: float
    ) -> list[JournalEntry]:
        slot = self._slot(alarm_id)
        out = self._entries(slot, slot.alarm.shelve(user, reason, duration_s, ts))
        self._shelved.add(alarm_id)
        return out

    def unshelve(self, alarm_id: str, user: str, comment: str, ts: float) -> list[JournalEntry]:
        slot = self._slot(alarm_id)
        self._shelved.discard(alarm_id)
        return self._flood(self._entries(slot, slot.alarm.unshelve(user, comment, ts)))

    def remove_from_service(
        self, alarm_id: str, user: str, comment: str, ts: float
    ) -> list[JournalEntry]:
        """Take an alarm out of service (maintenance: a faulty sensor, say) until
        ``return_to_service``; ``comment`` is the reason. The alarm leaves every list but is
        still evaluated and its activations counted. A running shelve ends here (one
        transition ``shelved -> out_of_service``): the longer, deliberate mask replaces it,
        so a returned alarm never comes back shelved. A suppressed alarm stays suppressed
        underneath (by design, e.g. its device's link is down).

        AlarmError for an unknown id, a missing user or reason, or an alarm already out of
        service."""
        slot = self._slot(alarm_id)
        _need(user, comment, "taking an alarm out of service")
        alarm = slot.alarm
        if alarm.out_of_service:
            raise AlarmError(f"{alarm_id} is already out of service")
        t = alarm.remove_from_service(user, comment, ts)  # from the state as it is (shelved)
        alarm.shelved_until = None  # then the shelve ends, silently: the alarm stays masked
        self._shelved.discard(alarm_id)
        return self._entries(slot, t)

    def return_to_service(
        self, alarm_id: str, user: str, comment: str, ts: float
    ) -> list[JournalEntry]:
        """Return an out-of-service alarm: it shows its condition as it is now (unack if
        active, else normal; suppressed while its device's link is down). AlarmError for an
        unknown id, a missing user or comment, or an alarm that is not out of service."""
        slot = self._slot(alarm_id)
        _need(user, comment, "returning an alarm to service")
        alarm = slot.alarm
        if not alarm.out_of_service:
            raise AlarmError(f"{alarm_id} is not out of service (it is {alarm.state})")
        return self._flood(self._entries(slot, alarm.return_to_service(user, comment, ts)))

    def keep_out_of_service(self, alarm_id: str, comment: str, ts: float) -> list[JournalEntry]:
        """At start (AlarmService._restore), before any value: put the alarm out of service
        again because the journal says it was. No user: the restart does it; ``comment``
        names who took it out and why. Returns the one record, ``out_of_service ->
        out_of_service`` with the message ``<id> kept out of service across restart``.
        AlarmError for an id the station no longer has."""
        slot = self._slot(alarm_id)
        alarm = slot.alarm
        alarm.remove_from_service("", comment, ts)  # the life cycle's step; recorded below
        alarm.shelved_until = None
        self._shelved.discard(alarm_id)
        kept = Transition(
            ts, alarm_id, AlarmState.OUT_OF_SERVICE, AlarmState.OUT_OF_SERVICE, None, comment
        )
        return [
            replace(
                slot.entry(kept),
                message=f"{alarm_id} kept out of service across restart",
                message_zh=f"{alarm_id} 重启后保持停用",
            )
        ]

    # -- views -----------------------------------------------------------------------

    def alarm(self, alarm_id: str) -> Alarm:
        return self._slot(alarm_id).alarm

    @property
    def alarm_ids(self) -> list[str]:
        return list(self._slots)

    def active(self) -> list[AlarmView]:
        """The active list (unack, acked, rtn_unack): by priority, then the newest first."""
        return self._views(s for s in self._slots.values() if s.alarm.listed)

    def shelved(self) -> list[AlarmView]:
        return self._views(s for s in self._slots.values() if s.alarm.state is AlarmState.SHELVED)

    def out_of_service(self) -> list[AlarmView]:
        """Alarms taken out of service (whatever lies under the mask), sorted as ``active``."""
        return self._views(s for s in self._slots.values() if s.alarm.out_of_service)

    def _views(self, slots: Iterable[Slot]) -> list[AlarmView]:
        views = []
        for s in slots:
            message, message_zh = self._shown_text(s)
            views.append(
                AlarmView(
                    s.alarm.alarm_id,
                    s.source,
                    s.point_id,
                    s.alarm.priority,
                    s.alarm.state,
                    s.alarm.activated_ts,
                    s.alarm.chattering,
                    message,
                    s.alarm.shelved_until,
                    message_zh,
                )
            )
        views.sort(key=lambda v: (v.priority.rank, -(v.activated_ts or 0.0), v.alarm_id))
        return views

    # -- internals -------------------------------------------------------------------

    def _slot(self, alarm_id: str) -> Slot:
        try:
            return self._slots[alarm_id]
        except KeyError:
            raise AlarmError(f"unknown alarm {alarm_id!r}") from None

    def _shown_text(self, slot: Slot) -> tuple[str, str]:
        """A listed alarm's text as journaled at its last annunciation (value included);
        the live text for the masked lists, or when this run has not annunciated it."""
        if slot.alarm.listed:
            shown = self._activation_text.get(slot.alarm.alarm_id)
            if shown is not None:
                return shown
        return slot.message, slot.message_zh

    def _entries(self, slot: Slot, t: Transition | None) -> list[JournalEntry]:
        return [] if t is None else [slot.entry(t)]

    def _track_quality(self, dev: str, pid: str, pv: PointValue) -> None:
        bad = pv.quality.is_bad or pv.quality is Quality.UNCERTAIN_STALE
        since = self._bad_since.get(dev)
        if bad:
            if since is None:
                self._bad_since[dev] = {pid: pv.ts}
            else:
                since.setdefault(pid, pv.ts)
        elif since is not None and pid in since:
            del since[pid]
            if not since:
                del self._bad_since[dev]

    def _flood(self, entries: list[JournalEntry]) -> list[JournalEntry]:
        # Every annunciated activation counts, in time order (values in a batch may carry
        # slightly different timestamps, so a later one never goes backwards). Every path
        # that can annunciate passes here, so this is also where the list's text is kept.
        for e in entries:
            if e.state is AlarmState.UNACK and e.previous is not AlarmState.UNACK:
                self._last_activation = max(self._last_activation, e.ts)
                self.flood.record(self._last_activation)
                self._activation_text[e.alarm_id] = (e.message, e.message_zh)
        return entries


def _need(user: str, reason: str, action: str) -> None:
    if not user or not user.strip():
        raise AlarmError(f"{action} needs a user")
    if not reason or not reason.strip():
        raise AlarmError(f"{action} needs a reason")
