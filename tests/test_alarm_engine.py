"""The alarm engine on the demo station's rules, with explicit timestamps (issue 4)."""

from __future__ import annotations

import pytest

from app.alarms.engine import AlarmEngine
from app.alarms.journal_entry import JournalEntry
from app.alarms.lifecycle import AlarmError
from app.alarms.states import AlarmState, Priority
from app.config.loader import load_station
from app.drivers_api import LinkState
from app.model import Station
from app.paths import DEMO_STATION
from app.points import PointValue, Quality
from simulator import ManualClock, SimulatorConfig
from simulator.clock import parse_sim_start
from simulator.plant import Plant
from simulator.scenarios import SCENARIOS

T0 = 1_750_000_000.0
TEMP = "bms1.cell_t_max"  # H 45 (medium), HH 55 (high), deadband 1, on 5 s, off 10 s
TRIP = "brk_grid.tripped"  # digital, when 1, high


@pytest.fixture(scope="module")
def station() -> Station:
    return load_station(DEMO_STATION)


@pytest.fixture
def engine(station: Station) -> AlarmEngine:
    return AlarmEngine(station)


def pv(value: float | bool | None, ts: float, quality: Quality = Quality.GOOD) -> PointValue:
    return PointValue(value, ts, quality)


def states(entries: list[JournalEntry]) -> list[tuple[str, AlarmState]]:
    return [(e.alarm_id, e.state) for e in entries]


def test_analog_limits_with_on_delay_through_the_engine(engine: AlarmEngine) -> None:
    assert engine.on_points({TEMP: pv(50.0, T0)}) == []
    assert engine.on_points({TEMP: pv(50.0, T0 + 4)}) == []  # still inside the 5 s on-delay
    (entry,) = engine.on_points({TEMP: pv(50.5, T0 + 5)})
    assert (entry.alarm_id, entry.state, entry.priority) == (f"{TEMP}.H", "unack", "medium")
    assert (entry.source, entry.point_id, entry.previous) == ("bms1", TEMP, "normal")
    assert "limit 45 °C" in entry.message and entry.message.endswith("50.5 °C")
    # the Chinese text beside it: the point's Chinese name, the level word, limit and value
    assert entry.message_zh == "最高单体温度高（限值 45 °C）：50.5 °C"
    assert entry.text("zh_CN") == entry.message_zh and entry.text("en") == entry.message
    assert engine.on_points({TEMP: pv(56.0, T0 + 6)}) == []
    # no new value: the HH on-delay completes at the cycle's tick
    assert states(engine.tick(T0 + 10)) == []
    assert states(engine.tick(T0 + 11)) == [(f"{TEMP}.HH", AlarmState.UNACK)]


def test_digital_fault_bit(engine: AlarmEngine) -> None:
    (entry,) = engine.on_points({TRIP: pv(True, T0)})
    assert (entry.alarm_id, entry.state, entry.priority) == (TRIP, "unack", Priority.HIGH)
    assert entry.message == "Breaker tripped"
    assert entry.message_zh == "断路器跳闸"  # the template's message: {en: ..., zh: ...}
    # a bad value keeps the state: the quality alarm reports it
    assert engine.on_points({TRIP: pv(None, T0 + 1, Quality.BAD_TIMEOUT)}) == []
    assert states(engine.on_points({TRIP: pv(False, T0 + 2)})) == [(TRIP, "rtn_unack")]
    assert states(engine.acknowledge(TRIP, "op", "reset on site", T0 + 3)) == [(TRIP, "normal")]
    assert engine.active() == []


def test_link_down_raises_one_alarm_per_device_and_suppresses_its_points(
    station: Station, engine: AlarmEngine
) -> None:
    engine.on_points({TEMP: pv(50.0, T0), TRIP: pv(True, T0)})
    engine.on_points({TEMP: pv(50.0, T0 + 5)})  # H active
    entries: list[JournalEntry] = []
    for dev in station.devices:  # the simulator stops: every link goes down
        entries += engine.on_link(LinkState(dev, False, "connection refused", T0 + 10))
    annunciated = [e for e in entries if e.state is AlarmState.UNACK]
    assert sorted(e.alarm_id for e in annunciated) == sorted(f"link.{d}" for d in station.devices)
    assert all(e.priority is Priority.HIGH for e in annunciated)
    # of the point alarms, only those that were listed are journaled as leaving the list
    assert {(e.alarm_id, e.state) for e in entries if e not in annunciated} == {
        (f"{TEMP}.H", AlarmState.SUPPRESSED),
        (TRIP, AlarmState.SUPPRESSED),
    }
    assert {v.alarm_id for v in engine.active()} == {f"link.{d}" for d in station.devices}
    (link,) = [e for e in annunciated if e.alarm_id == "link.bms1"]
    assert link.message == "Communication lost: bms1 (connection refused)"
    assert link.message_zh == "通信中断：电池管理系统 (connection refused)"  # the device's zh name
    (view,) = [v for v in engine.active() if v.alarm_id == "link.bms1"]
    assert view.text("zh") == link.message_zh and view.text("en") == link.message

    # still evaluated and counted while suppressed, without annunciation
    assert engine.on_points({TEMP: pv(60.0, T0 + 11)}) == []
    assert engine.tick(T0 + 16) == []
    hh = engine.alarm(f"{TEMP}.HH")
    assert (hh.state, hh.condition, hh.activations) == (AlarmState.SUPPRESSED, True, 1)

    # link up: the device's alarms show their condition as it is now
    up = engine.on_link(LinkState("bms1", True, "", T0 + 20))
    assert set(states(up)) == {
        ("link.bms1", AlarmState.RTN_UNACK),
        (f"{TEMP}.H", AlarmState.UNACK),
        (f"{TEMP}.HH", AlarmState.UNACK),
    }
    assert engine.alarm(TRIP).state is AlarmState.SUPPRESSED  # brk_grid still down


