"""Control versions: the store, the diff, the start rule and changes to a running station."""

from __future__ import annotations

import copy
import sqlite3

import pytest

from app.config.errors import ConfigError
from app.config.loader import load_station
from app.control_versions import VersionStore, versions_path
from app.control_versions.canonical import canonical_json, section_sha
from app.control_versions.diff import unified_diff
from app.control_versions.startup import choose_at_start
from tests.control_support import CONTROL, controlled_station, write_controlled_station

pytestmark = pytest.mark.timeout(60)


def _with_limit(limit_kw: float, control: dict = CONTROL) -> dict:
    section = copy.deepcopy(control)
    section["strategies"][0]["params"]["limit_kw"] = limit_kw
    return section


def _demand_limit(config) -> float:
    (demand,) = [s for s in config.strategies if s.name == "demand_control"]
    return demand.params.limit_kw


def test_store_round_trip_is_durable_and_canonical(tmp_path):
    store = VersionStore(versions_path(tmp_path))
    v1 = store.add(CONTROL, "station-file", "first", "file", 1000.0)
    reordered = dict(reversed(list(_with_limit(500).items())))
    v2 = store.add(reordered, "alice", "lower the peak", "operator", 2000.0)
    with pytest.raises(ValueError, match="source 'typo'"):
        store.add(CONTROL, "bob", "x", "typo", 3000.0)
    store.close()

    store = VersionStore(versions_path(tmp_path))  # reopened: everything came back
    assert [v.version for v in store.all()] == [1, 2]
    assert store.get(1) == v1 and store.latest() == v2 and store.latest_from("file") == v1
    assert store.get(3) is None
    assert v1.section == CONTROL and v2.section == _with_limit(500)
    assert v2.sha256 == section_sha(_with_limit(500))  # key order does not matter
    assert v2.content == canonical_json(_with_limit(500))
    assert (v2.actor, v2.reason, v2.source, v2.created) == (
        "alice",
        "lower the peak",
        "operator",
        2000,
    )
    store.close()
    conn = sqlite3.connect(versions_path(tmp_path))
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_diff_shows_the_changed_parameter_only(tmp_path):
    store = VersionStore(versions_path(tmp_path))
    v1 = store.add(CONTROL, "station-file", "first", "file", 1.0)
    v2 = store.add(_with_limit(450), "alice", "lower", "operator", 2.0)
    v3 = store.add(CONTROL, "alice", "back", "rollback", 3.0)
    store.close()
    text = unified_diff(v1, v2)
    assert text.startswith("--- v1\n+++ v2\n")
    changed = [line for line in text.splitlines()[2:] if line[:1] in "+-"]
    assert changed == ["-    limit_kw: 600", "+    limit_kw: 450"]
    assert unified_diff(v1, v3) == ""


def test_start_rule_file_change_makes_a_version_else_the_latest_runs(tmp_path):
    path = write_controlled_station(tmp_path)
    store = VersionStore(versions_path(tmp_path))
    first = choose_at_start(store, load_station(path), now=1.0)  # empty store: the file is v1
    assert first.recorded is not None and first.version == first.recorded
    assert (first.version.version, first.version.source) == (1, "file")
    assert first.version.actor == "station-file" and _demand_limit(first.config) == 600

    store.add(_with_limit(500), "alice", "lower", "operator", 2.0)  # changed while stopped
    again = choose_at_start(store, load_station(path), now=3.0)
    assert again.recorded is None and again.version.version == 2
    assert _demand_limit(again.config) == 500  # the stored latest runs, not the file

    write_controlled_station(tmp_path, _with_limit(700))  # the file is edited
    edited = choose_at_start(store, load_station(path), now=4.0)
    assert edited.recorded is not None and edited.version.version == 3
    assert (edited.version.reason, edited.previous.version) == ("station file changed", 2)
    assert _demand_limit(edited.config) == 700
    assert [v.source for v in store.all()] == ["file", "operator", "file"]
    store.close()


