"""Alarms no point rule raises: command deviation, system health, protection stepping in.

The engine's generic API (define / set_condition) with explicit timestamps, then each
source through the real AlarmService on a temporary journal, awaiting its ALARMS batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from app.alarm_service import AlarmService, AlarmServiceStopped
from app.alarms.engine import AlarmEngine
from app.alarms.flood import FloodDetector
from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.journal_entry import JournalEntry
from app.alarms.lifecycle import AlarmError
from app.alarms.sources import (
    CYCLE_OVERRUN,
    FAILSAFE,
    HISTORY,
    LOOP_LAG,
    SOC_FLOOR,
    TEMPERATURE_DERATE,
    ProtectionAlarms,
    SystemAlarms,
    SystemLimits,
)
from app.alarms.states import AlarmState, Priority
from app.config.loader import load_station
from app.control import ProtectionParams
from app.control.cycle import ControlMode, Cycle, CycleReport
from app.control.snapshot import SiteRoles
from app.control_loop import CYCLE, CycleStats
from app.dispatcher import COMMAND, CommandResult
from app.drivers_api import LinkState
from app.events import ALARMS, EventBus
from app.model import Station
from app.paths import DEMO_STATION
from tests.test_strategy_support import PCS, T0, snap

UNACK, ACKED, NORMAL, RTN = (
    AlarmState.UNACK,
    AlarmState.ACKED,
    AlarmState.NORMAL,
    AlarmState.RTN_UNACK,
)


@pytest.fixture(scope="module")
def station() -> Station:
    return load_station(DEMO_STATION)


# -- the engine's API for conditions from outside the point table -------------------------


def test_a_defined_alarm_follows_the_life_cycle_and_the_lists(station: Station):
    engine = AlarmEngine(station)
    engine.define("system.x", "system", Priority.HIGH, "X failing")
    assert engine.set_condition("system.x", False, T0) == []  # normal stays normal, silently
    (raised,) = engine.set_condition("system.x", True, T0 + 1, "X failing: 3 errors")
    assert (raised.alarm_id, raised.source, raised.state, raised.ts) == (
        "system.x",
        "system",
        UNACK,
        T0 + 1,
    )
    assert raised.priority is Priority.HIGH and raised.message == "X failing: 3 errors"
    assert engine.set_condition("system.x", True, T0 + 2) == []
    assert [v.alarm_id for v in engine.active()] == ["system.x"]
    (acked,) = engine.acknowledge("system.x", "op", "seen", T0 + 3)
    assert acked.state is ACKED
    (cleared,) = engine.set_condition("system.x", False, T0 + 4)
    assert (cleared.previous, cleared.state) == (ACKED, NORMAL)
    assert cleared.message == "X failing: 3 errors"  # the text that raised it
    # shelve and its expiry go through the same tick as every other alarm
    engine.set_condition("system.x", True, T0 + 5)
    engine.shelve("system.x", "op", "known", 10, T0 + 6)
    assert engine.set_condition("system.x", False, T0 + 7) == []  # hidden while shelved
    (back,) = [e for e in engine.tick(T0 + 16) if e.alarm_id == "system.x"]
    assert (back.previous, back.state) == (AlarmState.SHELVED, NORMAL)


def test_define_rejects_a_duplicate_id_and_set_condition_an_unknown_one(station: Station):
    engine = AlarmEngine(station)
    with pytest.raises(ValueError, match=r"duplicate alarm id 'link\.pcs1'"):
        engine.define("link.pcs1", "pcs1", Priority.HIGH, "again")
    with pytest.raises(AlarmError, match="nope"):
        engine.set_condition("nope", True, T0)


def test_a_device_alarm_is_suppressed_with_its_link_and_counts_towards_floods(station: Station):
    engine = AlarmEngine(station, flood=FloodDetector(start_above=1, end_below=1))
    engine.define("deviation.test", "pcs1", Priority.HIGH, "not followed", "pcs1.p_set")
    engine.set_condition("deviation.test", True, T0)
    entries = engine.on_link(LinkState("pcs1", False, "refused", T0 + 1))
    assert ("deviation.test", AlarmState.SUPPRESSED) in [(e.alarm_id, e.state) for e in entries]
    engine.on_link(LinkState("pcs1", True, "", T0 + 2))
    assert engine.alarm("deviation.test").state is UNACK  # still active when the link is back
    for i, name in enumerate(("a", "b")):
        engine.define(f"system.{name}", "system", Priority.LOW, name)
        engine.set_condition(f"system.{name}", True, T0 + 3 + i)
    assert engine.flood.in_flood


# -- the sources, pure ----------------------------------------------------------------------


def test_system_alarms_from_a_stats_sample(station: Station):
    engine = AlarmEngine(station)
    system = SystemAlarms(engine, SystemLimits(loop_lag_ms=500, loop_lag_on_delay_s=3))
    healthy = {
        "history_healthy": 1.0,
        "history_failures": 0.0,
        "history_queued": 0.0,
        "cycle_period_ms": 1000.0,
        "cycle_ms": 12.0,
        "cycle_lateness_ms": 3.0,
        "loop_lag_ms": 1.0,
    }
    assert system.update(healthy, T0) == []
    assert system.update({}, T0 + 1) == []  # nothing measured: nothing changes

    failing = {**healthy, "history_healthy": 0.0, "history_failures": 4.0}
    (raised,) = system.update(failing, T0 + 2)
    assert (raised.alarm_id, raised.source, raised.priority) == (HISTORY, "system", Priority.HIGH)
    assert "4 failed commit(s)" in raised.message
    assert states(system.update(healthy, T0 + 3)) == [(HISTORY, RTN)]

    (slow,) = system.update({**healthy, "cycle_ms": 1200.0}, T0 + 4)
    assert (slow.alarm_id, slow.state, slow.priority) == (CYCLE_OVERRUN, UNACK, Priority.MEDIUM)
    assert "took 1200 ms" in slow.message
    assert states(system.update(healthy, T0 + 5)) == [(CYCLE_OVERRUN, RTN)]
    (late,) = system.update({**healthy, "cycle_lateness_ms": 1500.0}, T0 + 6)
    assert (late.alarm_id, late.state) == (CYCLE_OVERRUN, UNACK)
    assert "1500 ms late" in late.message
    system.update(healthy, T0 + 7)

    # one hiccup is not an alarm; a lag that lasts the on-delay is
    lagging = {**healthy, "loop_lag_ms": 2000.0}
    assert system.update(lagging, T0 + 10) == []
    assert system.update(healthy, T0 + 11) == []
    assert system.update(lagging, T0 + 12) == []
    assert system.update(lagging, T0 + 14) == []
    (lag,) = system.update(lagging, T0 + 15)
    assert (lag.alarm_id, lag.state, lag.ts) == (LOOP_LAG, UNACK, T0 + 15)
    assert "2000 ms (limit 500 ms)" in lag.message
    # it clears after the off-delay (5 s by default), keeping the figure that raised it
    assert system.update(healthy, T0 + 16) == []
    (back,) = system.update(healthy, T0 + 21)
    assert (back.alarm_id, back.state) == (LOOP_LAG, RTN)
    assert "2000 ms" in back.message


def states(entries: list[JournalEntry]) -> list[tuple[str, AlarmState]]:
    return [(e.alarm_id, e.state) for e in entries]


def _report(manual_kw: float, **inputs: float) -> CycleReport:
    class Clock:
        def now(self) -> float:
            return T0

    cycle = Cycle((), ProtectionParams(ramp_kw_per_s=None))
    result = cycle.run(snap(**inputs), Clock(), mode=ControlMode.MANUAL, manual={PCS: manual_kw})
    return result.report


def _bad_soc_report(ts: float) -> CycleReport:
    class Clock:
        def now(self) -> float:
            return ts

    cycle = Cycle((), ProtectionParams(ramp_kw_per_s=None))
    shot = snap(ts=ts, bad=["soc"])
    return cycle.run(shot, Clock(), mode=ControlMode.MANUAL, manual={PCS: 50}).report


def test_protection_alarms_follow_the_latest_cycle(station: Station):
    engine = AlarmEngine(station)
    protection = ProtectionAlarms(engine, SiteRoles())
    assert protection.update(_report(100.0)) == []

    (floor,) = protection.update(_report(200.0, soc=5))
    assert (floor.alarm_id, floor.source, floor.priority) == (SOC_FLOOR, "control", Priority.MEDIUM)
    assert "no discharge" in floor.message and "pcs1.p_set 200 -> 0" in floor.message
    (cleared,) = protection.update(_report(-200.0, soc=5))  # charging is not cut
    assert (cleared.alarm_id, cleared.state) == (SOC_FLOOR, RTN)
    assert "no discharge" in cleared.message  # the text that raised it

    (derate,) = protection.update(_report(400.0, temp=50))
    assert (derate.alarm_id, derate.state) == (TEMPERATURE_DERATE, UNACK)
    assert "derate to 50%" in derate.message
    assert protection.update(_report(100.0, temp=50)) != []  # under the cap: nothing cut
    (stop,) = protection.update(_report(0.0, temp=60))  # the stop temperature, even at 0 kW
    assert (stop.alarm_id, stop.state) == (TEMPERATURE_DERATE, UNACK)
    assert "stop" in stop.message

    # an unusable input is an alarm once it lasts the on-delay (5 s): not a start-up blip
    assert FAILSAFE not in {e.alarm_id for e in protection.update(_bad_soc_report(T0 + 10))}
    assert protection.update(_bad_soc_report(T0 + 14)) == []
    (failsafe,) = protection.update(_bad_soc_report(T0 + 15))
    assert (failsafe.alarm_id, failsafe.state, failsafe.priority) == (
        FAILSAFE,
        UNACK,
        Priority.HIGH,
    )
    assert "0 kW" in failsafe.message and "site.bess_soc" in failsafe.message
    (back,) = [e for e in protection.update(_report(0.0)) if e.alarm_id == FAILSAFE]
    assert back.state is RTN


# -- through the AlarmService ---------------------------------------------------------------


class Batches:
    """Every ALARMS batch on the bus; ``until`` awaits a condition on them."""

    def __init__(self, bus: EventBus) -> None:
        self.entries: list[JournalEntry] = []
        self._changed = asyncio.Event()
        bus.subscribe(ALARMS, self._on)

    def _on(self, batch: Iterable[JournalEntry]) -> None:
        self.entries.extend(batch)
        self._changed.set()

    async def until(self, condition: Callable[[list[JournalEntry]], bool], timeout: float = 10):
        async with asyncio.timeout(timeout):
            while not condition(self.entries):
                self._changed.clear()
                await self._changed.wait()

    def of(self, alarm_id: str) -> list[tuple[AlarmState | None, AlarmState]]:
        return [(e.previous, e.state) for e in self.entries if e.alarm_id == alarm_id]


@contextlib.asynccontextmanager
async def _running(
    station: Station,
    folder: Path,
    stats: Callable[[], Mapping[str, float]] | None = None,
    clock: Callable[[], float] = time.time,
) -> AsyncIterator[tuple[AlarmService, EventBus, Batches]]:
    bus = EventBus()
    service = AlarmService(station, folder, bus, clock, stats=stats)
    service.tick_s = 0.02  # the tick's schedule is its own test's; here only its effects
    batches = Batches(bus)
    await service.start()
    try:
        yield service, bus, batches
    finally:
        await service.stop()


def _journal(folder: Path, **filters: object) -> list[JournalEntry]:
    with AlarmJournal(journal_path(folder)) as journal:
        return journal.entries(**filters)  # type: ignore[arg-type]


def _raised(alarm_id: str, state: AlarmState = UNACK) -> Callable[[list[JournalEntry]], bool]:
    return lambda es: any(e.alarm_id == alarm_id and e.state is state for e in es)


async def test_system_alarms_from_the_stats_callable_are_journaled(
    station: Station, tmp_path: Path
):
    figures = {
        "history_healthy": 0.0,
        "history_failures": 2.0,
        "history_queued": 1200.0,
        "cycle_period_ms": 500.0,
        "cycle_ms": 40.0,
        "cycle_lateness_ms": 900.0,
        "loop_lag_ms": 2.0,
    }
    async with _running(station, tmp_path, lambda: figures) as (service, _bus, batches):
        await batches.until(lambda es: _raised(HISTORY)(es) and _raised(CYCLE_OVERRUN)(es))
        assert {v.alarm_id for v in service.active()} == {HISTORY, CYCLE_OVERRUN}
        figures.update(history_healthy=1.0, history_failures=0.0, cycle_lateness_ms=1.0)
        await batches.until(
            lambda es: _raised(HISTORY, RTN)(es) and _raised(CYCLE_OVERRUN, RTN)(es)
        )
        await service.flush()
        journaled = _journal(tmp_path, source="system")
        history = [e for e in journaled if e.alarm_id == HISTORY]
        assert [e.state for e in history] == [UNACK, RTN]
        assert "2 failed commit(s) in a row, 1200 samples waiting" in history[0].message
        overrun = [e for e in journaled if e.alarm_id == CYCLE_OVERRUN]
        assert "started 900 ms late (period 500 ms)" in overrun[0].message


async def test_a_failing_stats_callable_does_not_end_the_tick(station: Station, tmp_path: Path):
    calls = 0

    def broken() -> Mapping[str, float]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("stats broke")
        return {"history_healthy": 0.0}

    async with _running(station, tmp_path, broken) as (_service, _bus, batches):
        await batches.until(_raised(HISTORY))
    assert calls >= 2


async def test_deviation_alarm_while_the_latest_command_is_not_followed(
    station: Station, tmp_path: Path
):
    alarm_id = "deviation.pcs1.p_set"
    async with _running(station, tmp_path) as (service, bus, batches):
        ok = CommandResult("pcs1.p_set", 100.0, True, "ok", 100.0, 1, T0)
        mismatch = replace(ok, ok=False, result="mismatch: read back 0.0", read_back=0.0)
        bus.publish(COMMAND, ok)  # nothing to say
        bus.publish(COMMAND, mismatch)
        await batches.until(_raised(alarm_id))
        bus.publish(COMMAND, replace(ok, ok=False, result="failed: refused"))  # keeps it
        bus.publish(COMMAND, replace(mismatch, result="timeout: no read-back"))  # still active
        assert service.engine.alarm(alarm_id).state is UNACK
        bus.publish(COMMAND, ok)  # the next ok returns it to normal
        await batches.until(_raised(alarm_id, RTN))
        # the heartbeat's unconfirmed sends never raise nor clear it
        bus.publish(COMMAND, CommandResult("pcs1.heartbeat", 7, True, "sent", None, 1, T0))
        await service.flush()
        assert batches.of(alarm_id) == [(NORMAL, UNACK), (UNACK, RTN)]
        raised = next(e for e in batches.entries if e.alarm_id == alarm_id)
        assert (raised.source, raised.priority, raised.point_id) == (
            "pcs1",
            Priority.HIGH,
            "pcs1.p_set",
        )
        assert raised.message == "Command pcs1.p_set = 100 not followed: mismatch: read back 0.0"
    # the failed-command event is still journaled, once per run of failures
    events = _journal(tmp_path, alarm_id="event.command")
    assert [e.message for e in events] == ["Command pcs1.p_set = 100 mismatch: read back 0.0"]


async def test_protection_alarms_from_the_cycle_topic(station: Station, tmp_path: Path):
    async with _running(station, tmp_path) as (service, bus, batches):
        bus.publish(CYCLE, CycleStats(count=1))  # no report yet: nothing
        bus.publish(CYCLE, CycleStats(count=2, last_report=_report(200.0, soc=5)))
        await batches.until(_raised(SOC_FLOOR))
        bus.publish(CYCLE, CycleStats(count=3, last_report=_report(0.0, soc=5)))
        await batches.until(_raised(SOC_FLOOR, RTN))
        await service.flush()
    states = [(e.state, e.source) for e in _journal(tmp_path, alarm_id=SOC_FLOOR)]
    assert states == [(UNACK, "control"), (RTN, "control")]


async def test_after_stop_operator_actions_raise_and_nothing_is_journaled(
    station: Station, tmp_path: Path
):
    bus = EventBus()
    service = AlarmService(station, tmp_path, bus, time.time)
    batches = Batches(bus)
    await service.start()
    bus.publish(COMMAND, CommandResult("pcs1.p_set", 5.0, False, "timeout: x", None, 1, T0))
    await batches.until(_raised("deviation.pcs1.p_set"))
    await service.stop()
    before = len(_journal(tmp_path))
    with pytest.raises(AlarmServiceStopped, match="not running"):
        service.acknowledge(["deviation.pcs1.p_set"], "op", "late")
    with pytest.raises(AlarmServiceStopped):
        service.shelve("deviation.pcs1.p_set", "op", "late", 60)
    with pytest.raises(AlarmServiceStopped):
        service.unshelve("deviation.pcs1.p_set", "op", "late")
    assert service.engine.alarm("deviation.pcs1.p_set").state is UNACK  # nothing changed
    bus.publish(COMMAND, CommandResult("pcs1.p_set", 5.0, True, "ok", 5.0, 1, T0))
    service.event("event.mode", "control", "too late")  # dropped with a warning
    assert len(_journal(tmp_path)) == before