def test_acknowledge_and_shelve_through_the_engine(engine: AlarmEngine) -> None:
    engine.on_points({TRIP: pv(True, T0), "pcs1.fault": pv(True, T0)})
    acked = engine.acknowledge_all([TRIP, "pcs1.fault"], "op", "seen", T0 + 1)
    assert [(e.state, e.user, e.comment) for e in acked] == [("acked", "op", "seen")] * 2
    (shelved,) = engine.shelve(TRIP, "op", "breaker under repair", 60, T0 + 2)
    assert (shelved.state, shelved.user, shelved.comment) == (
        "shelved",
        "op",
        "breaker under repair",
    )
    assert [v.alarm_id for v in engine.active()] == ["pcs1.fault"]
    assert [v.alarm_id for v in engine.shelved()] == [TRIP]
    assert engine.tick(T0 + 61) == []
    # expiry re-evaluates against the current value: still tripped -> unack
    assert states(engine.tick(T0 + 62)) == [(TRIP, AlarmState.UNACK)]
    with pytest.raises(AlarmError):
        engine.shelve(TRIP, "op", "forever", float("inf"), T0 + 63)
    with pytest.raises(AlarmError, match="unknown alarm"):
        engine.acknowledge("nope.x", "op", "", T0)


def test_active_list_is_sorted_by_priority_then_newest_first(engine: AlarmEngine) -> None:
    engine.on_points({"bms1.soc": pv(9.0, T0)})  # L, low
    engine.on_points({"bms1.soc": pv(9.0, T0 + 5), TRIP: pv(True, T0 + 5)})
    engine.on_points({"pcs1.fault": pv(True, T0 + 6)})  # high, newer than the trip
    engine.on_points({"tx1.trip_over_temp": pv(True, T0 + 7)})  # critical
    assert [(v.alarm_id, v.priority) for v in engine.active()] == [
        ("tx1.trip_over_temp", "critical"),
        ("pcs1.fault", "high"),
        (TRIP, "high"),
        ("bms1.soc.L", "low"),
    ]


def test_flood_and_chattering_are_counted(engine: AlarmEngine) -> None:
    for k in range(10):  # a chattering trip bit: 10 activations in 20 s
        engine.on_points({TRIP: pv(True, T0 + 2 * k)})
        engine.on_points({TRIP: pv(False, T0 + 2 * k + 1)})
    assert not engine.flood.in_flood
    engine.on_points({"pcs1.fault": pv(True, T0 + 30)})  # the 11th: more than 10 in 10 min
    assert engine.flood.in_flood and engine.alarm(TRIP).chattering
    engine.tick(T0 + 30 + 600)
    assert not engine.flood.in_flood and engine.flood.time_in_flood(T0 + 700) > 0


def test_a_point_bad_for_longer_than_stale_s_raises_its_devices_quality_alarm(
    station: Station,
) -> None:
    engine = AlarmEngine(station, stale_s=30)
    engine.on_points({"pcs1.p": pv(None, T0, Quality.BAD_INVALID), "pcs1.q": pv(1.0, T0)})
    assert engine.tick(T0 + 29) == []
    (entry,) = engine.tick(T0 + 30)
    assert (entry.alarm_id, entry.state, entry.source) == ("quality.pcs1", "unack", "pcs1")
    assert "pcs1.p" in entry.message
    engine.on_points({"pcs1.p": pv(100.0, T0 + 31)})
    assert states(engine.tick(T0 + 31)) == [("quality.pcs1", AlarmState.RTN_UNACK)]
    engine.acknowledge("quality.pcs1", "op", "", T0 + 32)
    # points bad because the link is down are the link alarm's, not the quality alarm's
    engine.on_link(LinkState("pcs1", False, "timeout", T0 + 40))
    engine.on_points({"pcs1.p": pv(None, T0 + 41, Quality.BAD_COMM_LOST)})
    assert engine.tick(T0 + 100) == []
    assert states(engine.on_link(LinkState("pcs1", True, "", T0 + 101))) == [
        ("link.pcs1", AlarmState.RTN_UNACK)
    ]
    assert engine.alarm("quality.pcs1").state is AlarmState.NORMAL


def _run_plant(station: Station, scenario: str, seconds: int) -> list[JournalEntry]:
    config = SimulatorConfig.for_station(station, cloudiness=0.4)
    clock = ManualClock(parse_sim_start("2025-07-16T13:00", config.site.zone))
    plant = Plant(clock, config.plant, config.site, cloudiness=0.4, scenario=SCENARIOS[scenario])
    role = {d.id: d.role for d in config.devices}
    engine = AlarmEngine(station)
    out: list[JournalEntry] = []
    for _ in range(seconds):
        clock.advance(1.0)
        snap = plant.refresh()
        batch = {
            f"{dev}.{pt}": PointValue(float(v), snap.t)
            for dev, r in role.items()
            for pt, v in snap.readings[r].items()
        }
        out += engine.on_points(batch) + engine.tick(snap.t)
    return out


def test_the_demo_plant_is_quiet_and_over_temperature_raises_h_then_hh(station: Station) -> None:
    assert _run_plant(station, "none", 60) == []
    raised = [
        e.alarm_id for e in _run_plant(station, "over_temperature", 300) if e.state == "unack"
    ]
    assert raised.index(f"{TEMP}.H") < raised.index(f"{TEMP}.HH")
