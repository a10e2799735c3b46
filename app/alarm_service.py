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
import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from app.alarms.engine import AlarmEngine, AlarmView
from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import AlarmState, Priority
from app.control_versions.manager import CONTROL_VERSION, AppliedVersion
from app.dispatcher import COMMAND, CommandResult
from app.drivers_api import LinkState
from app.events import ALARMS, LINK, POINTS, EventBus
from app.model import Station
from app.points import PointValue

log = logging.getLogger(__name__)


class AlarmService:
    tick_s = 1.0  # delays, shelve expiry, stale points and floods advance once a second

    def __init__(
        self, station: Station, data_dir: Path, bus: EventBus, clock: Callable[[], float]
    ) -> None:
        self.station = station
        self.engine = AlarmEngine(station)
        self._path = journal_path(data_dir)
        self._bus = bus
        self._clock = clock
        self._journal: AlarmJournal | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="alarm-journal")
        self._unsubscribe: list[Callable[[], None]] = []
        self._ticker: asyncio.Task[None] | None = None
        self._failing: set[str] = set()  # points whose last command failed

    @property
    def journal_path(self) -> Path:
        return self._path

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # opening the file is I/O: on the journal's own thread, which then owns all writes
        self._journal = await loop.run_in_executor(self._executor, AlarmJournal, self._path)
        handlers: dict[str, Callable[[Any], None]] = {
            POINTS: self._on_points,
            LINK: self._on_link,
            COMMAND: self._on_command,
            CONTROL_VERSION: self._on_version,
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
        self._executor.shutdown(wait=True)

    async def flush(self) -> None:
        """Wait until every batch submitted so far is committed (tests, shutdown)."""
        await asyncio.wrap_future(self._executor.submit(lambda: None))

    # -- the process (bus handlers, on the loop) ----------------------------------------

    def _on_points(self, batch: Mapping[str, PointValue]) -> None:
        self.submit(self.engine.on_points(batch))

    def _on_link(self, state: LinkState) -> None:
        self.submit(self.engine.on_link(state))

    def _on_command(self, result: CommandResult) -> None:
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
        self.event("event.command", source, message, Priority.HIGH, result.ts, result.point_id)

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
        )

    async def _tick_loop(self) -> None:
        # monotonic schedule: a late tick does not shift the ones after it
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due += self.tick_s
            await asyncio.sleep(max(0.0, due - loop.time()))
            try:
                self.submit(self.engine.tick(self._clock()))
            except Exception:  # a bug in one tick must not end alarm supervision
                log.exception("alarm tick failed")

    # -- journal ----------------------------------------------------------------------

    def submit(self, entries: Iterable[JournalEntry]) -> None:
        """Publish a batch on ALARMS and queue it for the journal; never blocks."""
        batch = tuple(entries)
        if not batch or self._journal is None:
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
    ) -> None:
        """Journal an event: no acknowledgement, no state change."""
        ts = self._clock() if ts is None else ts
        entry = JournalEntry(
            ts, alarm_id, source, priority, AlarmState.NORMAL, message, "event",
            None, point_id, user, comment,
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

    # -- operator actions -------------------------------------------------------------

    def active(self) -> list[AlarmView]:
        return self.engine.active()

    def shelved(self) -> list[AlarmView]:
        return self.engine.shelved()

    def acknowledge(self, alarm_ids: Iterable[str], user: str, comment: str) -> list[JournalEntry]:
        ids = list(alarm_ids)
        for alarm_id in ids:  # all or nothing: an unknown id acknowledges none
            self.engine.alarm(alarm_id)
        entries = self.engine.acknowledge_all(ids, user, comment, self._clock())
        self.submit(entries)
        return entries

    def shelve(
        self, alarm_id: str, user: str, reason: str, duration_s: float
    ) -> list[JournalEntry]:
        if not isinstance(duration_s, (int, float)) or not 0 < duration_s < float("inf"):
            raise ValueError(f"shelve duration {duration_s!r}: expected a finite number > 0 s")
        entries = self.engine.shelve(alarm_id, user, reason, float(duration_s), self._clock())
        self.submit(entries)
        return entries

    def unshelve(self, alarm_id: str, user: str, comment: str) -> list[JournalEntry]:
        entries = self.engine.unshelve(alarm_id, user, comment, self._clock())
        self.submit(entries)
        return entries


def _log_failure(future: Future[int]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("alarm journal write failed", exc_info=exc)