def test_a_stored_version_that_no_longer_validates_is_refused_and_the_file_runs(tmp_path):
    path = write_controlled_station(tmp_path)
    store = VersionStore(versions_path(tmp_path))
    choose_at_start(store, load_station(path), now=1.0)
    bad = copy.deepcopy(CONTROL)
    bad["strategies"][0]["kind"] = "uninstalled_strategy"
    store.add(bad, "alice", "new plug-in", "operator", 2.0)
    choice = choose_at_start(store, load_station(path), now=3.0)
    assert choice.version.version == 1 and _demand_limit(choice.config) == 600
    assert "v2 refused" in choice.warning
    assert "control.strategies[0].kind" in choice.warning
    assert "uninstalled_strategy" in choice.warning
    store.close()


async def test_invalid_update_changes_nothing_and_names_field_and_value(tmp_path):
    async with controlled_station(tmp_path, "none", sim_start="12:00") as (runtime, _sim):
        running = runtime.control.config
        with pytest.raises(ConfigError) as caught:
            await runtime.update_control(_with_limit(-5), "alice", "typo")
        message = str(caught.value)
        assert "control.strategies[0].params.limit_kw" in message and "-5" in message
        assert "controlled.yaml" in message
        assert runtime.control.config is running
        assert runtime.versions.running.version == 1
        actions = [e.action for e in runtime.audit.entries()]
    store = VersionStore(versions_path(tmp_path))
    assert [v.version for v in store.all()] == [1]
    store.close()
    assert actions.count("control_config") == 1  # only the first version, at start


async def test_update_then_rollback_runs_a_copy_and_is_audited(tmp_path):
    async with controlled_station(tmp_path, "none", sim_start="12:00") as (runtime, _sim):
        changed = _with_limit(480)
        changed["mode"] = "standby"
        changed["cycle_ms"] = 1000  # needs a restart: stored, reported, not applied
        applied = await runtime.update_control(changed, "alice", "evening test")
        assert (applied.previous.version, applied.version.version) == (1, 2)
        assert applied.pending_restart == ("cycle_ms",)
        assert _demand_limit(runtime.control.config) == 480
        assert runtime.control.config.cycle_s == 0.5 and runtime.control.mode == "standby"

        back = await runtime.rollback_control(1, "bob", "test over")
        assert back.version.version == 3 and back.version.source == "rollback"
        assert back.version.content == (await _stored(tmp_path, 1)).content
        assert back.version.reason == "test over (rollback to v1)"
        assert _demand_limit(runtime.control.config) == 600
        assert runtime.control.mode == "auto"
        with pytest.raises(LookupError, match="control version 9"):
            await runtime.rollback_control(9, "bob", "typo")
        entries = [
            (e.actor, e.action, e.old, e.new, e.result)
            for e in runtime.audit.entries()
            if e.target == "control"
        ]
    assert entries == [
        ("station-file", "control_config", None, "v1", "ok"),
        ("alice", "control_config", "v1", "v2", "ok; cycle_ms apply at the next start"),
        ("alice", "mode", "auto", "standby", "ok"),
        ("bob", "rollback", "v2", "v3", "stored"),
        ("bob", "control_config", "v2", "v3", "ok"),
        ("bob", "mode", "standby", "auto", "ok"),
    ]


async def _stored(folder, number):
    store = VersionStore(versions_path(folder))
    try:
        return store.get(number)
    finally:
        store.close()


async def test_a_version_stored_elsewhere_that_does_not_validate_is_refused_and_audited(tmp_path):
    async with controlled_station(tmp_path, "none", sim_start="12:00") as (runtime, _sim):
        running = runtime.control.config
        other = VersionStore(versions_path(tmp_path))  # another process, e.g. an older CLI
        other.add(_with_limit(-1), "mallory", "bad", "operator", 2.0)
        other.close()
        assert await runtime.versions.poll_once() is None
        assert await runtime.versions.poll_once() is None  # refused once, not retried
        assert runtime.control.config is running and runtime.versions.running.version == 1
        (refused,) = [e for e in runtime.audit.entries() if e.result.startswith("refused")]
    assert (refused.actor, refused.old, refused.new) == ("mallory", "v1", "v2")
    assert "strategies[0].params.limit_kw" in refused.result and "-1" in refused.result
