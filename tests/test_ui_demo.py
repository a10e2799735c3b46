"""The console on the demo station: simulator over Modbus TCP, real runtime, real window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.points import Quality
from tests import ui_support as support
from tests.station_support import demo_station
from ui.main_window import MainWindow
from ui.point_table_view import Column

pytestmark = pytest.mark.timeout(90)


def test_demo_values_arrive_on_screen_and_comm_loss_shows(qtbot, qapp, tmp_path):
    with support.running_qasync_loop(qapp) as loop:
        station_cm = demo_station(tmp_path)
        enter = loop.create_task(station_cm.__aenter__())
        qtbot.waitUntil(enter.done, timeout=15_000)
        runtime, sim = enter.result()
        try:
            win = MainWindow(runtime, "en")
            qtbot.addWidget(win)
            win.show()
            tiles = win.overview.tiles
            # within 5 s every power tile and the SOC show a number from the plant
            for pid in ("site.pv_p", "site.load_p", "site.grid_p", "site.bess_p", "site.bess_soc"):
                qtbot.waitUntil(lambda p=pid: tiles[p].value.text() not in ("—", ""), timeout=5_000)
            assert float(tiles["site.bess_soc"].value.text()) == pytest.approx(
                runtime.points.get("site.bess_soc").value, abs=0.1
            )
            win.tree.select("pcs1")
            model = win.table_model
            row = model.row_of("pcs1.p")
            quality = model.index(row, Column.QUALITY)
            qtbot.waitUntil(lambda: model.data(quality, Qt.ItemDataRole.DisplayRole) == "good")

            stop = loop.create_task(sim.stop())
            qtbot.waitUntil(stop.done, timeout=5_000)
            # two poll periods (1 s each) later, screen and table say comm lost
            qtbot.waitUntil(
                lambda: model.data(quality, Qt.ItemDataRole.DisplayRole) == "bad:comm_lost",
                timeout=2_500,
            )
            qtbot.waitUntil(lambda: "comm lost" in tiles["site.pv_p"].detail.text(), timeout=2_500)
            assert runtime.points.get("pcs1.p").quality is Quality.BAD_COMM_LOST
            win.close()
        finally:
            leave = loop.create_task(station_cm.__aexit__(None, None, None))
            qtbot.waitUntil(leave.done, timeout=15_000)
