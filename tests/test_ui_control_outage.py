"""The control panel shows a PCS outage while it lasts (issue 9: "During a PCS outage the
Control panel still shows 'Auto · Result ok 12:00:03'; the failed heartbeat is only in the
log"). The link state comes through the runtime's facade, ``control_link()``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.alarms.states import AlarmState
from app.control_status import LinkProblem
from app.dispatcher import COMMAND, CommandResult
from tests import ui_support as support
from tests.control_support import controlled_station
from tests.ui_support import FakeRuntime
from ui.control_panel import ControlPanel
from ui.format import format_time

pytestmark = pytest.mark.timeout(60)

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def rt(qapp):
    runtime = FakeRuntime(control=SimpleNamespace(mode="auto", manual={}))
    with support.running_qasync_loop(qapp):
        yield runtime


def make_panel(qtbot, runtime: Any, lang: str = "en", zone: ZoneInfo = ZONE) -> ControlPanel:
    panel = ControlPanel(runtime, lang, zone, user="alice")
    qtbot.addWidget(panel)
    panel.show()
    return panel


def command(point_id: str, result: str, ts: float) -> CommandResult:
    ok = result == "ok"
    return CommandResult(point_id, 1.0, ok, result, 1.0 if ok else None, 1, ts)


def test_a_lost_link_is_shown_in_red_until_it_returns(qtbot, rt):
    t0 = time.time()
    panel = make_panel(qtbot, rt)
    rt.bus.publish(COMMAND, command("pcs1.p_set", "ok", t0))
    qtbot.waitUntil(lambda: panel.result.text() == "ok", timeout=2_000)
    assert not panel.link_status.isVisible()

    rt.set_link("pcs1", False, "no response (timeout)")
    since = format_time(rt.links["pcs1"].ts, ZONE, with_date=False)
    qtbot.waitUntil(panel.link_status.isVisible, timeout=2_000)
    assert panel.link_status.text() == (
        f"PCS pcs1 link lost since {since} — commands not delivered"
    )
    assert panel.link_status.toolTip() == "no response (timeout)"
    assert panel.mode_value.text() == "Auto"  # the mode stays what the loop runs

    rt.set_link("pcs1", True)
    qtbot.waitUntil(lambda: not panel.link_status.isVisible(), timeout=2_000)
    panel.close_panel()


def test_failing_commands_are_shown_while_the_link_still_counts_as_up(qtbot, rt):
    # the heartbeat's results come on the same topic (the UI station has no heartbeat point)
    t0 = time.time()
    panel = make_panel(qtbot, rt, "zh")
    rt.bus.publish(COMMAND, command("pcs1.p_set", "failed: connection reset", t0))
    rt.bus.publish(COMMAND, command("pcs1.p_set", "timeout: no read-back", t0 + 1))
    since = format_time(t0, ZONE, with_date=False)  # since the first failure of the run
    qtbot.waitUntil(panel.link_status.isVisible, timeout=2_000)
    assert panel.link_status.text() == f"PCS pcs1 指令下发失败（自 {since} 起）— 未送达"
    assert panel.link_status.toolTip() == "pcs1.p_set: failed: connection reset"
    status = rt.control_link()
    assert status is not None and status.problem is LinkProblem.COMMANDS_FAILING

    # a command refused by its limits says nothing about the link; one that arrives does
    rt.bus.publish(COMMAND, command("pcs1.p_set", "rejected: outside the limits", t0 + 2))
    assert rt.control_link().problem is LinkProblem.COMMANDS_FAILING
    rt.bus.publish(COMMAND, command("pv1.p_limit", "ok", t0 + 2))  # another device's
    assert not rt.control_link().ok
    rt.bus.publish(COMMAND, command("pcs1.p_set", "ok", t0 + 3))
    assert rt.control_link().ok  # and the panel follows
    qtbot.waitUntil(lambda: not panel.link_status.isVisible(), timeout=2_000)
    panel.close_panel()


def test_no_control_section_no_link_line(qtbot, qapp):
    runtime = FakeRuntime()  # control None: the panel is disabled and says nothing of links
    with support.running_qasync_loop(qapp):
        panel = make_panel(qtbot, runtime)
        runtime.set_link("pcs1", False, "refused")
        assert runtime.control_link() is None
        qtbot.waitUntil(lambda: not panel.available, timeout=1_000)
        assert not panel.link_status.isVisible()
        panel.close_panel()


@contextlib.contextmanager
def running(qtbot, qapp, station_cm) -> Iterator[Any]:
    """The async station context on the shared qasync loop (as tests/test_ui_control_panel)."""
    with support.running_qasync_loop(qapp) as loop:
        enter = loop.create_task(station_cm.__aenter__())
        qtbot.waitUntil(enter.done, timeout=20_000)
        runtime, sim = enter.result()
        try:
            yield runtime, sim
        finally:
            leave = loop.create_task(station_cm.__aexit__(None, None, None))
            qtbot.waitUntil(leave.done, timeout=15_000)


def test_the_simulated_pcs_outage_shows_on_the_panel_and_as_an_alarm(qtbot, qapp, tmp_path):
    # comm_fault: the PCS stops answering from the 10th to the 30th second, then resumes
    with running(qtbot, qapp, controlled_station(tmp_path, "comm_fault", "12:00")) as (rt, sim):
        panel = make_panel(qtbot, rt, zone=ZoneInfo(rt.station.info.timezone))
        assert not panel.link_status.isVisible()
        qtbot.waitUntil(panel.link_status.isVisible, timeout=30_000)
        status = rt.control_link()
        assert status is not None and not status.ok and status.device_id == "pcs1"
        assert "not delivered" in panel.link_status.text()
        # once the driver gives the link up, the panel says so, and the lost link is an
        # alarm in the active list while the outage lasts (not only after the link
        # returns, as the PCS's own watchdog bit is)
        qtbot.waitUntil(lambda: rt.control_link().problem is LinkProblem.LINK_LOST, timeout=15_000)
        qtbot.waitUntil(lambda: "link lost since" in panel.link_status.text(), timeout=2_000)
        active = {v.alarm_id: v for v in rt.alarms_active()}
        assert active["link.pcs1"].state is AlarmState.UNACK
        assert not rt.links["pcs1"].up
        assert sim.plant.clock.now() - sim.plant.t0 < 30  # still inside the silent window

        # the link returns: the line goes, the alarm has returned (to be acknowledged)
        qtbot.waitUntil(lambda: not panel.link_status.isVisible(), timeout=30_000)
        assert rt.control_link().ok
        panel.close_panel()
