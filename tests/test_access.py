"""Operator permissions (the station's ``access:`` section) and login events, on the real
runtime against the simulator; ``demo_plant``/``running`` are reused by the rule-edit and
restart tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.access import DEFAULT_ROLES, PERMISSIONS, PermissionDenied, parse_access, permissions_of
from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.states import AlarmState
from app.audit import AuditLog, audit_path
from app.config.errors import ConfigError
from app.config.loader import load_station
from app.paths import DEMO_STATION
from app.runtime import Runtime
from simulator import Simulator, SimulatorConfig
from tests.station_support import uncontrolled_demo

ACCESS = {
    "default_role": "operator",
    "users": {"alice": "supervisor", "bob": "operator", "vic": "viewer"},
}


@contextlib.asynccontextmanager
async def demo_plant(
    folder: Path, extra: dict[str, Any] | None = None
) -> AsyncIterator[tuple[Path, int, Simulator]]:
    """The demo station without control (plus ``extra`` top-level sections), its simulator
    serving on a free port: yields the station file, the port and the simulator."""
    path = uncontrolled_demo(folder)
    if extra:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.update(extra)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    sim = Simulator(SimulatorConfig.for_station(load_station(path)))
    port = await sim.start(host="127.0.0.1", port=0)
    try:
        yield path, port, sim
    finally:
        await sim.stop()


@contextlib.asynccontextmanager
async def running(path: Path, data_dir: Path, port: int) -> AsyncIterator[Runtime]:
    """A runtime for the station file on ``data_dir``, connected to the simulator's port."""
    runtime = Runtime(load_station(path, connection_overrides={"sim": {"port": port}}), data_dir)
    try:
        await runtime.start()
        yield runtime
    finally:
        await runtime.stop()


def audit_rows(data_dir: Path) -> list[tuple[str, str, str, str | None, str | None, str]]:
    """(actor, action, target, old, new, result) of every audit record, oldest first."""
    audit = AuditLog(audit_path(data_dir))
    try:
        return [(e.actor, e.action, e.target, e.old, e.new, e.result) for e in audit.entries()]
    finally:
        audit.close()


def _write_access(tmp_path: Path, access: Any) -> Path:
    data = yaml.safe_load(DEMO_STATION.read_text(encoding="utf-8"))
    data["access"] = access
    path = tmp_path / "station.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_roles_users_and_the_default_role():
    policy = parse_access("s.yaml", ACCESS)
    assert policy.roles == DEFAULT_ROLES  # no roles given: the shipped ones
    assert policy.permissions("alice") == PERMISSIONS
    assert policy.permissions("bob") == {"acknowledge", "control"}
    assert policy.permissions("vic") == frozenset()
    assert policy.permissions("someone") == {"acknowledge", "control"}  # default_role
    custom = parse_access(
        "s.yaml", {"roles": {"viewer": [], "boss": sorted(PERMISSIONS)}, "users": {"al": "boss"}}
    )
    assert custom.default_role == "viewer"  # not given: the least privilege ...
    assert (custom.permissions("al"), custom.permissions("x")) == (PERMISSIONS, frozenset())
    with pytest.raises(ConfigError, match=r"access\.default_role"):  # ... which must exist
        parse_access("s.yaml", {"roles": {"guard": ["acknowledge"]}})
    custom = parse_access("s.yaml", {"roles": {"guard": ["acknowledge"]}, "default_role": "guard"})
    assert custom.permissions("x") == {"acknowledge"}


def test_without_an_access_section_every_user_may_do_everything():
    station = load_station(DEMO_STATION)
    assert station.access is None
    assert permissions_of(station.access, "anyone") == PERMISSIONS


def test_a_station_with_access_loads_it(tmp_path):
    station = load_station(_write_access(tmp_path, ACCESS))
    assert station.access is not None
    assert permissions_of(station.access, "bob") == {"acknowledge", "control"}


def test_bad_access_sections_name_file_field_and_value(tmp_path):
    path = _write_access(
        tmp_path,
        {
            "default_role": "nobody",
            "roles": {"operator": ["acknowledge", "shelf"], "boss": ["edit_alarms"]},
            "users": {"alice": "boss", "bob": "supervisor"},
        },
    )
    with pytest.raises(ConfigError) as info:
        load_station(path)
    issues = [(i.file, i.field, i.value) for i in info.value.issues]
    assert issues == [
        (str(path), "access.roles.operator[1]", "shelf"),
        (str(path), "access.default_role", "nobody"),
        (str(path), "access.users.bob", "supervisor"),  # roles given: no default supervisor
    ]
    text = str(info.value)
    assert "unknown permission (known: acknowledge, control, edit_alarms, shelve)" in text
    assert "unknown role (roles: boss, operator)" in text

    path = _write_access(tmp_path, {"users": {"alice": 3}, "admins": ["x"]})
    with pytest.raises(ConfigError) as info:
        load_station(path)
    fields = sorted(i.field for i in info.value.issues)
    assert fields == ["access.admins", "access.users.alice"]


