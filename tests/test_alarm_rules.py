"""Alarm rules as data: template rules and station overrides load into the model; each bad
rule is rejected at load with file, field and value, all problems at once (issue 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.alarms.analog import Level
from app.alarms.rules import AnalogRule, DigitalRule
from app.alarms.states import Priority
from app.alarms.text import AlarmText
from app.config.errors import ConfigError
from app.config.loader import load_station, load_template
from app.paths import BUILTIN_TEMPLATES, DEMO_STATION

TEMPLATE: dict[str, Any] = {
    "id": "rack",
    "name": {"en": "Battery rack"},
    "category": "bms",
    "protocol": "modbus",
    "defaults": {"table": "holding", "type": "uint16"},
    "points": [
        {
            "id": "t_max",
            "name": {"en": "Max cell temperature"},
            "unit": "°C",
            "address": {"register": 0},
            "alarms": {"h": 45, "hh": 55, "deadband": 1, "priority": {"h": "medium", "hh": "high"}},
        },
        {
            "id": "fault",
            "name": {"en": "Fault"},
            "kind": "digital",
            "address": {"register": 1, "bit": 0},
            "alarms": {"when": 1, "priority": "high", "message": "Rack fault"},
        },
        {"id": "soc", "name": {"en": "SOC"}, "unit": "%", "address": {"register": 2}},
        {
            "id": "p_set",
            "name": {"en": "Setpoint"},
            "kind": "setpoint",
            "address": {"register": 3},
        },
    ],
}


def _write(tmp_path: Path, template: dict[str, Any], overrides: Any = None) -> Path:
    (tmp_path / "templates").mkdir(exist_ok=True)
    tpath = tmp_path / "templates" / "rack.yaml"
    tpath.write_text(yaml.safe_dump(template, allow_unicode=True), encoding="utf-8")
    station: dict[str, Any] = {
        "station": {"id": "t", "name": {"en": "Test"}},
        "template_dirs": ["templates"],
        "connections": [
            {
                "id": "c",
                "driver": "modbus",
                "params": {"transport": "tcp", "host": "127.0.0.1", "port": 1502},
            }
        ],
        "devices": [
            {"id": "r1", "template": "rack", "connection": "c", "params": {"unit_id": 1}},
            {"id": "r2", "template": "rack", "connection": "c", "params": {"unit_id": 2}},
        ],
    }
    if overrides is not None:
        station["alarm_overrides"] = overrides
    path = tmp_path / "station.yaml"
    path.write_text(yaml.safe_dump(station, allow_unicode=True), encoding="utf-8")
    return path


def _template_with(point: int, alarms: Any) -> dict[str, Any]:
    points = [dict(p) for p in TEMPLATE["points"]]
    points[point]["alarms"] = alarms
    return {**TEMPLATE, "points": points}


def _issues(path: Path) -> list[tuple[str, str, Any, str]]:
    with pytest.raises(ConfigError) as info:
        load_station(path)
    return [(i.file, i.field, i.value, i.message) for i in info.value.issues]


def test_template_rules_load_into_the_model(tmp_path: Path) -> None:
    station = load_station(_write(tmp_path, TEMPLATE))
    rule = station.points["r1.t_max"].alarms
    assert isinstance(rule, AnalogRule)
    assert (rule.h, rule.hh, rule.deadband) == (45, 55, 1)
    assert rule.priority_of(Level.HH) is Priority.HIGH
    assert rule.priority_of(Level.H) is Priority.MEDIUM
    fault = station.points["r2.fault"].alarms
    assert isinstance(fault, DigitalRule)
    assert (fault.when, fault.priority, fault.message) == (1, Priority.HIGH, "Rack fault")
    assert station.points["r1.soc"].alarms is None
    assert set(station.alarm_rules) == {"r1.t_max", "r1.fault", "r2.t_max", "r2.fault"}


def test_station_override_changes_one_device_only(tmp_path: Path) -> None:
    overrides = {
        "r1.t_max": {"h": 48, "on_delay_s": 5},
        "r2.t_max": {"h": None},  # null removes the template's H (and its priority)
        "r2.fault": {"priority": "low"},
        "r1.soc": {"l": 10, "ll": 5},  # a point without a template rule gets one
    }
    station = load_station(_write(tmp_path, TEMPLATE, overrides))
    r1 = station.points["r1.t_max"].alarms
    r2 = station.points["r2.t_max"].alarms
    assert isinstance(r1, AnalogRule) and isinstance(r2, AnalogRule)
    assert (r1.h, r1.hh, r1.on_delay_s, r1.deadband) == (48, 55, 5, 1)
    assert r1.priority_of(Level.HH) is Priority.HIGH  # kept from the template
    assert r2.levels() == (Level.HH,) and r2.priority_of(Level.HH) is Priority.HIGH
    fault = station.points["r2.fault"].alarms
    assert isinstance(fault, DigitalRule) and fault.priority is Priority.LOW
    assert fault.message == "Rack fault"
    soc = station.points["r1.soc"].alarms
    assert isinstance(soc, AnalogRule) and soc.levels() == (Level.LL, Level.L)
    assert station.points["r2.soc"].alarms is None


def test_overlapping_limits_are_named_with_file_field_and_value(tmp_path: Path) -> None:
    path = _write(tmp_path, _template_with(0, {"h": 60, "hh": 55}))
    ((file, field, value, message),) = _issues(path)
    assert file.endswith("rack.yaml") and field == "points[0].alarms.h" and value == 60
    assert "h=60 is not below hh=55" in message


def test_every_bad_template_rule_is_reported_at_once(tmp_path: Path) -> None:
    template = _template_with(0, {"h": "hot", "priority": "urgent"})
    template["points"][1]["alarms"] = {"when": 2}
    template["points"][3]["alarms"] = {"h": 1}  # a setpoint carries no alarms
    issues = {(f, repr(v)): m for _, f, v, m in _issues(_write(tmp_path, template))}
    assert len(issues) == 4  # every problem, each once (two devices use the template)
    assert ("points[0].alarms.h", "'hot'") in issues
    assert "unknown priority 'urgent'" in issues[("points[0].alarms.priority", "'urgent'")]
    assert ("points[1].alarms.when", "2") in issues
    assert "setpoint point carries no alarms" in issues[("points[3].alarms", "{'h': 1}")]


def test_analog_keys_on_a_digital_point_are_unknown_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, _template_with(1, {"h": 1}))
    ((_, field, value, message),) = _issues(path)
    assert (field, value) == ("points[1].alarms.h", 1) and "unknown key" in message


def test_a_message_is_a_text_or_a_mapping_of_english_and_chinese(tmp_path: Path) -> None:
    rack = {"en": "Rack temperature", "zh": "电池架温度"}
    template = _template_with(0, {"h": 45, "roc": {"max_per_s": 1, "message": {"en": "Rack"}}})
    template["points"][1]["alarms"] = {"message": rack}
    station = load_station(_write(tmp_path, template, {"r2.fault": {"message": "Rack 2 fault"}}))
    r1, r2 = station.points["r1.fault"].alarms, station.points["r2.fault"].alarms
    assert isinstance(r1, DigitalRule) and isinstance(r2, DigitalRule)
    assert r1.message == AlarmText(en="Rack temperature", zh="电池架温度")
    assert r2.message == "Rack 2 fault"  # a plain text: the same in both languages
    t_max = station.points["r1.t_max"].alarms
    assert isinstance(t_max, AnalogRule) and t_max.roc is not None
    assert t_max.roc.message == AlarmText(en="Rack")  # zh left out: shown in English
    # an unknown language key is an error on the field, naming the key
    bad = _template_with(1, {"message": {"en": "Rack fault", "fr": "Défaut"}})
    ((_, field, _, message),) = _issues(_write(tmp_path, bad))
    assert field == "points[1].alarms.message" and "unknown key 'fr'" in message
    bad = _template_with(1, {"message": {"zh": "故障"}})  # English is required
    ((_, field, _, message),) = _issues(_write(tmp_path, bad))
    assert field == "points[1].alarms.message" and "en:" in message


def test_bad_overrides_name_the_station_file_field_and_value(tmp_path: Path) -> None:
    overrides = {
        "r1.t_mx": {"h": 40},  # a missing point
        "r1.t_max": {"h": 70},  # above the template's HH 55
        "r2.t_max": {"deadband": "wide"},  # wrong type
        "r1.fault": {"when": "on"},
    }
    path = _write(tmp_path, TEMPLATE, overrides)
    issues = _issues(path)
    assert all(file == str(path) for file, *_ in issues)
    found = sorted((field, repr(value)) for _, field, value, _ in issues)
    assert found == sorted(
        (f, repr(v))
        for f, v in [
            ("alarm_overrides.r1.t_mx", {"h": 40}),
            ("alarm_overrides.r1.t_max.h", 70),
            ("alarm_overrides.r2.t_max.deadband", "wide"),
            ("alarm_overrides.r1.fault.when", "on"),
        ]
    )
    missing = next(m for _, f, _, m in issues if f == "alarm_overrides.r1.t_mx")
    assert missing == "unknown point"


def test_load_template_rejects_a_bad_rule(tmp_path: Path) -> None:
    path = tmp_path / "rack.yaml"
    path.write_text(yaml.safe_dump(_template_with(0, {"deadband": 1})), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_template(path)
    (issue,) = info.value.issues
    assert issue.field == "points[0].alarms" and "at least one of hh, h, l, ll" in issue.message


def test_shipped_templates_carry_the_plant_limits() -> None:
    bms = {p.id: p for p in load_template(BUILTIN_TEMPLATES / "bms.yaml").points}
    assert bms["cell_t_max"].alarms is not None
    station = load_station(DEMO_STATION)
    t = station.points["bms1.cell_t_max"].alarms
    assert isinstance(t, AnalogRule) and (t.h, t.hh) == (45, 55)  # derate and stop limits
    soc = station.points["bms1.soc"].alarms
    assert isinstance(soc, AnalogRule) and soc.ll == 5  # protection's soc_min_pct
    for pid in ("pcs1.fault", "brk_grid.tripped", "brk_bess.tripped", "bms1.fault"):
        rule = station.points[pid].alarms
        assert isinstance(rule, DigitalRule) and rule.priority is Priority.HIGH
    u = station.points["meter_grid.u_a"].alarms
    assert isinstance(u, AnalogRule) and u.l is not None and u.l < 230 < (u.h or 0)
