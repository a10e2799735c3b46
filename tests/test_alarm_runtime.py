"""The alarm engine and journal in the running station, against the simulator on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import math
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.alarm_service import AlarmService, AlarmServiceStopped
from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.journal_entry import JournalEntry
from app.alarms.lifecycle import AlarmError
from app.alarms.states import AlarmState, Priority
from app.config.loader import load_station
from app.dispatcher import COMMAND, CommandResult
from app.events import ALARMS, EventBus
from app.paths import DEMO_STATION
from app.runtime import Runtime
from simulator import Simulator, SimulatorConfig
from tests.control_support import CONTROL, controlled_station
from tests.station_support import uncontrolled_demo, wait_until


class AlarmWatch:
    """Every ALARMS batch since subscribing; ``until`` waits for a condition on them."""

    def __init__(self, runtime: Runtime) -> None:
        self.entries: list[JournalEntry] = []
        self._changed = asyncio.Event()
        self.close = runtime.bus.subscribe(ALARMS, self._on)

    def _on(self, batch: Iterable[JournalEntry]) -> None:
        self.entries.extend(batch)
        self._changed.set()

    async def until(self, condition: Callable[[list[JournalEntry]], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not condition(self.entries):
                self._changed.clear()
                await self._changed.wait()


@contextlib.asynccontextmanager
async def station(
    folder: Path,
    scenario: str = "none",
    overrides: Callable[[Simulator], dict[str, Any]] | None = None,
) -> AsyncIterator[tuple[Runtime, Simulator, AlarmWatch]]:
    """The demo station without control; ``overrides(sim)`` gives its alarm_overrides."""
    path = uncontrolled_demo(folder)
    sim = Simulator(SimulatorConfig.for_station(load_station(path), scenario=scenario))
    if overrides is not None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["alarm_overrides"] = overrides(sim)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    port = await sim.start(host="127.0.0.1", port=0)
    runtime = Runtime(load_station(path, connection_overrides={"sim": {"port": port}}), folder)
    watch: AlarmWatch | None = None
    try:
        await runtime.start()
        watch = AlarmWatch(runtime)
        yield runtime, sim, watch
    finally:
        if watch is not None:
            watch.close()
        await runtime.stop()
        await sim.stop()


def _journal(folder: Path, **filters: Any) -> list[JournalEntry]:
    with AlarmJournal(journal_path(folder)) as journal:
        return journal.entries(**filters)


def _raised(alarm_id: str) -> Callable[[list[JournalEntry]], bool]:
    return lambda entries: any(
        e.alarm_id == alarm_id and e.state is AlarmState.UNACK for e in entries
    )


async def test_over_temperature_raises_the_cell_temperature_alarm(tmp_path):
    # H is 45 °C in the template, ~3 min of heating away. Before the fault the idle plant
    # settles about 0.8 °C above its first reading (the PCS's own consumption loads the
    # battery), so H just above that plateau trips ~4 s into the heating (0.12 °C/s from the
    # 10th second), not before it.
    def lower_h(sim: Simulator) -> dict[str, Any]:
        start = sim.plant.bms.reading()["cell_t_max"]
        return {"bms1.cell_t_max": {"h": round(start + 1.3, 1), "on_delay_s": 0}}

    began = time.time()
    async with station(tmp_path, "over_temperature", lower_h) as (runtime, _sim, watch):
        await watch.until(_raised("bms1.cell_t_max.H"), timeout=25)
        assert "bms1.cell_t_max.H" in [v.alarm_id for v in runtime.alarms_active()]
        assert runtime.alarms is not None
        await runtime.alarms.flush()
        (raised, *_) = _journal(tmp_path, alarm_id="bms1.cell_t_max.H")
        assert raised.state is AlarmState.UNACK and raised.source == "bms1"
        assert "Highest cell temperature" in raised.message
        assert raised.ts - began >= 10.0  # raised by the scenario's heating, not before it


async def test_a_tripped_grid_breaker_raises_its_trip_alarm(tmp_path):
    async with station(tmp_path) as (runtime, sim, watch):
        await wait_until(runtime, lambda: _good(runtime, "brk_grid.tripped"), timeout=15)
        assert "brk_grid.tripped" not in {v.point_id for v in runtime.alarms_active()}
        sim.plant.trip_breaker("grid")  # the transformer's protection would do this
        await watch.until(_raised("brk_grid.tripped"), timeout=15)
        (view,) = [v for v in runtime.alarms_active() if v.point_id == "brk_grid.tripped"]
        assert (view.priority, view.source, view.message) == (
            Priority.HIGH,
            "brk_grid",
            "Breaker tripped",
        )


async def test_a_silent_pcs_raises_its_own_link_alarm_and_no_other(tmp_path):
    # comm_fault: the PCS stops answering from the 10th to the 30th second; the other ten
    # devices share its Modbus connection and must keep flowing (and stay out of the list).
    # The control loop's heartbeat and setpoints to the PCS time out too, several in a row.
    async with controlled_station(tmp_path, "comm_fault", "12:00") as (runtime, _sim):
        watch = AlarmWatch(runtime)
        try:
            await watch.until(_raised("link.pcs1"), timeout=25)
            since = runtime.now()
            meter = "meter_grid.p"
            await wait_until(runtime, lambda: runtime.points.get(meter).ts > since + 4, 10)
        finally:
            watch.close()
        assert _good(runtime, meter)
        raised = {e.alarm_id for e in watch.entries if e.alarm_id.startswith("link.")}
        assert raised == {"link.pcs1"}


async def test_stopped_simulator_raises_one_link_alarm_per_device_then_ack_and_shelve(tmp_path):
    async with station(tmp_path) as (runtime, sim, watch):
        devices = sorted(d.id for d in runtime.station.devices.values() if d.enabled)
        assert len(devices) == 11
        links = {f"link.{d}" for d in devices}
        await sim.stop()
        await watch.until(lambda es: links <= {e.alarm_id for e in es}, timeout=20)
        raised = [e for e in watch.entries if e.state is AlarmState.UNACK]
        assert sorted(e.alarm_id for e in raised) == sorted(links)  # no point alarms
        assert {v.alarm_id for v in runtime.alarms_active()} == links

        # acknowledge and shelve through the facade; errors name the problem, change nothing
        with pytest.raises(AlarmError, match="nope"):
            await runtime.acknowledge_alarms(["link.pcs1", "nope"], "alice", "x")
        assert runtime.alarms.engine.alarm("link.pcs1").state is AlarmState.UNACK
        await runtime.acknowledge_alarms(["link.pcs1"], "alice", "sim stopped on purpose")
        assert runtime.alarms.engine.alarm("link.pcs1").state is AlarmState.ACKED
        for bad in (0, -5, math.inf, math.nan):
            with pytest.raises(ValueError, match="duration"):
                await runtime.shelve_alarm("link.bms1", "bob", "r", bad)
        await runtime.shelve_alarm("link.bms1", "bob", "maintenance", 600)
        assert [v.alarm_id for v in runtime.alarms_shelved()] == ["link.bms1"]
        assert "link.bms1" not in {v.alarm_id for v in runtime.alarms_active()}
        # unshelved early, it shows its condition as it is now: the link is still down
        await runtime.unshelve_alarm("link.bms1", "bob", "done early")
        assert runtime.alarms.engine.alarm("link.bms1").state is AlarmState.UNACK
        await runtime.shelve_alarm("link.bms1", "bob", "maintenance", 600)

        await runtime.alarms.flush()
        journaled = _journal(tmp_path)
        assert sorted(e.alarm_id for e in journaled if e.previous is AlarmState.NORMAL) == sorted(
            links
        )
        ack = [e for e in journaled if e.state is AlarmState.ACKED]
        assert [(e.alarm_id, e.user, e.comment) for e in ack] == [
            ("link.pcs1", "alice", "sim stopped on purpose")
        ]
        shelved = [e for e in journaled if e.state is AlarmState.SHELVED]
        assert [(e.alarm_id, e.user, e.comment) for e in shelved] == [
            ("link.bms1", "bob", "maintenance"),
            ("link.bms1", "bob", "maintenance"),
        ]
        history = await runtime.alarm_history(source="bms1", text="done early")
        assert [(e.alarm_id, e.previous, e.state) for e in history] == [
            ("link.bms1", AlarmState.SHELVED, AlarmState.UNACK)
        ]


async def test_mode_setpoint_and_control_changes_are_journaled_as_events(tmp_path):
    async with controlled_station(tmp_path, "none", "12:00") as (runtime, _sim):
        watch = AlarmWatch(runtime)
        events = {"event.mode", "event.setpoint", "event.control"}
        try:
            await runtime.set_mode("standby", "carol", "commissioning")
            await runtime.set_manual("pcs1.p_set", 50.0, "carol", "test charge")
            section = copy.deepcopy(CONTROL)
            section["strategies"][0]["params"]["limit_kw"] = 650
            await runtime.update_control(section, "dave", "new demand limit")
            await watch.until(lambda es: events <= {e.alarm_id for e in es}, 10)
        finally:
            watch.close()
        assert runtime.alarms is not None
        await runtime.alarms.flush()
        journaled = {e.alarm_id: e for e in _journal(tmp_path) if e.kind == "event"}
        assert set(journaled) == events
        assert (journaled["event.mode"].user, journaled["event.mode"].comment) == (
            "carol",
            "commissioning",
        )
        assert "standby" in journaled["event.mode"].message
        assert journaled["event.setpoint"].point_id == "pcs1.p_set"
        assert (journaled["event.control"].user, journaled["event.control"].comment) == (
            "dave",
            "new demand limit",
        )


async def test_a_storm_batch_and_failed_commands_are_journaled_without_blocking(tmp_path):
    bus = EventBus()
    service = AlarmService(load_station(DEMO_STATION), tmp_path, bus, time.time)
    seen: list[JournalEntry] = []
    bus.subscribe(ALARMS, seen.extend)
    await service.start()
    try:
        storm = [
            JournalEntry(1000.0 + i, f"x.{i}", "system", Priority.LOW, AlarmState.UNACK, "storm")
            for i in range(5000)
        ]
        t0 = time.perf_counter()
        service.submit(storm)
        assert time.perf_counter() - t0 < 0.05  # the fsync happens on the journal's thread
        ok = CommandResult("pcs1.p_set", 10.0, True, "ok", 10.0, 1, 2000.0)
        bus.publish(COMMAND, ok)  # the audit trail has it; the journal keeps failures only
        failed = replace(ok, ok=False, result="timeout: no read-back", ts=2001.0)
        bus.publish(COMMAND, failed)
        bus.publish(COMMAND, replace(failed, ts=2002.0))  # the same run of failures: folded
        bus.publish(COMMAND, replace(ok, ts=2003.0))
        bus.publish(COMMAND, replace(failed, ts=2004.0))  # a new run: journaled again
        await service.flush()
        # + deviation.pcs1.p_set: raised by the timeout, cleared by the ok, raised again
        assert len(seen) == 5002 + 3
    finally:
        await service.stop()
    journaled = _journal(tmp_path)
    assert len(journaled) == 5002 + 3
    events = [e for e in journaled if e.kind == "event"]
    assert [e.ts for e in events] == [2001.0, 2004.0]
    failed = events[0]
    assert (failed.kind, failed.alarm_id, failed.source) == ("event", "event.command", "pcs1")
    assert failed.priority is Priority.HIGH and "timeout" in failed.message


def _good(runtime: Runtime, point_id: str) -> bool:
    pv = runtime.points.get(point_id)
    return pv is not None and pv.is_good


def _state(alarm_id: str, state: AlarmState) -> Callable[[list[JournalEntry]], bool]:
    return lambda entries: any(e.alarm_id == alarm_id and e.state is state for e in entries)


async def test_the_soc_floor_clamp_of_the_real_loop_raises_its_protection_alarm(tmp_path):
    # the simulator starts at 60 % SOC: with the floor at 70 % a discharge is cut to 0 kW
    control = {**copy.deepcopy(CONTROL), "mode": "manual", "protection": {"soc_min_pct": 70}}
    async with controlled_station(tmp_path, "none", "12:00", control) as (runtime, _sim):
        watch = AlarmWatch(runtime)
        try:
            await runtime.set_manual("pcs1.p_set", 100.0, "carol", "discharge test")
            await watch.until(_raised("protection.soc_floor"), timeout=15)
            (raised,) = [e for e in watch.entries if e.alarm_id == "protection.soc_floor"]
            assert (raised.source, raised.priority) == ("control", Priority.MEDIUM)
            assert "<= 70 %: no discharge" in raised.message
            assert "pcs1.p_set 100 -> 0" in raised.message
            # charging is not cut: the next cycle returns it to normal
            await runtime.set_manual("pcs1.p_set", -50.0, "carol", "charge instead")
            await watch.until(_state("protection.soc_floor", AlarmState.RTN_UNACK), timeout=15)
            # inputs were usable all along: no fail-safe, not even at the start
            assert not [e for e in watch.entries if e.alarm_id == "protection.failsafe"]
        finally:
            watch.close()
        assert runtime.alarms is not None
        await runtime.alarms.flush()
        journaled = _journal(tmp_path, alarm_id="protection.soc_floor")
        assert [e.state for e in journaled] == [AlarmState.UNACK, AlarmState.RTN_UNACK]


async def test_a_setpoint_the_pcs_does_not_read_back_raises_deviation_until_an_ok(tmp_path):
    async with station(tmp_path) as (runtime, sim, watch):
        await wait_until(runtime, lambda: _good(runtime, "pcs1.p_set"), timeout=10)
        # remote mode without the watchdog (nothing sends a heartbeat here)
        for pid, value in (("pcs1.watchdog_timeout", 0.0), ("pcs1.mode", 0.0)):
            assert (await runtime.write(pid, value, "erin", "commissioning")).ok
        # the PCS takes the write but serves garbage: p_set is never read back good
        sim.set_fault("pcs1", "garbage")
        result = await runtime.write("pcs1.p_set", 50.0, "erin", "deviation test")
        assert result.result.startswith("timeout")
        await watch.until(_raised("deviation.pcs1.p_set"), timeout=5)
        assert "deviation.pcs1.p_set" in {v.alarm_id for v in runtime.alarms_active()}
        sim.set_fault("pcs1", None)
        assert (await runtime.write("pcs1.p_set", 50.0, "erin", "again")).ok
        await watch.until(_state("deviation.pcs1.p_set", AlarmState.RTN_UNACK), timeout=5)
        assert runtime.alarms is not None
        await runtime.alarms.flush()
        raised, cleared = _journal(tmp_path, alarm_id="deviation.pcs1.p_set")
        assert (raised.source, raised.priority, raised.point_id) == (
            "pcs1",
            Priority.HIGH,
            "pcs1.p_set",
        )
        assert "= 50 not followed: timeout" in raised.message
        assert cleared.state is AlarmState.RTN_UNACK
        # the failed-command event is kept beside the alarm
        assert [e.kind for e in _journal(tmp_path, alarm_id="event.command")] == ["event"]


async def test_after_stop_the_alarm_facade_raises_and_journals_nothing(tmp_path):
    async with station(tmp_path) as (runtime, sim, watch):
        await sim.stop()
        await watch.until(_raised("link.pcs1"), timeout=20)
    # the runtime is stopped: the journal is closed and must stay as it is
    journaled = len(_journal(tmp_path))
    assert "link.pcs1" in {v.alarm_id for v in runtime.alarms_active()}  # still readable
    with pytest.raises(AlarmServiceStopped, match="not running"):
        await runtime.acknowledge_alarms(["link.pcs1"], "alice", "too late")
    with pytest.raises(AlarmServiceStopped):
        await runtime.shelve_alarm("link.pcs1", "alice", "too late", 60)
    with pytest.raises(AlarmServiceStopped):
        await runtime.unshelve_alarm("link.pcs1", "alice", "too late")
    assert runtime.alarms is not None
    assert runtime.alarms.engine.alarm("link.pcs1").state is AlarmState.UNACK
    assert len(_journal(tmp_path)) == journaled


async def test_a_silent_bms_engages_the_fail_safe_alarm_until_it_answers_again(tmp_path):
    async with controlled_station(tmp_path, "none", "12:00") as (runtime, sim):
        await wait_until(runtime, lambda: _good(runtime, "bms1.soc"), timeout=10)
        watch = AlarmWatch(runtime)
        try:
            sim.set_fault("bms1", "silent")
            await watch.until(_raised("protection.failsafe"), timeout=30)
            (raised,) = [e for e in watch.entries if e.alarm_id == "protection.failsafe"]
            assert (raised.source, raised.priority) == ("control", Priority.HIGH)
            assert "0 kW" in raised.message and "bms1." in raised.message
            sim.set_fault("bms1", None)
            await watch.until(_state("protection.failsafe", AlarmState.RTN_UNACK), timeout=30)
        finally:
            watch.close()
