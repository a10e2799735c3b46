"""The command line as a user runs it: subprocesses of main.py, real files, real signals."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def _main(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _start_headless_demo(data: Path) -> subprocess.Popen[str]:
    """The headless demo in a subprocess, returned once it reports running."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--demo", "--headless", "--data", str(data)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "station running" in line:
            return proc
    proc.kill()
    pytest.fail("the station never reported running")


def test_check_config_accepts_the_demo_station_and_a_template():
    result = _main("check-config", "resources/stations/demo.yaml")
    assert result.returncode == 0, result.stderr
    assert "OK: station" in result.stdout
    result = _main("check-config", str(FIXTURES / "templates" / "test_meter.yaml"))
    assert result.returncode == 0, result.stderr
    assert "OK: template 'test_meter'" in result.stdout


def test_check_config_names_file_field_and_value_and_exits_2(tmp_path):
    data = yaml.safe_load((FIXTURES / "station_ok.yaml").read_text(encoding="utf-8"))
    data["devices"][0]["unit"] = 3  # typo for params.unit_id
    data["template_dirs"] = [str(FIXTURES / "templates")]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = _main("check-config", str(bad))
    assert result.returncode == 2
    assert f"{bad}: devices[0].unit: unknown key" in result.stderr


def test_config_errors_stop_the_station_before_it_starts(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("station: {id: x, name: {en: X}, colour: red}\n", encoding="utf-8")
    result = _main("--config", str(bad), "--headless", "--duration", "1", "--data", str(tmp_path))
    assert result.returncode == 2
    assert "station.colour: unknown key" in result.stderr
    assert not (tmp_path / "history.sqlite").exists()


def test_headless_demo_runs_for_its_duration_then_history_prints_csv(tmp_path):
    result = _main("--demo", "--headless", "--duration", "6", "--data", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    db = tmp_path / "history.sqlite"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    result = _main(
        "history", "--data", str(tmp_path), "--point", "site.bess_soc", "--last", "10m", "--csv"
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:3] == ["timestamp", "value", "quality"]
    body = rows[1:]
    assert len(body) >= 3
    assert all(r[0].endswith("Z") and "T" in r[0] for r in body)
    assert [r[0] for r in body] == sorted(r[0] for r in body)
    assert all(r[2] == "good" for r in body)
    assert all(0.0 <= float(r[1]) <= 100.0 for r in body)

    # the service journaled its start and its stop, which the alarm CLI lists
    result = _main("alarms", "--data", str(tmp_path), "--csv")
    assert result.returncode == 0, result.stderr
    service = [
        r for r in csv.DictReader(io.StringIO(result.stdout)) if r["alarm_id"] == "event.service"
    ]
    assert [r["message"].split(" (")[0] for r in service] == [
        "EMS service started",
        "EMS service stopping",
    ]


def test_history_reports_an_unknown_point_with_exit_2(tmp_path):
    _main("--demo", "--headless", "--duration", "2", "--data", str(tmp_path))
    result = _main(
        "history", "--data", str(tmp_path), "--point", "site.nope", "--last", "1h", "--csv"
    )
    assert result.returncode == 2
    assert "site.nope" in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM semantics")
def test_sigterm_shuts_the_headless_station_down_cleanly(tmp_path):
    proc = _start_headless_demo(tmp_path)
    try:
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, rest
    with sqlite3.connect(tmp_path / "history.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM semantics")
def test_simulate_serves_the_plant_to_a_station_run_from_its_own_config(tmp_path):
    sim = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "simulate", "--modbus-port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert sim.stdout is not None
        port = None
        for line in sim.stdout:
            if "listening on 127.0.0.1:" in line:
                port = int(line.rsplit(":", 1)[1])
                break
        assert port, "the simulator never said where it listens"
        data = yaml.safe_load((ROOT / "resources/stations/demo.yaml").read_text(encoding="utf-8"))
        data["connections"][0]["params"]["port"] = port
        station = tmp_path / "my_station.yaml"
        station.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        run = _main(
            "--config", str(station), "--headless", "--duration", "4", "--data", str(tmp_path)
        )
        assert run.returncode == 0, run.stderr[-2000:]
        result = _main(
            "history",
            "--data",
            str(tmp_path),
            "--point",
            "meter_grid.e_import",
            "--last",
            "5m",
            "--csv",
        )
        assert result.returncode == 0, result.stderr
        rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
        assert len(rows) >= 2 and all(r[2] == "good" for r in rows)
        sim.send_signal(signal.SIGTERM)
        assert sim.wait(timeout=15) == 0
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL semantics")
def test_kill_9_of_the_running_station_leaves_an_intact_history(tmp_path):
    proc = _start_headless_demo(tmp_path)
    try:
        db = tmp_path / "history.sqlite"
        # wait until a few seconds of samples are committed, then kill without warning
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with sqlite3.connect(db) as conn:
                n = conn.execute("SELECT count(DISTINCT ts) FROM samples").fetchone()[0]
            if n >= 3:
                break
            time.sleep(0.2)  # another process's commits raise no event here: poll the file
        proc.kill()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] > 0


def test_demo_plays_a_scenario(tmp_path):
    run = _main(
        "--demo",
        "--headless",
        "--duration",
        "14",
        "--scenario",
        "load_spike",
        "--data",
        str(tmp_path),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = _main(
        "history", "--data", str(tmp_path), "--point", "site.load_p", "--last", "5m", "--csv"
    )
    loads = [float(r[1]) for r in list(csv.reader(io.StringIO(result.stdout)))[1:] if r[1]]
    assert max(loads) > 850  # the spike from the 10th second
    assert (
        "--scenario plays on the demo"
        in _main("--config", "x.yaml", "--scenario", "load_spike").stderr
    )
