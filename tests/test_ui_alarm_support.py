"""The alarm plumbing the console's alarm widgets stand on: the real AlarmService behind the
test runtime's facade, its batches as one ordered Qt signal, its journal read off the loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.alarms.states import AlarmState, Priority
from app.points import PointValue
from tests.ui_support import FakeRuntime, alarms_running, running_qasync_loop
from ui.signals import BusAdapter

pytestmark = pytest.mark.timeout(30)


def test_a_hot_cell_reaches_the_console_as_one_ordered_alarm_batch(qapp, qtbot, tmp_path):
    rt = FakeRuntime()
    with running_qasync_loop(qapp), alarms_running(qtbot, rt, tmp_path):
        adapter = BusAdapter(rt.bus, max_rate_hz=4.0)
        received: list[list] = []
        adapter.alarms_changed.connect(received.append)
        now = time.time()
        with qtbot.waitSignal(adapter.alarms_changed, timeout=2000):
            rt.points.update({"bms1.t_cell_max": PointValue(56.0, now)})
        ids = [e.alarm_id for e in received[0]]
        assert {"bms1.t_cell_max.H", "bms1.t_cell_max.HH"} <= set(ids)
        active = rt.alarms_active()
        assert [v.alarm_id for v in active][:1] == ["bms1.t_cell_max.HH"]  # high before medium
        assert active[0].priority is Priority.HIGH and active[0].state is AlarmState.UNACK

        ack = asyncio.ensure_future(rt.acknowledge_alarms(["bms1.t_cell_max.HH"], "op", "seen"))
        qtbot.waitUntil(ack.done, timeout=2000)
        found = asyncio.ensure_future(rt.alarm_history(text="t_cell_max"))
        qtbot.waitUntil(found.done, timeout=2000)
        states = [(e.alarm_id, e.state) for e in found.result()]
        assert ("bms1.t_cell_max.HH", AlarmState.ACKED) in states
        assert rt.audit_changes == [("op", "alarm_ack", "bms1.t_cell_max.HH", "seen")]
        adapter.close()
