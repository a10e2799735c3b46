"""The active list keeps the value at activation in an alarm's message, as the journal does
(issue 9: "limit 45 °C: 55.7 °C" later read 66.6 °C while the journal kept 55.7 °C)."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import pytest

from app.alarms.engine import AlarmEngine
from app.alarms.states import AlarmState
from app.config.loader import load_station
from app.paths import DEMO_STATION
from app.points import PointValue
from tests.ui_support import FakeRuntime, alarms_running, running_qasync_loop
from ui.alarm_list import AlarmListPanel

pytestmark = pytest.mark.timeout(60)

T0 = 1_750_000_000.0
TEMP = "bms1.cell_t_max"  # demo station: H 45 °C, on-delay 5 s
CELL = "bms1.t_cell_max"  # UI fixture station: H 45 °C, no delay


def _message(engine: AlarmEngine, alarm_id: str, lang: str = "en") -> str:
    (view,) = [v for v in engine.active() if v.alarm_id == alarm_id]
    return view.text(lang)


def test_the_active_view_keeps_the_value_at_activation() -> None:
    engine = AlarmEngine(load_station(DEMO_STATION))
    engine.on_points({TEMP: PointValue(50.0, T0)})
    (raised,) = engine.on_points({TEMP: PointValue(50.5, T0 + 5)})  # H after its on-delay
    assert raised.state is AlarmState.UNACK and raised.message.endswith("50.5 °C")
    assert _message(engine, f"{TEMP}.H") == raised.message

    # hotter and hotter while H stays active: the list still reads the activation value
    for i, value in enumerate((51.7, 53.2, 54.9)):
        engine.on_points({TEMP: PointValue(value, T0 + 6 + i)})
    assert _message(engine, f"{TEMP}.H") == raised.message
    assert _message(engine, f"{TEMP}.H", "zh") == raised.message_zh
    assert raised.message_zh.endswith("50.5 °C")

    # back to normal and raised again: the new activation's value is the one shown
    engine.on_points({TEMP: PointValue(40.0, T0 + 20)})
    engine.tick(T0 + 31)  # the 10 s off-delay ends: returned, still to be acknowledged
    assert engine.alarm(f"{TEMP}.H").state is AlarmState.RTN_UNACK
    assert _message(engine, f"{TEMP}.H") == raised.message
    engine.on_points({TEMP: PointValue(47.0, T0 + 40)})
    (again,) = engine.on_points({TEMP: PointValue(47.2, T0 + 45)})
    assert again.state is AlarmState.UNACK
    assert _message(engine, f"{TEMP}.H").endswith("47.2 °C")


def test_the_alarm_list_message_does_not_follow_the_value(qapp, qtbot, tmp_path) -> None:
    runtime = FakeRuntime()
    with running_qasync_loop(qapp), alarms_running(qtbot, runtime, tmp_path):
        runtime.points.update({CELL: PointValue(46.0, time.time())})
        panel = AlarmListPanel(runtime, "en", ZoneInfo("Asia/Shanghai"), user="alice")
        qtbot.addWidget(panel)
        panel.show()
        row = panel.model.row_of(f"{CELL}.H")
        column = 3  # priority, time, source, message, ...
        first = panel.model.index(row, column).data()
        assert first.endswith("46 °C")

        runtime.points.update({CELL: PointValue(52.3, time.time())})  # H still active
        panel.refresh()
        row = panel.model.row_of(f"{CELL}.H")
        assert panel.model.index(row, column).data() == first
