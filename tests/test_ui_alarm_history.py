"""The alarm history view on the real AlarmService: search by text, device and time, newest
first, export to CSV and Excel read back, errors shown."""

from __future__ import annotations

import asyncio
import csv
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from app.alarms.cli import COLUMNS
from app.alarms.states import AlarmState
from app.points import PointValue
from tests.ui_support import FakeRuntime, alarms_running, running_qasync_loop
from ui.alarm_history import LIMIT, AlarmHistoryPanel

pytestmark = pytest.mark.timeout(60)

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def rt(qapp, qtbot, tmp_path):
    (tmp_path / "data").mkdir()
    runtime = FakeRuntime()
    with running_qasync_loop(qapp), alarms_running(qtbot, runtime, tmp_path / "data"):
        yield runtime


def settle(qtbot, rt) -> None:
    """Everything raised so far is in the journal."""
    done = asyncio.ensure_future(rt.alarm_service.flush())
    qtbot.waitUntil(done.done, timeout=5000)


def make_panel(qtbot, rt) -> AlarmHistoryPanel:
    panel = AlarmHistoryPanel(rt, "en", ZONE)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def search(qtbot, panel) -> list[str]:
    task = panel.search()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=5000)
    task.result()
    return [panel.model.entry_at(r).alarm_id for r in range(panel.model.rowCount())]


def choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


@pytest.fixture
def journaled(qtbot, rt):
    """Three hours of history: a meter alarm 2 h ago, a hot cell 30 min ago (acknowledged
    with a comment), the PCS stopping now."""
    now = time.time()
    rt.points.update({"meter_grid.p": PointValue(900.0, now - 7200)})
    rt.points.update({"bms1.t_cell_max": PointValue(56.0, now - 1800)})
    ack = asyncio.ensure_future(
        rt.acknowledge_alarms(["bms1.t_cell_max.HH"], "alice", "Fan FAILED, technician called")
    )
    qtbot.waitUntil(ack.done, timeout=3000)
    rt.points.update({"pcs1.running": PointValue(False, now)})
    settle(qtbot, rt)
    return now


def test_search_by_time_preset_newest_first(qtbot, rt, journaled):
    panel = make_panel(qtbot, rt)
    assert panel.range_combo.currentText() == "Last 24 h"
    assert not panel.csv_button.isEnabled()  # nothing found yet, nothing to export
    ids = search(qtbot, panel)
    # newest first on screen: the acknowledgement (stamped by the clock just after 'now'),
    # the PCS (now), the cell alarms (30 min ago), the meter (2 h ago)
    assert ids[:2] == ["bms1.t_cell_max.HH", "pcs1.running"]
    assert panel.model.entry_at(0).state is AlarmState.ACKED
    assert ids[-1] == "meter_grid.p.H"
    assert sorted(ids) == sorted(
        [
            "meter_grid.p.H",
            "bms1.t_cell_max.H",
            "bms1.t_cell_max.HH",
            "bms1.t_cell_max.HH",
            "pcs1.running",
        ]
    )
    assert panel.count.text() == "5 entries"
    assert panel.csv_button.isEnabled() and panel.xlsx_button.isEnabled()

    choose(panel.range_combo, 3600.0)
    ids = search(qtbot, panel)
    assert "meter_grid.p.H" not in ids and "pcs1.running" in ids
    assert "bms1.t_cell_max.H" in ids  # activated 30 min ago: inside the last hour


def test_search_by_text_finds_comments_and_ids_any_case(qtbot, rt, journaled):
    panel = make_panel(qtbot, rt)
    panel.text_edit.setText("fan failed")
    assert search(qtbot, panel) == ["bms1.t_cell_max.HH"]
    row = {
        panel.model.headerData(c, Qt.Orientation.Horizontal): panel.model.index(0, c).data()
        for c in range(panel.model.columnCount())
    }
    assert row["User"] == "alice"
    assert row["Comment"] == "Fan FAILED, technician called"
    assert row["State"] == "Acknowledged"
    assert row["Priority"] == "High"
    assert row["Kind"] == "alarm"
    assert row["Time (Asia/Shanghai)"] == datetime.fromtimestamp(
        panel.model.entry_at(0).ts, ZONE
    ).strftime("%Y-%m-%d %H:%M:%S")

    panel.text_edit.setText("T_CELL_MAX.H")
    assert set(search(qtbot, panel)) == {"bms1.t_cell_max.H", "bms1.t_cell_max.HH"}
    panel.text_edit.setText("no such thing")
    assert search(qtbot, panel) == []
    assert panel.count.text() == "0 entries"
    assert not panel.csv_button.isEnabled()


