"""The alarm engine and journal wired into the running station (docs/alarms.md, Runtime).

    bus(POINTS, LINK) --> AlarmEngine (on the loop) --> bus(ALARMS) + journal (worker thread)
    bus(COMMAND, CONTROL_VERSION), runtime facade --> events and operator transitions, same way

The engine is pure and fast (10,000 points in ~35 ms), so it runs on the event loop where the
bus delivers. The journal's fsync blocks, so every batch goes to one worker thread: a single
thread keeps batches in order, and the loop never waits for the disk. A storm is one batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.alarms.engine import AlarmEngine, AlarmView
from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.journal_entry import JournalEntry
from app.alarms.kpi import AlarmKpis, compute_kpis
from app.alarms.lifecycle import AlarmError
from app.alarms.rule_edits import RuleEdit, RuleEdits, resolve, rule_dict, rules_path
from app.alarms.sources import DeviationAlarms, ProtectionAlarms, SystemAlarms, SystemLimits
from app.alarms.states import AlarmState, Priority
from app.control.snapshot import SiteRoles
from app.control_loop import CYCLE, CycleStats
from app.control_versions.manager import CONTROL_VERSION, AppliedVersion
from app.dispatcher import COMMAND, CommandResult
from app.drivers_api import LinkState
from app.events import ALARMS, LINK, POINTS, EventBus
from app.model import Station
from app.points import PointValue

log = logging.getLogger(__name__)


class AlarmServiceStopped(RuntimeError):
    """An operator action on alarms before start() or after stop()."""


class AlarmService:
    tick_s = 1.0  # delays, shelve expiry, stale points and floods advance once a second

    def __init__(
        self,
        station: Station,
        data_dir: Path,
        bus: EventBus,
        clock: Callable[[], float],
        *,
        stats: Callable[[], Mapping[str, float]] | None = None,
        system_limits: SystemLimits | None = None,
    ) -> None:
        """``stats``: the runtime's figures (Runtime.stats), sampled each tick for the
        system alarms; ``system_limits``: their thresholds (app/alarms/sources.py)."""
        self.station = station
        self.engine = AlarmEngine(station)
        # alarms that no point rule raises (app/alarms/sources.py, docs/alarms.md)
        self.deviation = DeviationAlarms(self.engine, station)
        self.system = SystemAlarms(self.engine, system_limits)
        self.protection = ProtectionAlarms(self.engine, SiteRoles.from_station(station))
        self._stats = stats
        self._path = journal_path(data_dir)
        self._bus = bus
        self._clock = clock
        self._journal: AlarmJournal | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="alarm-journal")
        self._unsubscribe: list[Callable[[], None]] = []
        self._ticker: asyncio.Task[None] | None = None
        self._failing: set[str] = set()  # points whose last command failed
        self._rules: RuleEdits | None = None  # the console's rule edits (alarm_rules.sqlite)
        self._edits: dict[str, list[dict[str, Any]]] = {}  # point -> console edits in force
        self._rule_lock = asyncio.Lock()  # one rule edit at a time (each awaits its write)

    @property
    def journal_path(self) -> Path:
        return self._path

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # opening the file is I/O: on the journal's own thread, which then owns all writes
        self._journal = await loop.run_in_executor(self._executor, AlarmJournal, self._path)
        await self._restore()
        handlers: dict[str, Callable[[Any], None]] = {
            POINTS: self._on_points,
            LINK: self._on_link,
            COMMAND: self._on_command,
            CONTROL_VERSION: self._on_version,
            CYCLE: self._on_cycle,
        }
        self._unsubscribe = [self._bus.subscribe(t, h) for t, h in handlers.items()]
        self._ticker = asyncio.create_task(self._tick_loop(), name="alarm-tick")

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._journal is not None:
            # queued behind every pending batch: nothing submitted is lost
            await asyncio.get_running_loop().run_in_executor(self._executor, self._journal.close)
            self._journal = None
        if self._rules is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._rules.close)
            self._rules = None
        self._executor.shutdown(wait=True)

    async def flush(self) -> None:
        """Wait until every batch submitted so far is committed (tests, shutdown)."""
        await asyncio.wrap_future(self._executor.submit(lambda: None))

    async def _restore(self) -> None:
        """Before the first value: lay the console's rule edits over the station's rules;
        end, through the journal, the shelves the last run left (shelves live in memory; a
        restart starts without any, so each alarm is evaluated again); and keep out of
        service the alarms the journal says are (a deliberate maintenance state that holds
        until someone returns the alarm: docs/decisions.md)."""
        journal = self._journal
        assert journal is not None
        loop = asyncio.get_running_loop()
        self._rules = rules = await loop.run_in_executor(
            self._executor, RuleEdits, rules_path(self._path.parent)
        )
        edits = await loop.run_in_executor(self._executor, rules.current)
        now = self._clock()
        for point_id, changes in edits.items():
            spec = self.station.points.get(point_id)
            try:
                if spec is None:
                    raise ValueError(f"alarm rule of {point_id}: the station has no such point")
                rule = resolve(point_id, spec.kind, spec.alarms, changes)
            except ValueError as exc:  # the station file changed under the edit
                log.warning("alarm-rule edit not applied: %s", exc)
                self.event(
                    "event.alarm_rule", "system", f"Alarm-rule edit not applied: {exc}",
                    Priority.MEDIUM, now, point_id, message_zh=f"报警规则修改未应用：{exc}",
                )  # fmt: skip
                continue
            self._edits[point_id] = changes
            self.engine.replace_rule(point_id, rule, now)  # no values yet: nothing to journal
        masked = await loop.run_in_executor(
            self._executor, journal.latest_in, [AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE]
        )
        self.submit(
            _shelve_ended_by_restart(e, now) for e in masked if e.state is AlarmState.SHELVED
        )
        self.submit(
            self._keep_out_of_service(e, now)
            for e in masked
            if e.state is AlarmState.OUT_OF_SERVICE
        )

    def _keep_out_of_service(self, latest: JournalEntry, ts: float) -> JournalEntry:
        """The alarm out of service again (its record, no user, the comment naming who took
        it out and why); or, for an alarm the station no longer has, an event under the
        alarm's own id saying so, which is then its latest entry (not reported again)."""
        taken = _taken_out(latest)
        try:
            (entry,) = self.engine.keep_out_of_service(latest.alarm_id, taken, ts)
        except AlarmError:
            message = (
                f"{latest.alarm_id} was out of service but the station no longer has this"
                " alarm; nothing to keep out of service"
            )
            log.warning("%s (%s)", message, taken)
            zh = f"{latest.alarm_id} 曾停用，但站点已无此报警；无需保持停用"
            return JournalEntry(
                ts, latest.alarm_id, latest.source, Priority.MEDIUM, AlarmState.NORMAL,
                message, "event", None, latest.point_id, None, taken, zh,
            )  # fmt: skip
        return entry

    # -- the process (bus handlers, on the loop) ----------------------------------------

    def _on_points(self, batch: Mapping[str, PointValue]) -> None:
        self.submit(self.engine.on_points(batch))

    def _on_link(self, state: LinkState) -> None:
        self.submit(self.engine.on_link(state))

    def _on_command(self, result: CommandResult) -> None:
        # a mismatch or no read-back raises deviation.<point>; the next ok clears it
        self.submit(self.deviation.update(result, self._clock()))
        # the audit trail has every write; the journal keeps the first failure of a run of
        # them (a heartbeat to a silent device fails every cycle until its link alarm)
        if result.ok:
            self._failing.discard(result.point_id)
            return
        if result.point_id in self._failing:
            return
        self._failing.add(result.point_id)
        spec = self.station.points.get(result.point_id)
        source = spec.device_id if spec is not None and spec.device_id else "control"
        message = f"Command {result.point_id} = {result.value:g} {result.result}"
        zh = f"指令 {result.point_id} = {result.value:g} 失败：{result.result}"
        self.event(
            "event.command", source, message, Priority.HIGH, result.ts, result.point_id,
            message_zh=zh,
        )  # fmt: skip

    def _on_cycle(self, stats: CycleStats) -> None:
        if stats.last_report is not None:
            self.submit(self.protection.update(stats.last_report))

    def _on_version(self, applied: AppliedVersion) -> None:
        v = applied.version
        message = f"Control configuration version {v.version} applied ({v.source})"
        self.event(
            "event.control",
            "control",
            message,
            Priority.LOW,
            self._clock(),
            None,
            v.actor,
            v.reason,
            message_zh=f"控制配置版本 {v.version} 已应用（{v.source}）",
        )

    async def _tick_loop(self) -> None:
        # monotonic schedule: a late tick does not shift the ones after it
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due += self.tick_s
            await asyncio.sleep(max(0.0, due - loop.time()))
            try:
                now = self._clock()
                self.submit(self.engine.tick(now))
                if self._stats is not None:
                    self.submit(self.system.update(self._stats(), now))
            except Exception:  # a bug in one tick must not end alarm supervision
                log.exception("alarm tick failed")

    # -- journal ----------------------------------------------------------------------

    def submit(self, entries: Iterable[JournalEntry]) -> None:
        """Publish a batch on ALARMS and queue it for the journal; never blocks.

        Before start and after stop nothing is journaled or published: the batch is
        dropped with a warning (an event at shutdown, say). Operator actions, which would
        change an alarm's state without a record, raise AlarmServiceStopped instead."""
        batch = tuple(entries)
        if not batch:
            return
        if self._journal is None:
            log.warning("alarm service not running: %d journal entries dropped", len(batch))
            return
        self._executor.submit(self._journal.record, batch).add_done_callback(_log_failure)
        self._bus.publish(ALARMS, batch)

    def event(
        self,
        alarm_id: str,
        source: str,
        message: str,
        priority: Priority = Priority.LOW,
        ts: float | None = None,
        point_id: str | None = None,
        user: str | None = None,
        comment: str = "",
        message_zh: str = "",
    ) -> None:
        """Journal an event: no acknowledgement, no state change. ``message_zh``: the
        Chinese text (empty: the English)."""
        ts = self._clock() if ts is None else ts
        entry = JournalEntry(
            ts, alarm_id, source, priority, AlarmState.NORMAL, message, "event",
            None, point_id, user, comment, message_zh,
        )  # fmt: skip
        self.submit([entry])

    async def history(
        self,
        since: float | None = None,
        until: float | None = None,
        source: str | None = None,
        text: str | None = None,
        limit: int | None = 5000,
    ) -> list[JournalEntry]:
        """Journal entries (oldest first, at most the newest ``limit``), read on the
        journal's own thread: behind every batch submitted so far, never on the loop."""
        journal = self._journal
        if journal is None:
            return []
        query = lambda: journal.entries(  # noqa: E731
            since=since, until=until, source=source, text=text, limit=limit
        )
        return await asyncio.wrap_future(self._executor.submit(query))

    async def kpis(self, start: float, end: float) -> AlarmKpis:
        """The KPI report (app/alarms/kpi.py) for [start, end]: the journal up to ``end``
        (older alarms can be stale in the period) read and reduced on the journal's own
        thread, behind every batch submitted so far; only the small report crosses back.
        AlarmServiceStopped before start() or after stop(): no journal, no report."""
        self._require_running()
        journal = self._journal
        assert journal is not None
        compute = lambda: compute_kpis(journal.entries(until=end), start, end)  # noqa: E731
        return await asyncio.wrap_future(self._executor.submit(compute))

    # -- operator actions -------------------------------------------------------------

    def _require_running(self) -> None:
        if self._journal is None:
            raise AlarmServiceStopped(
                "the alarm service is not running (stopped, or not started yet):"
                " an alarm's state cannot change without its journal"
            )

    def active(self) -> list[AlarmView]:
        return self.engine.active()

    def shelved(self) -> list[AlarmView]:
        return self.engine.shelved()

    def out_of_service(self) -> list[AlarmView]:
        return self.engine.out_of_service()

    def acknowledge(self, alarm_ids: Iterable[str], user: str, comment: str) -> list[JournalEntry]:
        self._require_running()
        ids = list(alarm_ids)
        for alarm_id in ids:  # all or nothing: an unknown id acknowledges none
            self.engine.alarm(alarm_id)
        entries = self.engine.acknowledge_all(ids, user, comment, self._clock())
        self.submit(entries)
        return entries

    def shelve(
        self, alarm_id: str, user: str, reason: str, duration_s: float
    ) -> list[JournalEntry]:
        self._require_running()
        if not isinstance(duration_s, (int, float)) or not 0 < duration_s < float("inf"):
            raise ValueError(f"shelve duration {duration_s!r}: expected a finite number > 0 s")
        entries = self.engine.shelve(alarm_id, user, reason, float(duration_s), self._clock())
        self.submit(entries)
        return entries

    def unshelve(self, alarm_id: str, user: str, comment: str) -> list[JournalEntry]:
        self._require_running()
        entries = self.engine.unshelve(alarm_id, user, comment, self._clock())
        self.submit(entries)
        return entries

    def remove_from_service(self, alarm_id: str, user: str, reason: str) -> list[JournalEntry]:
        """Take an alarm out of service until returned (kept across a restart); AlarmError
        for an unknown id, no user or reason, or an alarm already out of service."""
        self._require_running()
        entries = self.engine.remove_from_service(alarm_id, user, reason, self._clock())
        self.submit(entries)
        return entries

    def return_to_service(self, alarm_id: str, user: str, comment: str) -> list[JournalEntry]:
        """Return an alarm to service: it shows its condition as it is now."""
        self._require_running()
        entries = self.engine.return_to_service(alarm_id, user, comment, self._clock())
        self.submit(entries)
        return entries

    # -- rule edits ---------------------------------------------------------------------

    def rule(self, point_id: str) -> dict[str, Any] | None:
        """The rule running for ``point_id`` as a plain mapping (None: no rule)."""
        return rule_dict(self.engine.rule(point_id))

    async def set_rule(
        self, point_id: str, changes: Mapping[str, Any] | None, user: str, reason: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """Lay ``changes`` over the point's current rule (None: back to the station's rule),
        store the edit durably, then run it; returns (old, new) rules as mappings.

        A bad value raises ValueError naming the point, the field and the value, and
        changes nothing; so does a failed write of the edit.
        """
        if not user or not reason:
            raise ValueError("an alarm-rule edit needs a user and a reason")
        async with self._rule_lock:
            spec = self.station.points.get(point_id)
            if spec is None:
                raise ValueError(f"alarm rule of {point_id}: the station has no such point")
            if changes is not None and not isinstance(changes, Mapping):
                raise ValueError(f"alarm rule of {point_id}: changes {changes!r} is not a mapping")
            edits = [] if changes is None else [*self._edits.get(point_id, ()), dict(changes)]
            rule = resolve(point_id, spec.kind, spec.alarms, edits)
            rules = self._rules
            if rules is None:
                raise RuntimeError("the alarm service is not running")
            ts = self._clock()
            edit = RuleEdit(ts, point_id, None if changes is None else dict(changes), user, reason)
            await asyncio.wrap_future(self._executor.submit(rules.record, edit))
            old = rule_dict(self.engine.rule(point_id))
            if edits:
                self._edits[point_id] = edits
            else:
                self._edits.pop(point_id, None)
            entries = self.engine.replace_rule(point_id, rule, ts, user, f"rule edited: {reason}")
            new = rule_dict(rule)
            message = f"Alarm rule of {point_id}: {_text(old)} -> {_text(new)}"
            zh = f"{spec.name.text('zh')}（{point_id}）报警规则：{_text(old)} -> {_text(new)}"
            event = JournalEntry(
                ts, "event.alarm_rule", spec.device_id or "site", Priority.LOW, AlarmState.NORMAL,
                message, "event", None, point_id, user, reason, zh,
            )  # fmt: skip
            self.submit([*entries, event])
            return old, new


def _shelve_ended_by_restart(shelved: JournalEntry, ts: float) -> JournalEntry:
    """The alarm's own transition shelved -> normal: the journal's latest entry of the
    alarm then tells the truth (the next restart does not report it again), and the
    engine raises it anew if its condition is present."""
    message = (
        f"Shelve of {shelved.alarm_id} by {shelved.user} ended by restart;"
        " the alarm is evaluated again"
    )
    zh = f"{shelved.user} 对 {shelved.alarm_id} 的搁置因重启结束；重新评估该报警"
    return replace(
        shelved,
        ts=ts,
        state=AlarmState.NORMAL,
        previous=AlarmState.SHELVED,
        message=message,
        message_zh=zh,
        user=None,
        comment=f"restart (shelved for: {shelved.comment})",
    )


def _taken_out(latest: JournalEntry) -> str:
    """Who took the alarm out of service and why, from its latest journal entry: the
    operator's removal, or an earlier restart's record, whose comment already says it."""
    if latest.previous is AlarmState.OUT_OF_SERVICE and latest.user is None:
        return latest.comment
    return f"taken out of service by {latest.user}: {latest.comment}"


def _text(rule: Mapping[str, Any] | None) -> str:
    return "none" if rule is None else json.dumps(rule, sort_keys=True, ensure_ascii=False)


def _log_failure(future: Future[int]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("alarm journal write failed", exc_info=exc)
