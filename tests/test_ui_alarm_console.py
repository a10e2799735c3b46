"""The alarm console inside the main window: a hot cell reaches the banner, the alarm tab,
the device tree and the point table together; the banner opens the list, the list jumps to
the trend, and a language switch keeps the alarms on screen."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QSettings

from app.points import PointValue
from tests.ui_support import FakeRuntime, alarms_running, running_qasync_loop
from ui.main_window import MainWindow
from ui.point_table_view import Column

pytestmark = pytest.mark.timeout(60)


def test_an_alarm_shows_on_every_part_of_the_console(qapp, qtbot, tmp_path):
    rt = FakeRuntime()
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    with running_qasync_loop(qapp), alarms_running(qtbot, rt, tmp_path):
        win = MainWindow(rt, "en", settings=settings)
        qtbot.addWidget(win)
        win.show()
        try:
            win.tree.select("bms1")
            rt.points.update({"bms1.t_cell_max": PointValue(57.0, time.time())})
            qtbot.waitUntil(lambda: win.banner.shown is not None, timeout=3000)
            assert win.banner.shown.alarm_id == "bms1.t_cell_max.HH"
            assert win.alarm_list.model.rowCount() == 2  # H and HH
            row = win.table_model.row_of("bms1.t_cell_max")
            assert row is not None
            mark = win.table_model.index(row, Column.ALARM).data()
            assert "HIGH" in mark.upper()

            # the banner opens the alarm tab; the list's trend jump comes back to the trend
            win.banner.open_list_requested.emit()
            assert win.tabs.currentWidget() is win.alarm_list
            win.alarm_list.trend_requested.emit("bms1.t_cell_max")
            assert win.tabs.currentWidget() is win.trend
            assert "bms1.t_cell_max" in win.trend.series

            # the KPI tab computes when first shown: the two activations are counted
            win.tabs.setCurrentWidget(win.alarm_kpis)
            qtbot.waitUntil(lambda: win.alarm_kpis.kpis is not None, timeout=3000)
            assert win.alarm_kpis.kpis.activations == 2

            # rebuilt in Chinese, the window still shows the active alarm
            win.set_language("zh")
            qtbot.waitUntil(lambda: win.banner.shown is not None, timeout=3000)
            assert win.alarm_list.model.rowCount() == 2
            assert win.tabs.tabText(1) != "Alarms"
        finally:
            win.close()
