"""Shelves live in memory: a restart ends them, visibly, through the journal, and the alarm
is evaluated again."""

from __future__ import annotations

from collections.abc import Callable

from app.alarm_service import AlarmService
from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import AlarmState, Priority
from app.config.loader import load_station
from app.events import POINTS, EventBus
from app.paths import DEMO_STATION
from app.points import PointValue
from tests.station_support import wait_until
from tests.test_access import demo_plant, running

FAULT = "bms1.fault"  # digital, when 1, no delays
RESTART = "restart (shelved for: maintenance)"


def _journal(folder, **filters) -> list[JournalEntry]:
    with AlarmJournal(journal_path(folder)) as journal:
        return journal.entries(**filters)


def test_latest_in_lists_the_alarms_whose_latest_entry_is_in_a_state(tmp_path):
    def e(ts: float, alarm_id: str, state: AlarmState, kind: str = "alarm") -> JournalEntry:
        return JournalEntry(ts, alarm_id, "x", Priority.LOW, state, "m", kind)

    with AlarmJournal(journal_path(tmp_path)) as journal:
        journal.record(
            [
                e(1.0, "a", AlarmState.SHELVED),
                e(2.0, "a", AlarmState.UNACK),  # a's shelve ended: not listed
                e(1.0, "b", AlarmState.UNACK),
                e(3.0, "b", AlarmState.SHELVED),
                e(3.0, "c", AlarmState.SHELVED),
                e(4.0, "event.x", AlarmState.NORMAL, "event"),
            ]
        )
        assert [x.alarm_id for x in journal.latest_in([AlarmState.SHELVED])] == ["b", "c"]
        both = journal.latest_in([AlarmState.SHELVED, AlarmState.UNACK])
        assert [(x.alarm_id, x.ts) for x in both] == [("a", 2.0), ("b", 3.0), ("c", 3.0)]
        assert journal.latest_in([]) == []


async def _service(folder, clock: Callable[[], float]) -> tuple[AlarmService, EventBus]:
    bus = EventBus()
    service = AlarmService(load_station(DEMO_STATION), folder, bus, clock)
    await service.start()
    return service, bus


async def test_a_restart_ends_each_shelve_through_the_journal_and_evaluates_again(tmp_path):
    now = 1000.0
    service, bus = await _service(tmp_path, lambda: now)
    try:
        bus.publish(POINTS, {FAULT: PointValue(1, 1000.0)})
        assert service.engine.alarm(FAULT).state is AlarmState.UNACK
        now = 1001.0
        service.shelve(FAULT, "bob", "maintenance", 3600)
        service.shelve("link.pcs1", "bob", "maintenance", 3600)  # a normal alarm, shelved
        assert [v.alarm_id for v in service.shelved()] == [FAULT, "link.pcs1"]
    finally:
        await service.stop()

    now = 1100.0  # well within the hour: only the restart ends the shelves
    service, bus = await _service(tmp_path, lambda: now)
    try:
        assert service.shelved() == []
        assert service.engine.alarm(FAULT).state is AlarmState.NORMAL  # no value yet
        bus.publish(POINTS, {FAULT: PointValue(1, 1101.0)})  # the condition is still there
        assert [v.alarm_id for v in service.active()] == [FAULT]
        await service.flush()
    finally:
        await service.stop()

    ended = _journal(tmp_path, since=1100.0)
    assert [(e.ts, e.alarm_id, e.previous, e.state, e.user, e.comment) for e in ended] == [
        (1100.0, FAULT, AlarmState.SHELVED, AlarmState.NORMAL, None, RESTART),
        (1100.0, "link.pcs1", AlarmState.SHELVED, AlarmState.NORMAL, None, RESTART),
        (1101.0, FAULT, AlarmState.NORMAL, AlarmState.UNACK, None, "condition active"),
    ]
    assert ended[0].message == (
        "Shelve of bms1.fault by bob ended by restart; the alarm is evaluated again"
    )
    assert (ended[0].source, ended[0].priority, ended[0].point_id) == ("bms1", "high", FAULT)

    now = 1200.0  # the next restart has no shelve left to end
    service, _bus = await _service(tmp_path, lambda: now)
    await service.stop()
    assert _journal(tmp_path, since=1102.0) == []


async def test_the_running_station_annunciates_a_shelved_condition_again_after_a_restart(
    tmp_path,
):
    h = "bms1.cell_t_max.H"
    lowered = {"alarm_overrides": {"bms1.cell_t_max": {"h": 1, "on_delay_s": 0}}}
    data = tmp_path / "data"
    async with demo_plant(tmp_path, lowered) as (path, port, _sim):
        async with running(path, data, port) as runtime:
            alarms = runtime.alarms
            assert alarms is not None
            await wait_until(runtime, lambda: alarms.engine.alarm(h).state is AlarmState.UNACK, 15)
            await runtime.shelve_alarm(h, "alice", "maintenance", 3600)
            assert [v.alarm_id for v in runtime.alarms_shelved()] == [h]
        async with running(path, data, port) as runtime:
            alarms = runtime.alarms
            assert alarms is not None
            assert runtime.alarms_shelved() == []
            await wait_until(runtime, lambda: alarms.engine.alarm(h).state is AlarmState.UNACK, 15)
            assert h in {v.alarm_id for v in runtime.alarms_active()}
            await alarms.flush()
    entries = _journal(data, alarm_id=h)
    assert [(e.previous, e.state, e.user) for e in entries] == [
        (AlarmState.NORMAL, AlarmState.UNACK, None),
        (AlarmState.UNACK, AlarmState.SHELVED, "alice"),
        (AlarmState.SHELVED, AlarmState.NORMAL, None),  # the restart, journaled
        (AlarmState.NORMAL, AlarmState.UNACK, None),  # annunciated again
    ]
    assert "ended by restart" in entries[2].message and entries[2].comment == RESTART