def test_search_by_device(qtbot, rt, journaled):
    panel = make_panel(qtbot, rt)
    choose(panel.device_combo, "meter_grid")
    assert search(qtbot, panel) == ["meter_grid.p.H"]
    choose(panel.device_combo, "pcs1")
    assert search(qtbot, panel) == ["pcs1.running"]


def test_search_from_to_in_the_station_zone(qtbot, rt, journaled):
    now = journaled
    panel = make_panel(qtbot, rt)
    panel.set_range(now - 2 * 3600 - 60, now - 3600)
    assert panel.from_edit.isEnabled() and panel.to_edit.isEnabled()
    assert search(qtbot, panel) == ["meter_grid.p.H"]
    # the editors read in station time
    shown = panel.to_edit.dateTime().toString("yyyy-MM-dd HH:mm:ss")
    assert shown == datetime.fromtimestamp(now - 3600, ZONE).strftime("%Y-%m-%d %H:%M:%S")

    panel.set_range(now - 60, now - 7200)  # backwards: refused, with the reason
    assert panel.search() is None
    assert "before the end" in panel.message.text()


def test_a_full_page_says_only_the_newest_are_shown(qtbot, rt, monkeypatch, journaled):
    real = rt.alarm_history
    asked = []

    async def capped(since=None, until=None, source=None, text=None, limit=5000):
        asked.append(limit)
        found = await real(since, until, source, text, limit)
        return found * LIMIT  # as if the journal held far more

    monkeypatch.setattr(rt, "alarm_history", capped)
    panel = make_panel(qtbot, rt)
    search(qtbot, panel)
    assert asked == [LIMIT]
    assert panel.truncated
    assert "Only the newest 5,000 entries are shown" in panel.message.text()


def test_a_failed_search_is_shown(qtbot, rt, monkeypatch):
    async def broken(*args, **kwargs):
        raise OSError("disk I/O error")

    monkeypatch.setattr(rt, "alarm_history", broken)
    panel = make_panel(qtbot, rt)
    search(qtbot, panel)
    assert panel.message.text() == "Search failed: disk I/O error"


def export(qtbot, panel, path) -> None:
    task = panel.export_to(path)
    assert task is not None
    assert not panel.csv_button.isEnabled()  # one export at a time
    qtbot.waitUntil(task.done, timeout=10_000)
    task.result()


def test_export_csv_and_excel_read_back(qtbot, rt, journaled, tmp_path):
    panel = make_panel(qtbot, rt)
    panel.text_edit.setText("t_cell_max")
    search(qtbot, panel)
    expected = [(e.alarm_id, e.state.value, e.user or "") for e in panel.model.entries]
    assert len(expected) == 3

    csv_path = tmp_path / "alarms.csv"
    export(qtbot, panel, csv_path)
    assert panel.message.text() == f"3 entries written to {csv_path}"
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == COLUMNS
    assert [(r["alarm_id"], r["state"], r["user"]) for r in rows] == expected  # oldest first
    assert rows[-1]["comment"] == "Fan FAILED, technician called"
    assert rows[0]["time"].endswith("+08:00")
    assert rows[0]["priority"] in ("medium", "high")

    xlsx_path = tmp_path / "alarms.xlsx"
    export(qtbot, panel, xlsx_path)
    sheet = load_workbook(xlsx_path).active
    assert [c.value for c in sheet[1]][1:] == list(COLUMNS[1:])
    got = [(r[1], r[4], r[6] or "") for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert got == expected
    assert sheet.freeze_panes == "A2"


def test_a_failed_export_is_shown_naming_the_file(qtbot, rt, journaled, tmp_path):
    panel = make_panel(qtbot, rt)
    search(qtbot, panel)
    target = tmp_path / "missing" / "alarms.csv"
    export(qtbot, panel, target)
    assert "Export failed" in panel.message.text() and str(target) in panel.message.text()
    assert panel.csv_button.isEnabled()


def test_export_asks_for_a_file_without_blocking(qtbot, rt, journaled):
    panel = make_panel(qtbot, rt)
    panel.request_export("csv")
    assert panel.file_dialog is None  # nothing searched yet: nothing to export
    assert "search first" in panel.message.text()
    search(qtbot, panel)
    panel.xlsx_button.click()
    dialog = panel.file_dialog
    assert dialog is not None and dialog.isVisible()  # open(), so we got here at once
    assert dialog.defaultSuffix() == "xlsx"
    dialog.reject()
    assert panel.file_dialog is None
    assert [e.state for e in panel.model.entries].count(AlarmState.UNACK) == 4
