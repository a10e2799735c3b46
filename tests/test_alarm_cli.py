"""`main.py alarms`: the journal as a list, as CSV, the active list, and the KPI report."""

from __future__ import annotations

import csv
import io
import time

import pytest

import main
from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import AlarmState, Priority
from app.history.timespec import format_utc

S = AlarmState
HEADER = [
    "time", "alarm_id", "source", "priority", "state", "message", "user", "comment", "kind",
    "message_zh",
]  # fmt: skip


@pytest.fixture
def data(tmp_path):
    now = time.time()
    entries = [
        JournalEntry(now - 3 * 3600, "bms1.soc.L", "bms1", Priority.MEDIUM, S.UNACK, "SOC low"),
        JournalEntry(now - 2 * 3600, "bms1.soc.L", "bms1", Priority.MEDIUM, S.RTN_UNACK, "SOC ok"),
        JournalEntry(now - 600, "pcs1.t.HH", "pcs1", Priority.HIGH, S.UNACK, "PCS 56.2 °C, high"),
        JournalEntry(
            now - 300,
            "pcs1.t.HH",
            "pcs1",
            Priority.HIGH,
            S.ACKED,
            "PCS 56.2 °C, high",
            previous=S.UNACK,
            user="alice",
            comment="fan checked, ok",
            message_zh="PCS 56.2 °C，高",
        ),
        JournalEntry(now - 200, "meter1.link", "meter1", Priority.LOW, S.UNACK, "link down"),
        JournalEntry(now - 100, "meter1.link", "meter1", Priority.LOW, S.NORMAL, "link up"),
        JournalEntry(now - 50, "event.mode", "control", Priority.LOW, S.NORMAL, "auto", "event"),
    ]
    with AlarmJournal(journal_path(tmp_path)) as journal:
        journal.record(entries)
    return tmp_path, entries


def _csv(capsys, *args: str) -> list[list[str]]:
    assert main.main(["alarms", *args, "--csv"]) == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out)))


def test_csv_lists_the_journal_oldest_first_with_its_header(capsys, data):
    folder, entries = data
    rows = _csv(capsys, "--data", str(folder))
    assert rows[0] == HEADER
    assert len(rows) == 1 + len(entries)
    assert rows[4] == [
        format_utc(entries[3].ts),
        "pcs1.t.HH",
        "pcs1",
        "high",
        "acked",
        "PCS 56.2 °C, high",
        "alice",
        "fan checked, ok",
        "alarm",
        "PCS 56.2 °C，高",
    ]
    assert rows[1][0].endswith("Z") and "T" in rows[1][0]  # ISO 8601 UTC
    assert rows[-1][-2:] == ["event", ""]  # no Chinese text: the English is the text


def test_since_keeps_the_recent_entries(capsys, data):
    folder, _ = data
    rows = _csv(capsys, "--data", str(folder), "--since", "1h")
    assert [r[1] for r in rows[1:]] == ["pcs1.t.HH"] * 2 + ["meter1.link"] * 2 + ["event.mode"]


def test_active_is_the_active_list(capsys, data):
    folder, _ = data
    rows = _csv(capsys, "--data", str(folder), "--active")
    assert [(r[1], r[4]) for r in rows[1:]] == [("bms1.soc.L", "rtn_unack"), ("pcs1.t.HH", "acked")]
    rows = _csv(capsys, "--data", str(folder), "--active", "--since", "1h")
    assert [r[1] for r in rows[1:]] == ["pcs1.t.HH"]


def test_the_table_is_aligned_columns(capsys, data):
    folder, entries = data
    assert main.main(["alarms", "--data", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == HEADER
    assert len(lines) == 1 + len(entries)
    assert "fan checked, ok" in lines[4]
    assert lines[0].index("alarm_id") == lines[1].index("bms1.soc.L")


def test_kpi_prints_the_report(capsys, data):
    folder, _ = data
    assert main.main(["alarms", "--data", str(folder), "--kpi"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Alarm KPIs ")
    assert "alarms (activations): 3, 0.4 per day on average" in out  # 3 in the default 7 days
    assert "  high           1   33%  5%" in out
    assert main.main(["alarms", "--data", str(folder), "--kpi", "--since", "1h"]) == 0
    assert "alarms (activations): 2," in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since 'yesterday': expected a number and a unit"),
        (["--since", "0h"], "--since '0h': must be longer than zero"),
        (["--kpi", "--csv"], "--kpi prints a report"),
        (["--kpi", "--active"], "--kpi prints a report"),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys, data, args, message):
    folder, _ = data
    assert main.main(["alarms", "--data", str(folder), *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_a_missing_folder_or_journal_exits_2_naming_the_path(capsys, tmp_path):
    missing = tmp_path / "nope"
    assert main.main(["alarms", "--data", str(missing)]) == 2
    assert f"--data {missing}: no such folder" in capsys.readouterr().err
    assert main.main(["alarms", "--data", str(tmp_path), "--kpi"]) == 2
    assert str(journal_path(tmp_path)) in capsys.readouterr().err
    assert not journal_path(tmp_path).exists()  # looking does not create one
