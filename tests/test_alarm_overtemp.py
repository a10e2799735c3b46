"""Cell over-temperature escalates to CRITICAL, with its fail-safe in the message (issue 9:
"a cell at 70 °C and still heating stays a HIGH alarm")."""

from __future__ import annotations

import pytest

from app.alarms.engine import AlarmEngine
from app.alarms.journal_entry import JournalEntry
from app.alarms.rules import AnalogRule, merge_override, parse_rule
from app.alarms.states import AlarmState, Priority
from app.config.loader import load_station
from app.control.protection import ProtectionParams
from app.model import Station
from app.paths import DEMO_STATION
from app.points import PointValue

T0 = 1_750_000_000.0
TEMP = "bms1.cell_t_max"  # the shipped bms template's rule, through the demo station


@pytest.fixture(scope="module")
def station() -> Station:
    return load_station(DEMO_STATION)


def _heat(engine: AlarmEngine, start: float, stop: float, per_s: float) -> list[JournalEntry]:
    """The cell heats from ``start`` to ``stop`` °C at ``per_s`` °C/s, one value a second."""
    out: list[JournalEntry] = []
    value, ts = start, T0
    while value <= stop:
        out += engine.on_points({TEMP: PointValue(round(value, 2), ts)})
        out += engine.tick(ts)
        value += per_s
        ts += 1.0
    return out


def test_a_cell_heating_past_the_stop_temperature_is_a_critical_alarm(station: Station) -> None:
    engine = AlarmEngine(station)
    entries = _heat(engine, 40.0, 70.0, 0.25)
    raised = {e.alarm_id: e for e in entries if e.state is AlarmState.UNACK}
    assert raised[f"{TEMP}.H"].priority is Priority.MEDIUM  # derating starts
    critical = raised[f"{TEMP}.HH"]
    assert critical.priority is Priority.CRITICAL
    # the fail-safe: what protection does and what the operator checks, in both languages
    assert "limit 55 °C" in critical.message
    assert critical.message.endswith(
        " — fail-safe: protection holds the PCS at 0 kW; check cooling and fire protection on site"
    )
    assert "失效安全：保护已将 PCS 保持 0 kW" in critical.message_zh
    # H's text is unchanged: the response belongs to HH only
    assert "fail-safe" not in raised[f"{TEMP}.H"].message
    # the most urgent alarm leads the list while the cell is at 70 °C
    top = engine.active()[0]
    assert (top.alarm_id, top.priority) == (f"{TEMP}.HH", Priority.CRITICAL)


def test_the_critical_limit_is_where_protection_holds_the_pcs(station: Station) -> None:
    # "PCS held at 0 kW" is only true at or above protection's stop temperature
    rule = station.points[TEMP].alarms
    assert isinstance(rule, AnalogRule) and rule.hh is not None
    stop = ProtectionParams(pcs_rating_kw=500).temp_stop_c
    if station.control is not None:
        stop = station.control.protection.temp_stop_c
    assert rule.hh >= stop


def test_a_response_is_checked_and_removed_with_its_limit() -> None:
    with pytest.raises(ValueError, match="response names hh, which has no limit"):
        parse_rule("analog", {"h": 45, "response": {"hh": "x"}})
    with pytest.raises(ValueError, match="unknown level 'hhh'"):
        parse_rule("analog", {"hh": 55, "response": {"hhh": "x"}})
    base = {"h": 45, "hh": 55, "priority": {"hh": "critical"}, "response": {"hh": "held"}}
    merged = merge_override(base, {"hh": None})
    assert merged == {"h": 45, "priority": {}, "response": {}}
    assert parse_rule("analog", merged).response == {}
