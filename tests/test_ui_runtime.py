"""The console on the real runtime (point table, SQLite history, site energy), no simulator."""

from __future__ import annotations

import time

import pytest

from app.drivers_api import DriverRegistry
from app.points import PointValue
from app.runtime import Runtime
from tests import ui_support as support
from ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(60)


def run(qtbot, loop, coro):
    """Drive ``coro`` to completion on the qasync loop while Qt keeps processing events."""
    task = loop.create_task(coro)
    qtbot.waitUntil(task.done, timeout=15_000)
    return task.result()


def test_console_on_the_real_runtime(qtbot, qapp, tmp_path):
    registry = DriverRegistry()
    registry.register(support.AnyDriverFactory())
    with support.running_qasync_loop(qapp) as loop:
        runtime = Runtime(support.load_ui_station(), tmp_path, registry=registry)
        run(qtbot, loop, runtime.start())
        try:
            t0 = time.time() - 120
            for k in range(60):
                runtime.points.update(
                    {"pv1.p": PointValue(100.0 + k, t0 + k), "pv2.p": PointValue(50.0, t0 + k)}
                )
            run(qtbot, loop, runtime.flush_history())

            win = MainWindow(runtime, "en")
            qtbot.addWidget(win)
            win.show()
            # history from SQLite is joined in front of the live samples
            pv = win.trend.series["site.pv_p"]
            qtbot.waitUntil(lambda: len(pv.hist_ts) >= 59)
            assert pv.hist_v[0] == pytest.approx(150.0)

            live = support.plausible_values(time.time())
            runtime.points.update({k: v for k, v in live.items() if not k.startswith("site.")})
            tiles = win.overview.tiles
            qtbot.waitUntil(lambda: tiles["site.pv_p"].value.text() == "612.3")
            # the runtime integrates today's energy itself: the tile shows its number
            qtbot.waitUntil(lambda: tiles["site.e_pv_today"].value.text() != "—")
            assert "loop lag" in win.status.stats.text()
            win.close()
        finally:
            run(qtbot, loop, runtime.stop())
