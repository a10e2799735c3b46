"""`main.py control ...`: list, show, diff, rollback, bad input, and a running station's pick-up."""

from __future__ import annotations

import asyncio
import copy

import pytest

import main
from app.audit import AuditLog, audit_path
from app.control_versions import VersionStore, versions_path
from app.control_versions.manager import CONTROL_VERSION
from app.runtime import Runtime
from tests.control_support import CONTROL, controlled_station

pytestmark = pytest.mark.timeout(60)


def _with_limit(limit_kw: float) -> dict:
    section = copy.deepcopy(CONTROL)
    section["strategies"][0]["params"]["limit_kw"] = limit_kw
    return section


@pytest.fixture
def data(tmp_path):
    store = VersionStore(versions_path(tmp_path))
    store.add(CONTROL, "station-file", "station file (first version)", "file", 1_700_000_000)
    store.add(_with_limit(450), "alice", "lower the peak", "operator", 1_700_000_060)
    store.close()
    return tmp_path


def _control(capsys, data, *args: str) -> tuple[int, str, str]:
    code = main.main(["control", "--data", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_versions_lists_every_version_oldest_first(capsys, data):
    code, out, _ = _control(capsys, data, "versions")
    assert code == 0
    header, first, second = out.splitlines()
    assert header.split() == ["version", "time", "actor", "source", "reason", "sha256"]
    assert first.split()[:4] == ["v1", "2023-11-14T22:13:20Z", "station-file", "file"]
    assert second.split()[:4] == ["v2", "2023-11-14T22:14:20Z", "alice", "operator"]
    assert "lower the peak" in second


def test_show_prints_the_section_as_yaml(capsys, data):
    code, out, _ = _control(capsys, data, "show", "2")
    assert code == 0
    assert out.startswith("# v2  2023-11-14T22:14:20Z  alice  operator  lower the peak\n")
    assert "    limit_kw: 450\n" in out and "cycle_ms: 500\n" in out


def test_diff_defaults_to_the_latest(capsys, data):
    code, out, _ = _control(capsys, data, "diff", "1")
    assert code == 0
    assert out.startswith("--- v1\n+++ v2\n")
    assert "-    limit_kw: 600\n+    limit_kw: 450\n" in out
    code, out, _ = _control(capsys, data, "diff", "2", "2")
    assert (code, out) == (0, "v2 and v2: no change\n")


def test_rollback_stores_a_copy_prints_the_change_and_audits_it(capsys, data):
    code, out, _ = _control(
        capsys, data, "rollback", "1", "--user", "bob", "--reason", "peak test over"
    )
    assert code == 0
    assert "stored v3 = copy of v1, by bob: peak test over (rollback to v1)" in out
    assert "-    limit_kw: 450\n+    limit_kw: 600\n" in out
    store = VersionStore(versions_path(data))
    v1, v3 = store.get(1), store.get(3)
    store.close()
    assert (v3.content, v3.sha256, v3.source, v3.actor) == (
        v1.content,
        v1.sha256,
        "rollback",
        "bob",
    )
    log = AuditLog(audit_path(data))
    (entry,) = log.entries()
    log.close()
    assert (entry.actor, entry.action, entry.target, entry.old, entry.new) == (
        "bob",
        "rollback",
        "control",
        "v2",
        "v3",
    )
    assert entry.reason == "peak test over (rollback to v1)"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["show", "7"], "version 7: no such version (v1..v2)"),
        (["diff", "1", "9"], "version 9"),
        (["rollback", "5", "--user", "bob", "--reason", "x"], "version 5"),
    ],
)
def test_unknown_version_exits_2_and_names_it(capsys, data, args, named):
    code, out, err = _control(capsys, data, *args)
    assert code == 2 and named in err and out == ""
    store = VersionStore(versions_path(data))
    assert store.latest().version == 2  # nothing was written
    store.close()


def test_missing_data_folder_or_store_exits_2(capsys, tmp_path):
    code, _, err = _control(capsys, tmp_path / "nowhere", "versions")
    assert code == 2 and "nowhere: no such folder" in err
    code, _, err = _control(capsys, tmp_path, "versions")
    assert code == 2 and "no control versions there (control_versions.sqlite)" in err
    assert not versions_path(tmp_path).exists()  # not created by mistake


async def test_a_running_station_picks_up_a_cli_rollback(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(Runtime, "control_poll_s", 0.1)
    async with controlled_station(tmp_path, "none", sim_start="12:00") as (runtime, _sim):
        await runtime.update_control(_with_limit(450), "alice", "lower the peak")
        picked = asyncio.Event()
        runtime.bus.subscribe(CONTROL_VERSION, lambda applied: picked.set())
        code, _, _ = _control(capsys, tmp_path, "rollback", "1", "--user", "bob", "--reason", "r")
        assert code == 0
        await asyncio.wait_for(picked.wait(), 10)
        (demand,) = [s for s in runtime.control.config.strategies if s.name == "demand_control"]
        assert demand.params.limit_kw == 600 and runtime.versions.running.version == 3
        trail = [(e.actor, e.action, e.old, e.new) for e in runtime.audit.entries()]
    assert trail[-2:] == [("bob", "rollback", "v2", "v3"), ("bob", "control_config", "v2", "v3")]


async def test_a_rollback_made_while_stopped_runs_at_the_next_start(capsys, tmp_path):
    async with controlled_station(tmp_path, "none", sim_start="12:00") as (runtime, _sim):
        await runtime.update_control(_with_limit(450), "alice", "lower the peak")
    code, _, _ = _control(capsys, tmp_path, "rollback", "1", "--user", "bob", "--reason", "r")
    assert code == 0
    async with controlled_station(tmp_path, "none", sim_start="12:00") as (runtime, _sim):
        assert runtime.versions.running.version == 3  # the file did not change: v3 runs
        (demand,) = [s for s in runtime.control.config.strategies if s.name == "demand_control"]
        assert demand.params.limit_kw == 600
