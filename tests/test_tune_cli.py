"""``main.py tune``: proposes rule parameters tuned by backtests (app/tune); --out writes a
file ``backtest --control`` takes; --apply needs a user and a reason and stores an audited
version; without --apply nothing changes."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path

import pytest
import yaml

import main
from app.audit import AuditLog, audit_path
from app.backtest import write_series_csv
from app.config.loader import load_station
from app.control_versions.store import VersionStore, versions_path
from app.paths import DEMO_STATION
from simulator.profiles import profile_series

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def csvs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("series")
    station = load_station(DEMO_STATION)
    t0 = dt.datetime(2026, 7, 1, tzinfo=ZONE).timestamp()
    load, pv = profile_series(station, "office_holidays", "clouds", t0, 3, 900, seed=1)
    write_series_csv(folder / "load.csv", load.ts, load.kw)
    write_series_csv(folder / "pv.csv", pv.ts, pv.kw)
    return folder / "load.csv", folder / "pv.csv"


def _argv(csvs: tuple[Path, Path], *extra: str) -> list[str]:
    load, pv = csvs
    return [
        "tune",
        "--station",
        str(DEMO_STATION),
        "--load",
        str(load),
        "--pv",
        str(pv),
        "--end",
        "2026-07-03",
        "--days",
        "2",
        "--step",
        "900",
        *extra,
    ]


def _store(data: Path) -> int:
    store = VersionStore(versions_path(data))
    try:
        if not store.all():
            store.add({"mode": "auto", "strategies": []}, "system", "start", "file", 1.0)
        return len(store.all())
    finally:
        store.close()


def _count(data: Path) -> int:
    store = VersionStore(versions_path(data))
    try:
        return len(store.all())
    finally:
        store.close()


def test_out_file_is_a_control_file_backtest_takes(
    csvs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tuned.yaml"
    assert main.main(_argv(csvs, "--out", str(out), "--json")) == 0
    text = capsys.readouterr().out
    data = json.loads(text.strip().splitlines()[-1])
    assert data["applied"] is None and data["evaluations"] >= 5
    assert "nothing applied" in text and "+++ proposed" in text
    section = yaml.safe_load(out.read_text(encoding="utf-8"))["control"]
    kinds = [s["kind"] for s in section["strategies"]]
    assert {"demand_control", "peak_valley_tou", "soc_management", "export_limit"} <= set(kinds)
    load, pv = csvs
    argv = ["backtest", "--station", str(DEMO_STATION), "--load", str(load), "--pv", str(pv)]
    argv += ["--start", "2026-07-03", "--days", "1", "--step", "900", "--control", str(out)]
    assert main.main([*argv, "--json"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    limit = next(s for s in section["strategies"] if s["kind"] == "demand_control")
    assert figures["strategies"][0] == "demand_control" and limit["params"]["limit_kw"] > 0


@pytest.mark.parametrize(
    "extra",
    [
        ("--apply", "--reason", "new month"),
        ("--apply", "--user", "eng1"),
        ("--apply", "--user", "eng1", "--reason", "   "),
    ],
)
def test_apply_requires_user_and_reason(
    csvs: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
) -> None:
    before = _store(tmp_path)
    assert main.main(_argv(csvs, "--data", str(tmp_path), *extra)) == 2
    assert "--apply needs" in capsys.readouterr().err
    assert _count(tmp_path) == before


def test_without_apply_no_version_is_stored(
    csvs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _store(tmp_path)
    assert main.main(_argv(csvs, "--data", str(tmp_path))) == 0
    out = capsys.readouterr().out
    assert "--- v1" in out  # the diff is against the latest stored version
    assert _count(tmp_path) == before


def test_apply_stores_an_audited_version(
    csvs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _store(tmp_path)
    argv = _argv(csvs, "--data", str(tmp_path), "--apply", "--user", "eng1")
    assert main.main([*argv, "--reason", "July retune"]) == 0
    assert "stored v2 by eng1" in capsys.readouterr().out
    store = VersionStore(versions_path(tmp_path))
    try:
        versions = store.all()
    finally:
        store.close()
    assert len(versions) == before + 1
    new = versions[-1]
    assert new.actor == "eng1" and new.source == "operator" and "July retune" in new.reason
    assert any(s["kind"] == "demand_control" for s in new.section["strategies"])
    log = AuditLog(audit_path(tmp_path))
    try:
        entries = [e for e in log.entries() if e.action == "tune"]
    finally:
        log.close()
    assert len(entries) == 1
    assert (entries[0].actor, entries[0].old, entries[0].new) == ("eng1", "v1", "v2")


def test_tune_needs_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["tune", "--station", str(DEMO_STATION), "--end", "2026-07-03"]) == 2
    assert "--data" in capsys.readouterr().err
