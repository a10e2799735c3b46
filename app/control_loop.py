"""The control cycle at run time: freeze → strategies → arbitrate → protect → dispatch → record.

A fixed-period loop like a PLC scan. The pure phases live in app/control/cycle.py; this
module adds what touches the world: the snapshot of the point table, the heartbeat, the
takeover writes, the dispatch of setpoints through the dispatcher (read back and audited),
and the cycle's timing (each phase's duration and the cycle's lateness).

Dispatch never holds up the next cycle: each write runs as its own task, and a point whose
previous write is still being confirmed is not written again until it is.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.aio import cancel_and_wait
from app.control.config import ControlConfig
from app.control.cycle import Cycle, CycleReport
from app.control.snapshot import SiteRoles, Snapshot
from app.dispatcher import CommandResult, Dispatcher
from app.events import LOG, EventBus
from app.point_table import PointTable
from app.points import Quality

log = logging.getLogger(__name__)

CYCLE = "cycle"  # bus topic: CycleStats after every cycle
HEARTBEAT_MODULO = 65536
_LINK_DOWN = frozenset({Quality.BAD_COMM_LOST, Quality.BAD_TIMEOUT, Quality.BAD_DEVICE_EXCEPTION})


@dataclass
class CycleStats:
    count: int = 0
    lateness_ms: float = 0.0
    durations_ms: dict[str, float] = field(default_factory=dict)
    last_report: CycleReport | None = None


class _StationClock:
    """The runtime's clock as the strategies' ``Clock``: the TOU period and the snapshot's
    staleness follow station time (the simulator's shifted clock in a demo)."""

    def __init__(self, fn: Callable[[], float]) -> None:
        self._fn = fn

    def now(self) -> float:
        return self._fn()


class ControlLoop:
    def __init__(
        self,
        config: ControlConfig,
        roles: SiteRoles,
        points: PointTable,
        bus: EventBus,
        dispatcher: Dispatcher,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.mode = config.mode
        self.manual: dict[str, float] = {}
        self.stats = CycleStats()
        self._roles = roles
        self._points = points
        self._bus = bus
        self._dispatcher = dispatcher
        self._clock = _StationClock(clock)
        self._cycle = Cycle(config.strategies, config.protection)
        self._last_written: dict[str, float] = {}
        self._in_flight: dict[str, asyncio.Task[CommandResult]] = {}
        self._heartbeat = 0
        self._heartbeat_failing: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        # the running configuration's version ("v3"), named in the strategies' audit actor
        self.version_label: str | None = None

    def apply(self, config: ControlConfig) -> list[str]:
        """Swap in new strategies and protection; the next cycle uses them.

        The period, heartbeat and takeover shape the running task and the PCS watchdog, so
        they keep their running values: returns the names of those that differ (they apply
        at the next start). Cycles run on this loop, so no cycle sees half a swap.
        """
        running = self.config
        pending = [
            name
            for name, old, new in (
                ("cycle_ms", running.cycle_s, config.cycle_s),
                ("heartbeat", running.heartbeat, config.heartbeat),
                ("takeover", running.takeover, config.takeover),
            )
            if old != new
        ]
        self.config = dataclasses.replace(
            config,
            cycle_s=running.cycle_s,
            heartbeat=running.heartbeat,
            takeover=running.takeover,
        )
        self._cycle = Cycle(self.config.strategies, self.config.protection)
        return pending

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="control-cycle")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        pending = [t for t in self._in_flight.values() if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        period = self.config.cycle_s
        due = loop.time()
        while True:
            self.stats.lateness_ms = max(0.0, (loop.time() - due) * 1000)
            try:
                self.cycle_once(dt=period)
            except Exception:  # a fault in one cycle must not end control
                log.exception("control cycle failed")
            due += period
            now = loop.time()
            if due < now:  # overran: skip the missed slots rather than bursting
                due = now
            await asyncio.sleep(due - now)

    def cycle_once(self, dt: float) -> CycleReport:
        """One scan; the dispatch it starts completes in the background."""
        t0 = time.perf_counter()
        snapshot = Snapshot(
            self._points.snapshot(),
            self._clock.now(),
            self._roles,
            stale_after_s=self.config.protection.stale_after_s,
        )
        freeze_s = time.perf_counter() - t0
        result = self._cycle.run(
            snapshot,
            self._clock,
            mode=self.mode,
            last_written=self._held(snapshot),
            dt=dt,
            manual=self.manual,
        )
        t1 = time.perf_counter()
        self._takeover(snapshot)
        self._beat()
        for pid, value in result.writes.items():
            winner = result.report.arbitration.get(pid)
            # the neutral value (no strategy asked) is the control loop's own decision
            decided = winner is not None and winner.winner != "neutral"
            actor = f"strategy:{winner.winner}" if decided and winner else "control"
            if self.version_label:
                actor += f"@{self.version_label}"
            self._dispatch(pid, value, actor, self._reason(result.report, pid), audit=True)
        for event in result.events:
            self._bus.publish(LOG, str(event))
        durations = {k: v * 1000 for k, v in result.report.durations.items()}
        durations["freeze"] = freeze_s * 1000
        durations["dispatch"] = (time.perf_counter() - t1) * 1000
        self.stats.count += 1
        self.stats.durations_ms = durations
        self.stats.last_report = result.report
        self._bus.publish(CYCLE, self.stats)
        return result.report

    def _held(self, snapshot: Snapshot) -> dict[str, float]:
        """What each controlled point holds now: the device's read-back where it is good,
        else the loop's last confirmed write. A device that dropped its setpoint (a watchdog,
        a restart) reads back otherwise, so the deadband no longer hides it and the target is
        sent again; a mismatch that persists ends in a deviation alarm (the dispatcher)."""
        held = dict(self._last_written)
        for pid in held:
            reading = snapshot.get(pid)
            if reading is not None and reading.is_good and reading.value is not None:
                held[pid] = reading.as_float()
        return held

    def _takeover(self, snapshot: Snapshot) -> None:
        for pid, value in self.config.takeover:
            pv = snapshot.get(pid)
            if pv is not None and pv.is_good and pv.value == value:
                continue
            if pv is not None and not pv.is_good:
                continue  # link down: nothing to write to; retake once it answers again
            self._dispatch(pid, value, "system", "EMS takes remote control", audit=True)

    def _beat(self) -> None:
        # a heartbeat every cycle would flood the audit trail: its failures are logged instead
        self._heartbeat = (self._heartbeat + 1) % HEARTBEAT_MODULO
        for pid in self.config.heartbeat:
            self._dispatch(pid, self._heartbeat, "system", "heartbeat", audit=False, confirm=False)

    def _heartbeat_result(self, pid: str, result: CommandResult) -> None:
        """One warning when a heartbeat starts failing, one line when it is through again."""
        if not result.ok and pid not in self._heartbeat_failing:
            self._heartbeat_failing.add(pid)
            log.warning("heartbeat %s failing: %s", pid, result.result)
        elif result.ok and pid in self._heartbeat_failing:
            self._heartbeat_failing.discard(pid)
            log.info("heartbeat %s through again", pid)

    def _dispatch(
        self, pid: str, value: float, actor: str, reason: str, audit: bool, confirm: bool = True
    ) -> None:
        running = self._in_flight.get(pid)
        if running is not None and not running.done():
            return  # the previous command is still being confirmed
        reading = self._points.get(pid)
        if reading is None or reading.quality in _LINK_DOWN:
            # not read yet (still connecting) or its link is down: nobody to write to, and
            # the outage is already reported once by the driver
            return
        task = asyncio.get_running_loop().create_task(
            self._dispatcher.write(
                pid, value, actor, reason, audit=audit, confirm=confirm, log_failure=confirm
            ),
            name=f"write {pid}",
        )
        self._in_flight[pid] = task
        task.add_done_callback(functools.partial(self._written, pid))

    def _written(self, pid: str, task: asyncio.Task[CommandResult]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        result = task.result()
        if pid in self.config.heartbeat:
            self._heartbeat_result(pid, result)
        elif result.ok:
            self._last_written[pid] = result.value

    @staticmethod
    def _reason(report: CycleReport, pid: str) -> str:
        winner = report.arbitration.get(pid)
        applied = winner.applied if winner is not None else ()
        reasons = [c.reason for c in applied if c.reason]
        return "; ".join(reasons) or "control cycle"
