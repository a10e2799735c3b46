"""Alarm marks in the device tree and the point table: they appear with the alarm, follow its
state, and clear when it has returned to normal and been acknowledged."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.drivers_api import LinkState
from app.points import PointValue
from tests.ui_support import FakeRuntime, alarms_running, running_qasync_loop
from ui import theme
from ui.device_tree import ALARM_COLUMN, ALARM_PRIORITY_ROLE, TIP_LINES, DeviceTree, points_for
from ui.point_table_view import ALARM_ROLE, Column, PointTableModel

pytestmark = pytest.mark.timeout(30)

ZONE = ZoneInfo("Asia/Shanghai")
DISPLAY = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def rt(qapp, qtbot, tmp_path):
    runtime = FakeRuntime()
    with running_qasync_loop(qapp), alarms_running(qtbot, runtime, tmp_path):
        yield runtime


def acknowledge(qtbot, rt: FakeRuntime, *ids: str) -> None:
    done = asyncio.ensure_future(rt.acknowledge_alarms(list(ids), "op", "seen"))
    qtbot.waitUntil(done.done, timeout=2000)
    done.result()


def publish(rt: FakeRuntime, point_id: str, value: float) -> None:
    rt.points.update({point_id: PointValue(value, time.time())})


def bms1_table(rt: FakeRuntime, lang: str = "en") -> PointTableModel:
    model = PointTableModel(ZONE, lang)
    model.set_points(points_for(rt.station, "bms1"), rt.points.snapshot())
    return model


def alarm_cell(model: PointTableModel, point_id: str, role=DISPLAY):
    row = model.row_of(point_id)
    assert row is not None
    return model.index(row, Column.ALARM).data(role)


def test_tree_marks_a_device_with_its_most_urgent_priority_and_count(qtbot, rt):
    tree = DeviceTree(rt.station, "en")
    qtbot.addWidget(tree)
    tree.set_alarms(rt.alarms_active())
    assert all(tree.alarm_mark(k) == "" for k in [*rt.station.devices, "site"])

    publish(rt, "bms1.t_cell_max", 56.0)  # HH high + H medium
    publish(rt, "meter_grid.p", 900.0)  # H low
    tree.set_alarms(rt.alarms_active())
    assert tree.alarm_mark("bms1") == "HIGH · 2"
    assert tree.alarm_mark("meter_grid") == "LOW · 1"
    assert tree.alarm_mark("pv1") == ""
    bms1 = tree._items["bms1"]
    assert bms1.data(ALARM_COLUMN, ALARM_PRIORITY_ROLE) == "high"
    assert bms1.background(ALARM_COLUMN).color() == QColor(theme.priority_colour("high"))
    tip = bms1.toolTip(0)
    assert "2 active alarms:" in tip and "HIGH · unack" in tip and "MEDIUM · unack" in tip
    assert "(bms1)" in tip.splitlines()[0]  # the node's own tooltip stays first

    publish(rt, "bms1.t_cell_max", 30.0)  # back to normal: HH, H -> rtn_unack (still listed)
    tree.set_alarms(rt.alarms_active())
    assert tree.alarm_mark("bms1") == "HIGH · 2"
    acknowledge(qtbot, rt, "bms1.t_cell_max.HH", "bms1.t_cell_max.H")
    tree.set_alarms(rt.alarms_active())
    assert tree.alarm_mark("bms1") == ""
    assert bms1.data(ALARM_COLUMN, ALARM_PRIORITY_ROLE) is None
    assert "active alarms" not in bms1.toolTip(0)
    assert tree.alarm_mark("meter_grid") == "LOW · 1"


def test_tree_marks_leave_the_link_down_colouring_alone(qtbot, rt):
    tree = DeviceTree(rt.station, "en")
    qtbot.addWidget(tree)
    tree.set_links({"bms1": LinkState("bms1", False, "timeout", time.time())})
    publish(rt, "bms1.soc", 3.0)
    tree.set_alarms(rt.alarms_active())
    bms1 = tree._items["bms1"]
    assert tree.alarm_mark("bms1") == "CRITICAL · 2"
    assert bms1.foreground(0).color() == QColor(theme.ALARM) and bms1.font(0).bold()
    tree.set_links({"bms1": LinkState("bms1", True, "", time.time())})
    assert bms1.foreground(0).color() == QColor(theme.TEXT)
    assert tree.alarm_mark("bms1") == "CRITICAL · 2"


def test_point_table_alarm_column_follows_the_alarm_and_clears(qtbot, rt):
    model = bms1_table(rt)
    assert model.headerData(Column.ALARM, Qt.Orientation.Horizontal) == "Alarm"
    assert model.set_alarms(rt.alarms_active()) == []
    assert alarm_cell(model, "bms1.t_cell_max") == ""

    row = model.row_of("bms1.t_cell_max")
    publish(rt, "bms1.t_cell_max", 56.0)
    changed: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, *_: changed.append((a.row(), b.row(), a.column(), b.column()))
    )
    assert model.set_alarms(rt.alarms_active()) == [(row, row)]
    assert changed == [(row, row, Column.ALARM, Column.ALARM)]  # one cell, nothing else
    assert alarm_cell(model, "bms1.t_cell_max") == "HIGH · unack (+1)"
    assert alarm_cell(model, "bms1.t_cell_max", ALARM_ROLE).alarm_id == "bms1.t_cell_max.HH"
    fill = alarm_cell(model, "bms1.t_cell_max", Qt.ItemDataRole.BackgroundRole)
    assert fill == QColor(theme.priority_colour("high"))
    assert alarm_cell(model, "bms1.t_cell_max", Qt.ItemDataRole.FontRole).bold()
    tip = alarm_cell(model, "bms1.t_cell_max", Qt.ItemDataRole.ToolTipRole)
    assert "HIGH · unack" in tip and "MEDIUM · unack" in tip
    assert alarm_cell(model, "bms1.soc") == ""
    assert alarm_cell(model, "bms1.soc", Qt.ItemDataRole.BackgroundRole) is None

    changed.clear()
    assert model.set_alarms(rt.alarms_active()) == []  # nothing changed: nothing repainted
    assert changed == []

    acknowledge(qtbot, rt, "bms1.t_cell_max.HH")
    model.set_alarms(rt.alarms_active())
    assert alarm_cell(model, "bms1.t_cell_max") == "HIGH · acked (+1)"
    assert alarm_cell(model, "bms1.t_cell_max", Qt.ItemDataRole.FontRole) is None

    publish(rt, "bms1.t_cell_max", 30.0)  # HH acked -> normal; H -> rtn_unack
    model.set_alarms(rt.alarms_active())
    assert alarm_cell(model, "bms1.t_cell_max") == "MEDIUM · cleared, unack"

    acknowledge(qtbot, rt, "bms1.t_cell_max.H")
    changed.clear()
    assert model.set_alarms(rt.alarms_active()) == [(row, row)]
    assert alarm_cell(model, "bms1.t_cell_max") == ""
    assert alarm_cell(model, "bms1.t_cell_max", ALARM_ROLE) is None


def test_point_table_keeps_marks_across_device_changes(qtbot, rt):
    model = PointTableModel(ZONE, "en")
    model.set_points(points_for(rt.station, "pv1"), rt.points.snapshot())
    publish(rt, "bms1.soc", 8.0)  # L: low
    assert model.set_alarms(rt.alarms_active()) == []  # not on screen: no signal
    model.set_points(points_for(rt.station, "bms1"), rt.points.snapshot())
    assert alarm_cell(model, "bms1.soc") == "LOW · unack"


def test_marks_in_chinese(qtbot, rt):
    tree = DeviceTree(rt.station, "zh")
    qtbot.addWidget(tree)
    model = bms1_table(rt, "zh")
    publish(rt, "bms1.t_cell_max", 56.0)
    active = rt.alarms_active()
    tree.set_alarms(active)
    model.set_alarms(active)
    assert tree.alarm_mark("bms1") == "高 · 2"
    assert alarm_cell(model, "bms1.t_cell_max") == "高 · 未确认（+1）"
    assert model.headerData(Column.ALARM, Qt.Orientation.Horizontal) == "报警"
    assert "2 条活动报警：" in tree._items["bms1"].toolTip(ALARM_COLUMN)


def test_a_device_tooltip_lists_at_most_a_screenful(qtbot, rt):
    tree = DeviceTree(rt.station, "en")
    qtbot.addWidget(tree)
    publish(rt, "bms1.t_cell_max", 56.0)
    one = rt.alarms_active()[0]
    many = [replace(one, alarm_id=f"bms1.x{i}", message=f"m{i}") for i in range(TIP_LINES + 5)]
    tree.set_alarms(many)
    tip = tree._items["bms1"].toolTip(ALARM_COLUMN)
    assert tree.alarm_mark("bms1") == f"HIGH · {TIP_LINES + 5}"
    assert "m0" in tip and f"m{TIP_LINES}" not in tip and tip.endswith("… and 5 more")
