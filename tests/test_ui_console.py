"""The main window on the fixture station: values arrive, bad stays bad, links, languages."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from app.points import PointValue, Quality
from tests import ui_support as support
from ui.main_window import DEFAULT_TREND, MainWindow
from ui.point_table_view import QUALITY_ROLE, Column

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def runtime() -> support.FakeRuntime:
    return support.FakeRuntime()


@pytest.fixture
def window(qtbot, runtime):
    win = MainWindow(runtime, "en")
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def cell(win: MainWindow, point_id: str, column: Column, role=Qt.ItemDataRole.DisplayRole):
    model = win.table_model
    row = model.row_of(point_id)
    assert row is not None, f"{point_id} is not in the table"
    return model.index(row, column).data(role)


def test_title_is_station_name(window, runtime):
    assert window.windowTitle() == "Test Park PV + Storage"


def test_tiles_show_dash_before_any_value(window):
    for tile in window.overview.tiles.values():
        assert tile.value.text() == "—"
        assert tile.state == "none"


def test_values_reach_tiles_and_point_table(qtbot, window, runtime):
    ts = time.time()
    runtime.points.update(support.plausible_values(ts))

    tiles = window.overview.tiles
    qtbot.waitUntil(lambda: tiles["site.pv_p"].value.text() == "612.3")
    assert tiles["site.load_p"].value.text() == "527.5"  # 612.3 + 95.2 - 180
    assert tiles["site.grid_p"].value.text() == "95.2"
    assert tiles["site.grid_p"].detail.text() == "importing"
    assert tiles["site.bess_p"].value.text() == "180.0"  # magnitude, direction in words
    assert tiles["site.bess_p"].detail.text() == "charging"
    assert tiles["site.bess_soc"].value.text() == "63.5"
    assert tiles["site.e_pv_today"].value.text() == "2,315.7"
    assert tiles["site.e_grid_export_today"].value.text() == "12.3"
    assert all(t.state == "good" for t in tiles.values())

    assert window.tree.current_key() == "pv1"
    assert cell(window, "pv1.p", Column.VALUE) == "318.4 kW"
    assert cell(window, "pv1.p", Column.QUALITY) == "good"
    assert cell(window, "pv1.running", Column.VALUE) == "on"
    assert cell(window, "pv1.status_word", Column.VALUE) == "3"
    local = datetime.fromtimestamp(ts, ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    assert cell(window, "pv1.p", Column.TIME) == local  # station time, not the machine's

    runtime.points.update({"pv1.p": PointValue(333.3, ts + 1)})
    qtbot.waitUntil(lambda: cell(window, "pv1.p", Column.VALUE) == "333.3 kW")
    qtbot.waitUntil(lambda: tiles["site.pv_p"].value.text() == "627.2")


def test_export_and_discharge_are_said_in_words(qtbot, window, runtime):
    ts = time.time()
    values = support.plausible_values(ts)
    values["meter_grid.p"] = PointValue(-42.0, ts)
    values["pcs1.p"] = PointValue(250.0, ts)
    runtime.points.update(values)
    tiles = window.overview.tiles
    qtbot.waitUntil(lambda: tiles["site.grid_p"].detail.text() == "exporting")
    assert tiles["site.grid_p"].value.text() == "42.0"
    assert tiles["site.bess_p"].detail.text() == "discharging"


def test_bad_quality_is_never_shown_as_good(qtbot, window, runtime):
    ts = time.time()
    runtime.points.update(support.plausible_values(ts))
    grid = window.overview.tiles["site.grid_p"]
    qtbot.waitUntil(lambda: grid.state == "good")
    good_colour = grid.value.styleSheet()

    runtime.points.mark_device("meter_grid", Quality.BAD_COMM_LOST, ts + 2)
    qtbot.waitUntil(lambda: grid.state == "bad")
    assert grid.detail.text() == "comm lost"
    assert grid.value.font().italic()
    assert grid.value.styleSheet() != good_colour
    # the load is computed from the grid meter: it is not trustworthy either
    assert window.overview.tiles["site.load_p"].state == "bad"
    assert window.overview.tiles["site.pv_p"].state == "good"

    window.tree.select("meter_grid")
    qtbot.waitUntil(lambda: window.table_model.row_of("meter_grid.p") is not None)
    assert cell(window, "meter_grid.p", Column.QUALITY) == "bad:comm_lost"
    assert cell(window, "meter_grid.p", Column.QUALITY, QUALITY_ROLE) is Quality.BAD_COMM_LOST
    fg = Qt.ItemDataRole.ForegroundRole
    assert cell(window, "meter_grid.p", Column.VALUE, Qt.ItemDataRole.FontRole).italic()

    window.tree.select("pv1")
    qtbot.waitUntil(lambda: window.table_model.row_of("pv1.p") is not None)
    good_quality_fg = cell(window, "pv1.p", Column.QUALITY, fg)
    good_value_fg = cell(window, "pv1.p", Column.VALUE, fg)
    window.tree.select("meter_grid")
    qtbot.waitUntil(lambda: window.table_model.row_of("meter_grid.p") is not None)
    assert cell(window, "meter_grid.p", Column.QUALITY, fg) != good_quality_fg
    assert cell(window, "meter_grid.p", Column.VALUE, fg) != good_value_fg

    runtime.points.update({"meter_grid.p": PointValue(80.0, ts + 3)})
    qtbot.waitUntil(lambda: grid.state == "good")
    assert grid.value.text() == "80.0"
    assert not grid.value.font().italic()


def test_uncertain_quality_gets_its_own_tag(qtbot, window, runtime):
    ts = time.time()
    runtime.points.update(support.plausible_values(ts))
    runtime.points.update({"pv2.p": PointValue(290.0, ts + 1, Quality.UNCERTAIN_SUBSTITUTED)})
    pv = window.overview.tiles["site.pv_p"]
    qtbot.waitUntil(lambda: pv.state == "uncertain")
    assert pv.detail.text() == "substituted"
    assert pv.value.text() == "608.4"  # an uncertain value is still shown as a number
    assert not pv.value.font().italic()


def test_site_node_lists_calculated_and_energy_points(qtbot, window, runtime):
    runtime.points.update(support.plausible_values(time.time()))
    window.tree.select("site")
    qtbot.waitUntil(lambda: window.table_model.row_of("site.pv_p") is not None)
    assert cell(window, "site.bess_p", Column.VALUE) == "-180.0 kW"
    assert cell(window, "site.e_pv_today", Column.VALUE) == "2,315.7 kWh"


def test_only_changed_rows_are_signalled(qtbot, window, runtime):
    runtime.points.update(support.plausible_values(time.time()))
    qtbot.waitUntil(lambda: cell(window, "pv1.p", Column.VALUE) == "318.4 kW")
    changed: list[tuple[int, int, int, int]] = []
    window.table_model.dataChanged.connect(
        lambda a, b, *_: changed.append((a.row(), b.row(), a.column(), b.column()))
    )
    runtime.points.update({"pv1.f": PointValue(49.98, time.time())})
    qtbot.waitUntil(lambda: bool(changed))
    row = window.table_model.row_of("pv1.f")
    assert changed == [(row, row, Column.VALUE, Column.TIME)]
    assert cell(window, "pv1.f", Column.VALUE) == "49.98 Hz"


def test_link_down_turns_the_indicator_to_alarm(qtbot, window, runtime):
    status = window.status
    assert status.states["pv1"] == "unknown"  # nothing known yet is not an alarm
    runtime.set_link("pv1", True, "connected")
    qtbot.waitUntil(lambda: status.states["pv1"] == "ok")
    assert status.links["pv1"].objectName() == "linkOk"

    runtime.set_link("pv1", False, "timeout after 1000 ms")
    qtbot.waitUntil(lambda: status.states["pv1"] == "down")
    label = status.links["pv1"]
    assert label.objectName() == "linkDown"
    assert "down" in label.text()
    assert "timeout after 1000 ms" in label.toolTip()
    assert status.states["pv2"] == "unknown"

    runtime.set_link("pv1", True, "connected")
    qtbot.waitUntil(lambda: status.states["pv1"] == "ok")


def test_every_link_down_does_not_widen_the_window(qtbot, window, runtime):
    # "● pv1 down" is longer than "● pv1": with all devices down the link strip is clipped
    # rather than pushing the window past the screen (a demo with 11 devices did: 1918 px)
    wide = window.minimumSizeHint().width()
    for device_id in runtime.station.devices:
        runtime.set_link(device_id, False, "timeout")
    qtbot.waitUntil(lambda: set(window.status.states.values()) == {"down"})
    assert window.status.minimumSizeHint().width() < 400
    assert window.minimumSizeHint().width() <= wide


def test_links_known_before_the_window_opens_are_shown(qtbot, runtime):
    runtime.set_link("bms1", False, "refused")
    win = MainWindow(runtime, "en")
    qtbot.addWidget(win)
    assert win.status.states["bms1"] == "down"
    win.close()


def test_stats_in_status_bar(qtbot, window, runtime):
    assert window.status.stats.text() == "loop lag 1.4 ms (max 7.9)"
    runtime.stats.update({"history_healthy": 1.0, "history_dropped": 0.0, "history_lost": 0.0})
    window.status.refresh()
    assert window.status.stats.text().endswith("history ok")
    assert window.status.stats.objectName() == "stats"
    runtime.stats["history_healthy"] = 0.0
    window.status.refresh()
    assert window.status.stats.text().endswith("history not writing")
    assert window.status.stats.objectName() == "statsAlarm"  # a failing history is abnormal
    assert "history_healthy: 0" in window.status.stats.toolTip()


def test_double_click_adds_a_point_to_the_trend(qtbot, window, runtime):
    assert tuple(window.trend.series) == DEFAULT_TREND
    runtime.points.update(support.plausible_values(time.time()))
    row = window.table_model.row_of("pv1.t_internal")
    index = window.table_model.index(row, Column.NAME)
    view = window.table_view
    view.scrollTo(index)
    where = view.visualRect(index).center()
    # QTest's double-click alone skips the press that item views expect first
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(lambda: "pv1.t_internal" in window.trend.series)


def test_chinese_labels(qtbot, runtime):
    win = MainWindow(runtime, "zh")
    qtbot.addWidget(win)
    win.show()
    assert win.windowTitle() == "测试园区光储电站"
    assert win.overview.tiles["site.pv_p"].title.text() == "光伏"
    assert win.overview.tiles["site.e_grid_export_today"].title.text() == "上网电量"
    assert win.tree.topLevelItem(0).text(0) == "光伏逆变器 1"
    assert win.table_model.headerData(0, Qt.Orientation.Horizontal) == "测点编号"
    assert win.table_title.text() == "测点 — 光伏逆变器 1"

    ts = time.time()
    runtime.points.update(support.plausible_values(ts))
    qtbot.waitUntil(lambda: cell(win, "pv1.p", Column.QUALITY) == "好")
    assert cell(win, "pv1.p", Column.NAME) == "有功功率"
    assert win.overview.tiles["site.bess_p"].detail.text() == "充电"
    runtime.points.mark_device("pv1", Quality.BAD_COMM_LOST, ts + 1)
    qtbot.waitUntil(lambda: cell(win, "pv1.p", Column.QUALITY) == "坏:通信中断")
    runtime.set_link("pv2", False)
    qtbot.waitUntil(lambda: "中断" in win.status.links["pv2"].text())
    win.close()


def test_language_switch_keeps_selection_and_trend(qtbot, window, runtime):
    window.tree.select("bms1")
    window.trend.add_point("bms1.soc")
    window.trend.set_span(15 * 60)
    window.set_language("zh")
    assert window.overview.tiles["site.load_p"].title.text() == "负荷"
    assert window.tree.current_key() == "bms1"
    assert "bms1.soc" in window.trend.series
    assert window.trend.span_s == 15 * 60
    # the new panels are wired to the bus, the old adapter is gone
    runtime.points.update({"bms1.soc": PointValue(70.0, time.time())})
    qtbot.waitUntil(lambda: window.overview.tiles["site.bess_soc"].value.text() == "70.0")
    assert len(runtime.bus._handlers["points"]) == 1


def test_closing_unsubscribes_from_the_bus(qtbot, runtime):
    win = MainWindow(runtime, "en")
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.closed, timeout=2000):
        win.close()
    assert runtime.bus._handlers["points"] == []
    assert runtime.bus._handlers["link"] == []
    runtime.points.update(support.plausible_values(time.time()))  # nothing may blow up


def test_control_cycle_in_status_bar_turns_abnormal_when_it_overruns(qtbot, window, runtime):
    runtime.stats.update({"cycle_period_ms": 1000.0, "cycle_ms": 3.2, "cycle_lateness_ms": 1.0})
    window.status.refresh()
    assert "cycle 3.2 ms, late 1 ms" in window.status.stats.text()
    assert window.status.stats.objectName() == "stats"
    runtime.stats["cycle_ms"] = 700.0  # more than half the period
    window.status.refresh()
    assert window.status.stats.objectName() == "statsAlarm"
