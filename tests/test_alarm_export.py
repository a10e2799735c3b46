"""Alarm journal export: CSV with the CLI's columns and Excel, both read back."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from app.alarms.cli import COLUMNS
from app.alarms.export import ExportError, iso_time, write_csv, write_xlsx
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import AlarmState, Priority

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = 1_795_514_400.0  # 2026-11-24T10:00:00Z = 18:00 in Shanghai


def entries() -> list[JournalEntry]:
    return [
        JournalEntry(
            T0 + 1.0,
            "bms1.t_cell_max.HH",
            "bms1",
            Priority.HIGH,
            AlarmState.UNACK,
            "Highest cell temperature high-high (limit 55 °C): 56.2 °C",
            "alarm",
            AlarmState.NORMAL,
            "bms1.t_cell_max",
            message_zh="最高单体温度高高（限值 55 °C）：56.2 °C",
        ),
        JournalEntry(
            T0 + 61.2345,
            "bms1.t_cell_max.HH",
            "bms1",
            Priority.HIGH,
            AlarmState.ACKED,
            "Max cell temperature high-high",
            "alarm",
            AlarmState.UNACK,
            "bms1.t_cell_max",
            "alice",
            '=cmd|"/c calc"!A1, with "quotes"\nand a new line',
        ),
        JournalEntry(
            T0 + 120.0,
            "event.mode",
            "control",
            Priority.LOW,
            AlarmState.NORMAL,
            "Control mode auto -> standby",
            "event",
            None,
            None,
            "bob",
            "maintenance",
        ),
    ]


def test_iso_time_is_in_the_station_zone_with_milliseconds_and_offset():
    assert iso_time(T0 + 1.0, SHANGHAI) == "2026-11-24T18:00:01.000+08:00"
    assert iso_time(T0 + 0.9996, SHANGHAI) == "2026-11-24T18:00:01.000+08:00"
    assert iso_time(T0, ZoneInfo("UTC")) == "2026-11-24T10:00:00.000+00:00"


def test_csv_has_the_cli_columns_and_reads_back(tmp_path):
    path = tmp_path / "alarms.csv"
    assert write_csv(entries(), path, SHANGHAI) == 3
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == COLUMNS
    assert rows[1] == [
        "2026-11-24T18:00:01.000+08:00",
        "bms1.t_cell_max.HH",
        "bms1",
        "high",
        "unack",
        "Highest cell temperature high-high (limit 55 °C): 56.2 °C",
        "",
        "",
        "alarm",
        "最高单体温度高高（限值 55 °C）：56.2 °C",  # the Chinese text at the end
    ]
    assert rows[2][0] == "2026-11-24T18:01:01.234+08:00"
    assert rows[2][6:] == [
        "alice", '=cmd|"/c calc"!A1, with "quotes"\nand a new line', "alarm", ""
    ]  # fmt: skip
    assert rows[3][1:] == [
        "event.mode",
        "control",
        "low",
        "normal",
        "Control mode auto -> standby",
        "bob",
        "maintenance",
        "event",
        "",
    ]
    assert len(rows) == 4
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese right
    assert not list(tmp_path.glob(".*part"))  # no temporary left behind


def test_xlsx_has_a_bold_frozen_header_widths_and_text_priorities(tmp_path):
    path = tmp_path / "alarms.xlsx"
    assert write_xlsx(entries(), path, SHANGHAI) == 3
    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header == ["time (Asia/Shanghai)", *COLUMNS[1:]]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["F"].width == 60  # the message column gets the room
    assert sheet.max_row == 4
    assert sheet.cell(2, 1).value == datetime(2026, 11, 24, 18, 0, 1)
    assert sheet.cell(3, 1).value == datetime(2026, 11, 24, 18, 1, 1, 234000)
    assert [c.value for c in sheet[2]][1:6] == [
        "bms1.t_cell_max.HH",
        "bms1",
        "high",
        "unack",
        "Highest cell temperature high-high (limit 55 °C): 56.2 °C",
    ]
    assert sheet.cell(2, len(COLUMNS)).value == "最高单体温度高高（限值 55 °C）：56.2 °C"
    # an operator's comment starting with '=' stays text, never a formula
    comment = sheet.cell(3, 8)
    assert comment.value == '=cmd|"/c calc"!A1, with "quotes"\nand a new line'
    assert comment.data_type == "s"
    assert [c.value for c in sheet[4]][1:] == [
        "event.mode",
        "control",
        "low",
        "normal",
        "Control mode auto -> standby",
        "bob",
        "maintenance",
        "event",
        None,  # no Chinese text: an empty cell
    ]


def test_an_empty_export_still_has_its_header(tmp_path):
    assert write_csv([], tmp_path / "a.csv", SHANGHAI) == 0
    assert (tmp_path / "a.csv").read_text(encoding="utf-8-sig").splitlines() == [",".join(COLUMNS)]
    assert write_xlsx([], tmp_path / "a.xlsx", SHANGHAI) == 0
    assert load_workbook(tmp_path / "a.xlsx").active.max_row == 1


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_a_failed_export_names_the_path_and_leaves_nothing(tmp_path, writer):
    target = tmp_path / "no_such_folder" / "alarms.out"
    with pytest.raises(ExportError, match=re.escape("no_such_folder/alarms.out")):
        writer(entries(), target, SHANGHAI)
    assert not target.parent.exists()


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_a_failed_export_keeps_the_old_file(tmp_path, writer):
    target = tmp_path / "alarms.out"
    target.write_text("previous export")
    (tmp_path / ".alarms.out.part").mkdir()  # the temporary cannot be created
    with pytest.raises(ExportError, match=re.escape(str(target))):
        writer(entries(), target, SHANGHAI)
    assert target.read_text() == "previous export"
