"""Out of service (ISA-18.2): maintenance takes an alarm out until someone returns it. The
engine with explicit timestamps, the alarm service across restarts, and the running
station's facade (permission, audit, restart)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest

from app.access import PermissionDenied
from app.alarm_service import AlarmService, AlarmServiceStopped
from app.alarms.engine import AlarmEngine
from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.journal_entry import JournalEntry
from app.alarms.lifecycle import AlarmError
from app.alarms.states import AlarmState, Priority
from app.config.loader import load_station
from app.drivers_api import LinkState
from app.events import POINTS, EventBus
from app.model import Station
from app.paths import DEMO_STATION
from app.points import PointValue
from tests.station_support import wait_until
from tests.test_access import ACCESS, audit_rows, demo_plant, running

T0 = 1_750_000_000.0
TRIP = "brk_grid.tripped"  # digital, when 1, high, no delays
FAULT = "bms1.fault"  # digital, when 1, high, no delays; device bms1
OOS = AlarmState.OUT_OF_SERVICE


@pytest.fixture(scope="module")
def station() -> Station:
    return load_station(DEMO_STATION)


@pytest.fixture
def engine(station: Station) -> AlarmEngine:
    return AlarmEngine(station)


def trip(engine: AlarmEngine, value: bool, ts: float) -> list[JournalEntry]:
    return engine.on_points({TRIP: PointValue(value, ts)})


def moves(entries: list[JournalEntry]) -> list[tuple[str, AlarmState | None, AlarmState]]:
    return [(e.alarm_id, e.previous, e.state) for e in entries]


# --- the engine ---------------------------------------------------------------------------


def test_out_of_service_hides_the_alarm_but_keeps_evaluating_and_counting_it(
    engine: AlarmEngine,
) -> None:
    trip(engine, True, T0)
    (entry,) = engine.remove_from_service(TRIP, "mia", "breaker aux contact faulty", T0 + 1)
    assert (entry.previous, entry.state, entry.user, entry.comment) == (
        AlarmState.UNACK,
        OOS,
        "mia",
        "breaker aux contact faulty",
    )
    assert (entry.source, entry.priority, entry.point_id) == ("brk_grid", Priority.HIGH, TRIP)
    assert engine.active() == [] and engine.shelved() == []
    assert [(v.alarm_id, v.state) for v in engine.out_of_service()] == [(TRIP, OOS)]

    # the condition chatters on: nothing is journaled or annunciated, everything is counted
    assert trip(engine, False, T0 + 2) == []
    assert trip(engine, True, T0 + 3) == []
    assert trip(engine, False, T0 + 4) == []
    assert trip(engine, True, T0 + 5) == []
    alarm = engine.alarm(TRIP)
    assert (alarm.activations, alarm.activated_ts, alarm.chattering) == (3, T0 + 5, True)
    assert engine.flood.floods == [] and engine.tick(T0 + 6) == []
    assert engine.active() == []


def test_return_to_service_shows_the_condition_as_it_is_now(engine: AlarmEngine) -> None:
    trip(engine, True, T0)
    engine.acknowledge(TRIP, "op", "seen", T0 + 1)
    engine.remove_from_service(TRIP, "mia", "aux contact", T0 + 2)
    # still active when returned: annunciated again, unacknowledged (the ack is not kept)
    (back,) = engine.return_to_service(TRIP, "mia", "contact replaced", T0 + 10)
    assert moves([back]) == [(TRIP, OOS, AlarmState.UNACK)]
    assert (back.user, back.comment, back.ts) == ("mia", "contact replaced", T0 + 10)
    assert [v.alarm_id for v in engine.active()] == [TRIP]
    assert engine.out_of_service() == []

    # cleared while out of service: returns to normal, nothing to acknowledge
    engine.remove_from_service(TRIP, "mia", "aux contact again", T0 + 11)
    assert trip(engine, False, T0 + 12) == []
    assert moves(engine.return_to_service(TRIP, "mia", "fixed", T0 + 13)) == [
        (TRIP, OOS, AlarmState.NORMAL)
    ]
    assert engine.active() == []


def test_a_return_that_annunciates_counts_towards_a_flood(engine: AlarmEngine) -> None:
    trip(engine, True, T0)
    engine.remove_from_service(TRIP, "mia", "aux contact", T0 + 1)
    recorded: list[float] = []
    engine.flood.record = recorded.append  # type: ignore[method-assign]
    engine.return_to_service(TRIP, "mia", "fixed", T0 + 5)
    assert recorded == [T0 + 5]


def test_taking_a_shelved_alarm_out_of_service_ends_its_shelve(engine: AlarmEngine) -> None:
    trip(engine, True, T0)
    engine.shelve(TRIP, "op", "nuisance", 600, T0 + 1)
    (entry,) = engine.remove_from_service(TRIP, "mia", "aux contact", T0 + 2)
    assert moves([entry]) == [(TRIP, AlarmState.SHELVED, OOS)]
    assert engine.shelved() == [] and engine.alarm(TRIP).shelved_until is None
    # the shelve's end time passes: nothing happens, the alarm stays out of service
    assert engine.tick(T0 + 700) == []
    assert engine.alarm(TRIP).state is OOS
    # returned before the shelve would have ended: not shelved again, the condition shows
    back = engine.return_to_service(TRIP, "mia", "fixed", T0 + 701)
    assert moves(back) == [(TRIP, OOS, AlarmState.UNACK)]
    # an alarm out of service cannot be shelved
    engine.remove_from_service(TRIP, "mia", "again", T0 + 702)
    with pytest.raises(AlarmError, match="only an alarm in service is shelved"):
        engine.shelve(TRIP, "op", "nuisance", 600, T0 + 703)


def test_suppression_by_a_link_loss_lies_under_out_of_service(engine: AlarmEngine) -> None:
    engine.on_points({FAULT: PointValue(True, T0)})
    engine.remove_from_service(FAULT, "mia", "BMS fault input wired wrong", T0 + 1)
    # the link drops and comes back while out of service: no entry for the fault alarm
    down = engine.on_link(LinkState("bms1", False, "timeout", T0 + 2))
    assert FAULT not in {e.alarm_id for e in down}
    assert engine.alarm(FAULT).state is OOS
    # returned while the link is down: it is suppressed (by design), not listed
    engine.on_link(LinkState("bms1", True, "", T0 + 3))
    engine.on_link(LinkState("bms1", False, "timeout", T0 + 4))
    assert moves(engine.return_to_service(FAULT, "mia", "rewired", T0 + 5)) == [
        (FAULT, OOS, AlarmState.SUPPRESSED)
    ]
    up = engine.on_link(LinkState("bms1", True, "", T0 + 6))
    assert (FAULT, AlarmState.SUPPRESSED, AlarmState.UNACK) in moves(up)


@pytest.mark.parametrize(
    ("user", "reason", "error"),
    [
        ("", "aux contact", "taking an alarm out of service needs a user"),
        ("mia", "", "taking an alarm out of service needs a reason"),
        ("mia", "   ", "taking an alarm out of service needs a reason"),
    ],
)
def test_out_of_service_needs_a_user_and_a_reason(
    engine: AlarmEngine, user: str, reason: str, error: str
) -> None:
    with pytest.raises(AlarmError, match=error):
        engine.remove_from_service(TRIP, user, reason, T0)
    assert engine.alarm(TRIP).state is AlarmState.NORMAL


def test_refusals_name_the_problem(engine: AlarmEngine) -> None:
    unknown = re.escape("unknown alarm 'no.such.alarm'")
    with pytest.raises(AlarmError, match=unknown):
        engine.remove_from_service("no.such.alarm", "mia", "why", T0)
    with pytest.raises(AlarmError, match=unknown):
        engine.return_to_service("no.such.alarm", "mia", "why", T0)
    with pytest.raises(AlarmError, match=re.escape(f"{TRIP} is not out of service (it is normal)")):
        engine.return_to_service(TRIP, "mia", "why", T0)
    engine.remove_from_service(TRIP, "mia", "aux contact", T0)
    with pytest.raises(AlarmError, match=f"{TRIP} is already out of service"):
        engine.remove_from_service(TRIP, "mia", "again", T0 + 1)
    with pytest.raises(AlarmError, match="returning an alarm to service needs a reason"):
        engine.return_to_service(TRIP, "mia", "", T0 + 2)
    assert engine.alarm(TRIP).state is OOS


def test_a_normal_alarm_can_be_taken_out_of_service(engine: AlarmEngine) -> None:
    (entry,) = engine.remove_from_service("link.pcs1", "mia", "PCS replaced", T0)
    assert moves([entry]) == [("link.pcs1", AlarmState.NORMAL, OOS)]
    # the link drops: counted, not annunciated
    assert engine.on_link(LinkState("pcs1", False, "refused", T0 + 1)) == []
    assert engine.alarm("link.pcs1").activations == 1
    assert moves(engine.return_to_service("link.pcs1", "mia", "PCS back", T0 + 2)) == [
        ("link.pcs1", OOS, AlarmState.UNACK)
    ]


# --- the alarm service across restarts ---------------------------------------------------


def _journal(folder, **filters) -> list[JournalEntry]:
    with AlarmJournal(journal_path(folder)) as journal:
        return journal.entries(**filters)


async def _service(
    folder, clock: Callable[[], float], station: Station | None = None
) -> tuple[AlarmService, EventBus]:
    bus = EventBus()
    service = AlarmService(station or load_station(DEMO_STATION), folder, bus, clock)
    await service.start()
    return service, bus


KEPT = "taken out of service by mia: BMS fault input wired wrong"


async def test_a_restart_keeps_an_alarm_out_of_service_and_says_so_once(tmp_path) -> None:
    now = 1000.0
    service, bus = await _service(tmp_path, lambda: now)
    try:
        bus.publish(POINTS, {FAULT: PointValue(1, 1000.0)})
        now = 1001.0
        service.remove_from_service(FAULT, "mia", "BMS fault input wired wrong")
        service.shelve("link.pcs1", "bob", "maintenance", 3600)  # a shelve, for contrast
    finally:
        await service.stop()
    with pytest.raises(AlarmServiceStopped):
        service.return_to_service(FAULT, "mia", "too late")

    now = 1100.0
    service, bus = await _service(tmp_path, lambda: now)
    try:
        assert [v.alarm_id for v in service.out_of_service()] == [FAULT]
        assert service.shelved() == []  # the shelve ended by the restart, as before
        bus.publish(POINTS, {FAULT: PointValue(1, 1101.0)})  # still faulty: not annunciated
        assert service.active() == []
        assert service.engine.alarm(FAULT).condition
        await service.flush()
    finally:
        await service.stop()

    kept = [e for e in _journal(tmp_path, since=1100.0) if e.alarm_id == FAULT]
    assert [(e.ts, e.previous, e.state, e.user, e.comment, e.kind) for e in kept] == [
        (1100.0, OOS, OOS, None, KEPT, "alarm")
    ]
    assert kept[0].message == f"{FAULT} kept out of service across restart"
    assert (kept[0].source, kept[0].priority, kept[0].point_id) == ("bms1", Priority.HIGH, FAULT)

    # the next restart still names who took it out; returning it shows the condition
    now = 1200.0
    service, bus = await _service(tmp_path, lambda: now)
    try:
        bus.publish(POINTS, {FAULT: PointValue(1, 1201.0)})
        now = 1202.0
        (back,) = service.return_to_service(FAULT, "mia", "rewired")
        assert back.state is AlarmState.UNACK
        assert [v.alarm_id for v in service.active()] == [FAULT]
        await service.flush()
    finally:
        await service.stop()
    later = [e for e in _journal(tmp_path, since=1200.0) if e.alarm_id == FAULT]
    assert [(e.previous, e.state, e.user, e.comment) for e in later] == [
        (OOS, OOS, None, KEPT),
        (OOS, AlarmState.UNACK, "mia", "rewired"),
    ]

    now = 1300.0  # back in service: a restart has nothing to keep
    service, _bus = await _service(tmp_path, lambda: now)
    assert service.out_of_service() == []
    await service.stop()
    assert [e for e in _journal(tmp_path, since=1300.0) if e.alarm_id == FAULT] == []


async def test_an_alarm_the_station_no_longer_has_is_reported_once(tmp_path) -> None:
    now = 1000.0
    service, _bus = await _service(tmp_path, lambda: now)
    try:
        service.remove_from_service(FAULT, "mia", "BMS fault input wired wrong")
    finally:
        await service.stop()

    station = load_station(DEMO_STATION)  # the station file changed: bms1.fault lost its rule
    points = {**station.points, FAULT: replace(station.points[FAULT], alarms=None)}
    changed = replace(station, points=points)
    for restart in (1100.0, 1200.0):  # the second restart has nothing left to report
        service, _bus = await _service(tmp_path, lambda t=restart: t, changed)
        assert service.out_of_service() == []
        await service.stop()
    gone = _journal(tmp_path, since=1001.0)
    assert [(e.ts, e.alarm_id, e.kind, e.state, e.priority, e.user) for e in gone] == [
        (1100.0, FAULT, "event", AlarmState.NORMAL, Priority.MEDIUM, None)
    ]
    assert gone[0].message == (
        f"{FAULT} was out of service but the station no longer has this alarm;"
        " nothing to keep out of service"
    )
    assert gone[0].comment == KEPT


# --- the running station ----------------------------------------------------------------


async def test_the_runtime_needs_edit_alarms_audits_and_keeps_it_across_a_restart(tmp_path):
    h = "bms1.cell_t_max.H"
    extra = {
        "access": ACCESS,  # alice supervisor (edit_alarms), bob operator
        "alarm_overrides": {"bms1.cell_t_max": {"h": 1, "on_delay_s": 0}},
    }
    data = tmp_path / "data"
    async with demo_plant(tmp_path, extra) as (path, port, _sim):
        async with running(path, data, port) as runtime:
            alarms = runtime.alarms
            assert alarms is not None
            await wait_until(runtime, lambda: alarms.engine.alarm(h).state is AlarmState.UNACK, 15)
            with pytest.raises(PermissionDenied, match="'bob' lacks the 'edit_alarms'"):
                await runtime.remove_alarm_from_service(h, "bob", "sensor faulty")
            assert runtime.alarms_out_of_service() == []
            await runtime.remove_alarm_from_service(h, "alice", "sensor faulty")
            assert [v.alarm_id for v in runtime.alarms_out_of_service()] == [h]
            assert h not in {v.alarm_id for v in runtime.alarms_active()}
            with pytest.raises(AlarmError, match="already out of service"):
                await runtime.remove_alarm_from_service(h, "alice", "twice")

        async with running(path, data, port) as runtime:
            alarms = runtime.alarms
            assert alarms is not None
            assert [v.alarm_id for v in runtime.alarms_out_of_service()] == [h]
            await wait_until(runtime, lambda: alarms.engine.alarm(h).condition, 15)
            assert h not in {v.alarm_id for v in runtime.alarms_active()}
            with pytest.raises(PermissionDenied, match="'bob' lacks the 'edit_alarms'"):
                await runtime.return_alarm_to_service(h, "bob", "looks fine")
            (back,) = await runtime.return_alarm_to_service(h, "alice", "sensor replaced")
            assert back.state is AlarmState.UNACK  # the cell is still above the lowered H
            assert h in {v.alarm_id for v in runtime.alarms_active()}
            await alarms.flush()

    entries = [e for e in _journal(data, alarm_id=h) if e.previous is not None]
    assert [(e.previous, e.state, e.user, e.comment) for e in entries] == [
        (AlarmState.NORMAL, AlarmState.UNACK, None, "condition active"),
        (AlarmState.UNACK, OOS, "alice", "sensor faulty"),
        (OOS, OOS, None, "taken out of service by alice: sensor faulty"),  # the restart
        (OOS, AlarmState.UNACK, "alice", "sensor replaced"),
    ]
    rows = audit_rows(data)
    assert [r for r in rows if r[1] in ("alarm_out_of_service", "alarm_in_service")] == [
        ("bob", "alarm_out_of_service", h, None, None, "denied: needs edit_alarms"),
        ("alice", "alarm_out_of_service", h, "unack", "out_of_service", "ok"),
        ("bob", "alarm_in_service", h, None, None, "denied: needs edit_alarms"),
        ("alice", "alarm_in_service", h, "out_of_service", "unack", "ok"),
    ]
    denied = _journal(data, alarm_id="event.denied")
    assert [(e.user, e.comment) for e in denied] == [("bob", "needs edit_alarms")] * 2
