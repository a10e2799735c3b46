"""Operator permissions in the console: what greys out for whom (alarm list, shelved list,
banner, control panel), the tooltips that say why, a refusal by the runtime shown in the
panel, and logins journaled; on the real AlarmService and the real access policy."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.points import PointValue
from tests.ui_support import (
    ACCESS,
    FakeRuntime,
    alarms_running,
    load_ui_station,
    running_qasync_loop,
)
from ui.alarm_banner import AlarmBanner
from ui.alarm_dialogs import ShelveDialog
from ui.alarm_list import AlarmListPanel
from ui.alarm_masked import ShelvedListPanel
from ui.control_panel import ControlPanel

pytestmark = pytest.mark.timeout(60)

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def rt(qapp, qtbot, tmp_path):
    """The fixture station with ACCESS: alice supervisor, bob operator, vera viewer."""
    runtime = FakeRuntime(station=load_ui_station(access=ACCESS))
    with running_qasync_loop(qapp), alarms_running(qtbot, runtime, tmp_path):
        yield runtime


def hot_cell(rt: FakeRuntime) -> None:
    """bms1.t_cell_max at 50 °C: above H (45), below HH (55)."""
    rt.points.update({"bms1.t_cell_max": PointValue(50.0, time.time())})


def journal(qtbot, rt, **query) -> list:
    async def read():
        await rt.alarm_service.flush()
        return await rt.alarm_history(**query)

    task = asyncio.ensure_future(read())
    qtbot.waitUntil(task.done, timeout=5000)
    return task.result()


def run(qtbot, coro):
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=5000)
    return task.result()


def test_the_fake_runtime_reads_the_real_policy(rt):
    assert rt.permissions("alice") == {"acknowledge", "shelve", "control", "edit_alarms"}
    assert rt.permissions("bob") == {"acknowledge", "control"}
    assert rt.permissions("vera") == frozenset()
    assert rt.permissions("someone_else") == frozenset()  # default_role: viewer
    # without an access section every user may do everything, as in Runtime
    assert FakeRuntime().permissions("anyone") == {
        "acknowledge",
        "shelve",
        "control",
        "edit_alarms",
    }


def test_an_operator_without_shelve_sees_shelve_greyed_and_a_supervisor_does_not(qtbot, rt):
    hot_cell(rt)
    panels = {}
    for user in ("bob", "alice"):
        panel = AlarmListPanel(rt, "en", ZONE, user=user)
        qtbot.addWidget(panel)
        panel.show()
        panel.select_ids(["bms1.t_cell_max.H"])
        panels[user] = panel
    bob, alice = panels["bob"], panels["alice"]
    # bob may acknowledge but not shelve; the greyed button says which permission is missing
    assert bob.ack_selected_button.isEnabled()
    assert bob.ack_visible_button.isEnabled()
    assert not bob.shelve_button.isEnabled()
    assert bob.shelve_button.toolTip() == (
        "Not permitted: bob lacks the “Shelve alarms” permission (shelve)"
    )
    assert alice.shelve_button.isEnabled()
    assert alice.shelve_button.toolTip() == ""
    # a refresh (new alarms, new selection) does not re-enable it
    rt.points.update({"bms1.soc": PointValue(3.0, time.time())})
    bob.refresh()
    bob.select_ids(["bms1.soc.LL"])
    assert not bob.shelve_button.isEnabled()
    for panel in panels.values():
        panel.close_panel()


def test_a_viewer_can_acknowledge_nothing_in_the_list(qtbot, rt):
    hot_cell(rt)
    panel = AlarmListPanel(rt, "zh", ZONE, user="vera")
    qtbot.addWidget(panel)
    panel.select_ids(["bms1.t_cell_max.H"])
    for button in (panel.ack_selected_button, panel.ack_visible_button, panel.shelve_button):
        assert not button.isEnabled()
    assert panel.ack_selected_button.toolTip() == (
        "无权限：用户 vera 没有“确认报警”权限（acknowledge）"
    )
    assert panel.trend_button.isEnabled()  # looking is always allowed
    panel.close_panel()


def test_unshelve_needs_shelve(qtbot, rt):
    hot_cell(rt)
    run(qtbot, rt.shelve_alarm("bms1.t_cell_max.H", "alice", "sensor check", 3600))
    panels = {}
    for user in ("bob", "alice"):
        panel = ShelvedListPanel(rt, "en", ZONE, user=user)
        qtbot.addWidget(panel)
        panel.select_ids(["bms1.t_cell_max.H"])
        panels[user] = panel
    assert not panels["bob"].unshelve_button.isEnabled()
    assert "(shelve)" in panels["bob"].unshelve_button.toolTip()
    assert panels["alice"].unshelve_button.isEnabled()
    for panel in panels.values():
        panel.close_panel()


def test_a_refusal_by_the_runtime_is_shown_and_journaled(qtbot, rt):
    """The runtime decides, not the grey: a request that gets past it is refused, the
    panel says why in red, nothing changes, and the attempt is journaled and recorded."""
    hot_cell(rt)
    panel = AlarmListPanel(rt, "en", ZONE, user="bob")
    qtbot.addWidget(panel)
    panel.select_ids(["bms1.t_cell_max.H"])
    panel.request_shelve()  # what the disabled button would do
    dialog = panel.dialog
    assert isinstance(dialog, ShelveDialog)
    dialog.text.setText("nuisance")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=5000)
    assert "user 'bob' lacks the 'shelve' permission" in panel.message.text()
    assert "color" in panel.message.styleSheet()
    assert [v.alarm_id for v in rt.alarms_shelved()] == []
    assert ("bob", "alarm_shelve", "bms1.t_cell_max.H", "denied: needs shelve") in (
        rt.audit_changes
    )
    denied = [e for e in journal(qtbot, rt, text="bob") if e.alarm_id == "event.denied"]
    assert len(denied) == 1 and denied[0].comment == "needs shelve"
    panel.close_panel()


def test_the_banner_acknowledge_is_greyed_for_a_viewer(qtbot, rt):
    hot_cell(rt)
    viewer = AlarmBanner(rt, "en", ZONE, user="vera")
    operator = AlarmBanner(rt, "en", ZONE, user="bob")
    for banner in (viewer, operator):
        qtbot.addWidget(banner)
        banner.show()
    assert viewer.shown is not None and viewer.shown.alarm_id == "bms1.t_cell_max.H"
    assert not viewer.ack_button.isEnabled()
    assert viewer.ack_button.toolTip() == (
        "Not permitted: vera lacks the “Acknowledge alarms” permission (acknowledge)"
    )
    assert operator.ack_button.isEnabled()
    operator.ack_button.click()  # bob may: acknowledged as bob
    qtbot.waitUntil(lambda: operator.shown is None, timeout=5000)
    assert ("bob", "alarm_ack", "bms1.t_cell_max.H", "acknowledged from banner") in (
        rt.audit_changes
    )
    viewer.refresh()
    assert not viewer.ack_button.isEnabled()  # calm now; and still not allowed
    for banner in (viewer, operator):
        banner.close_banner()


def make_control_panel(qtbot, rt, user: str) -> ControlPanel:
    panel = ControlPanel(rt, "en", ZONE, user=user)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_control_needs_the_control_permission(qtbot, rt):
    rt.control = SimpleNamespace(mode="auto", manual={})  # a station with a control loop
    viewer = make_control_panel(qtbot, rt, "vera")
    operator = make_control_panel(qtbot, rt, "bob")
    assert viewer.available and viewer.points  # the panel itself is there
    tip = "Not permitted: vera lacks the “Control” permission (control)"
    for widget in (*viewer.mode_buttons.values(), viewer.set_button, viewer.value_spin):
        assert not widget.isEnabled()
        assert widget.toolTip() == tip
    assert viewer.point_combo.isEnabled()  # choosing which setpoint to look at is fine
    assert viewer.mode_value.text() == "Auto"  # the state is still shown
    operator.value_spin.setValue(50.0)  # Set… waits for a typed value (the entry starts blank)
    for widget in (*operator.mode_buttons.values(), operator.set_button, operator.value_spin):
        assert widget.isEnabled()
        assert widget.toolTip() == ""
    for panel in (viewer, operator):
        panel.close_panel()


def test_logins_and_logouts_are_journaled(qtbot, rt):
    run(qtbot, rt.record_login("bob", "ws-3"))
    run(qtbot, rt.record_logout("bob", "ws-3"))
    assert rt.sessions == [("login", "bob", "ws-3"), ("logout", "bob", "ws-3")]
    entries = [e for e in journal(qtbot, rt, text="ws-3") if e.kind == "event"]
    assert [(e.alarm_id, e.source, e.user, e.message) for e in entries] == [
        ("event.login", "system", "bob", "bob logged in at ws-3"),
        ("event.logout", "system", "bob", "bob logged out at ws-3"),
    ]
