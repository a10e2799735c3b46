"""Writes go through the dispatcher: read back from the device, retried, audited."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from app.dispatcher import COMMAND
from tests.station_support import demo_station, wait_until

ROOT = Path(__file__).resolve().parent.parent


async def test_write_is_read_back_and_audited(tmp_path):
    async with demo_station(tmp_path) as (runtime, _sim):
        await wait_until(runtime, lambda: runtime.points.get("pcs1.mode") is not None, 10)
        events = []
        runtime.bus.subscribe(COMMAND, events.append)
        # the simulated PCS starts under local control: take it over, then set its power
        mode = await runtime.write("pcs1.mode", 0, actor="operator", reason="take remote control")
        assert mode.ok, mode
        result = await runtime.write("pcs1.p_set", -120.0, actor="operator", reason="charge test")
        assert result.ok, result
        assert result.read_back == -120.0
        assert runtime.points.get("pcs1.p_set").value == -120.0
        assert [e.point_id for e in events] == ["pcs1.mode", "pcs1.p_set"]
        entries = runtime.audit.entries()
    assert [(e.actor, e.target, e.new, e.reason, e.result) for e in entries] == [
        ("operator", "pcs1.mode", "0", "take remote control", "ok"),
        ("operator", "pcs1.p_set", "-120", "charge test", "ok"),
    ]


async def test_refusals_and_field_failures_are_failed_commands_not_successes(tmp_path):
    async with demo_station(tmp_path) as (runtime, sim):
        await wait_until(runtime, lambda: runtime.points.get("pcs1.p_set") is not None, 10)
        # outside the point's limits: never sent
        out = await runtime.write("pcs1.p_set", 900.0, actor="operator", reason="typo")
        assert not out.ok and out.result.startswith("rejected: outside the limits")
        assert out.attempts == 0
        # not a setpoint
        meas = await runtime.write("pcs1.p", 10.0, actor="operator", reason="wrong point")
        assert not meas.ok and "not writable" in meas.result
        # the PCS under local control refuses remote power (exception 03): retried, then failed
        refused = await runtime.write("pcs1.p_set", 50.0, actor="operator", reason="no remote")
        assert not refused.ok and refused.result.startswith("failed:")
        assert refused.attempts == 3
        # a device that stops answering: the write times out, still a failed command
        sim.set_fault("pcs1", "silent")
        silent = await runtime.write("pcs1.mode", 0, actor="operator", reason="silent device")
        assert not silent.ok
        results = [e.result for e in runtime.audit.entries()]
    assert len(results) == 4 and not any(r == "ok" for r in results)


def test_audit_command_lists_the_trail_as_csv(tmp_path):
    import asyncio

    async def write_one():
        async with demo_station(tmp_path) as (runtime, _sim):
            await wait_until(runtime, lambda: runtime.points.get("pcs1.mode") is not None, 10)
            await runtime.write("pcs1.mode", 0, actor="alice", reason="handover")

    asyncio.run(write_one())
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "audit",
            "--data",
            str(tmp_path),
            "--since",
            "1h",
            "--csv",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["time", "actor", "action", "target", "old", "new", "reason", "result"]
    assert rows[1][1:] == ["alice", "write", "pcs1.mode", rows[1][4], "0", "handover", "ok"]
    bad = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "audit", "--data", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "no audit trail" in bad.stderr