async def test_denied_actions_raise_change_nothing_and_are_journaled_and_audited(tmp_path):
    async with (
        demo_plant(tmp_path, {"access": ACCESS}) as (path, port, _sim),
        running(path, tmp_path, port) as runtime,
    ):
        assert runtime.permissions("alice") == PERMISSIONS
        assert runtime.permissions("bob") == {"acknowledge", "control"}
        assert runtime.permissions("stranger") == {"acknowledge", "control"}
        assert runtime.permissions("vic") == frozenset()
        alarms = runtime.alarms
        assert alarms is not None

        with pytest.raises(PermissionError, match="'bob' lacks the 'shelve' permission"):
            await runtime.shelve_alarm("link.bms1", "bob", "noisy", 600)
        assert alarms.engine.alarm("link.bms1").state is AlarmState.NORMAL
        assert runtime.alarms_shelved() == []
        with pytest.raises(PermissionDenied, match="'vic' lacks the 'acknowledge'"):
            await runtime.acknowledge_alarms(["link.bms1"], "vic", "seen")
        with pytest.raises(PermissionDenied, match="'vic' lacks the 'control'"):
            await runtime.write("pcs1.p_set", 10.0, "vic", "try")

        await runtime.acknowledge_alarms(["link.bms1"], "bob", "nothing to ack")  # allowed
        await runtime.shelve_alarm("link.bms1", "alice", "maintenance", 600)  # allowed
        with pytest.raises(PermissionDenied, match="'bob' lacks the 'shelve'"):
            await runtime.unshelve_alarm("link.bms1", "bob", "early")
        assert [v.alarm_id for v in runtime.alarms_shelved()] == ["link.bms1"]
        await alarms.flush()

    with AlarmJournal(journal_path(tmp_path)) as journal:
        denied = journal.entries(alarm_id="event.denied")
    assert [(e.kind, e.user, e.source) for e in denied] == [("event", "bob", "system")] + [
        ("event", "vic", "system")
    ] * 2 + [("event", "bob", "system")]
    assert "'bob' lacks the 'shelve' permission (alarm_shelve link.bms1)" in denied[0].message
    rows = audit_rows(tmp_path)
    assert ("bob", "alarm_shelve", "link.bms1", None, None, "denied: needs shelve") in rows
    assert ("vic", "write", "pcs1.p_set", None, None, "denied: needs control") in rows
    assert ("alice", "alarm_shelve", "link.bms1", None, "600 s", "ok") in rows
    assert not any(r[0] == "vic" and r[5] == "ok" for r in rows)


async def test_logins_and_logouts_are_events_in_the_journal_and_the_audit(tmp_path):
    async with (
        demo_plant(tmp_path) as (path, port, _sim),
        running(path, tmp_path, port) as runtime,
    ):
        await runtime.record_login("alice", "ws-01")
        await runtime.record_logout("alice", "ws-01")
        with pytest.raises(ValueError, match="needs a user"):
            await runtime.record_login("", "ws-01")
        assert runtime.alarms is not None
        history = await runtime.alarm_history(source="system")
    assert [(e.alarm_id, e.kind, e.user, e.message) for e in history] == [
        ("event.login", "event", "alice", "alice logged in at ws-01"),
        ("event.logout", "event", "alice", "alice logged out at ws-01"),
    ]
    rows = audit_rows(tmp_path)
    assert rows == [
        ("alice", "login", "ws-01", None, "alice", "ok"),
        ("alice", "logout", "ws-01", None, "alice", "ok"),
    ]


async def test_the_headless_service_start_and_stop_are_events(tmp_path):
    async with (
        demo_plant(tmp_path) as (path, port, _sim),
        running(path, tmp_path, port) as runtime,
    ):
        await runtime.record_service("started", "headless")
        await runtime.record_service("stopping")
        with pytest.raises(ValueError, match="expected 'started' or 'stopping'"):
            await runtime.record_service("paused")
        history = await runtime.alarm_history(source="system")
    station_id = runtime.station.info.id
    assert [(e.alarm_id, e.kind, e.message) for e in history] == [
        ("event.service", "event", f"EMS service started (station {station_id}): headless"),
        ("event.service", "event", f"EMS service stopping (station {station_id})"),
    ]
    assert [r[:2] + r[4:] for r in audit_rows(tmp_path)] == [
        ("system", "service", "started", "ok"),
        ("system", "service", "stopping", "ok"),
    ]
