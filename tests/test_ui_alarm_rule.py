"""The alarm-rule editor on the real AlarmService: it opens on the running rule, an edit
runs at once (a value raises the alarm by the new limit) and is audited and journaled, a bad
edit is shown and keeps the dialog open, reset returns to the station's rule, read-only
without edit_alarms; and the point table's context menu that opens it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QWidget

from app.access import parse_access
from app.points import PointValue
from tests.ui_support import (
    ACCESS,
    UI_STATION,
    FakeRuntime,
    alarms_running,
    load_ui_station,
    running_qasync_loop,
)
from ui.alarm_rule_dialog import AlarmRuleDialog, AlarmRuleEditor
from ui.device_tree import points_for
from ui.point_table_view import PointTableModel, PointTableView

pytestmark = pytest.mark.timeout(60)

ZONE = ZoneInfo("Asia/Shanghai")
CELL = "bms1.t_cell_max"
STATION_RULE = {"hh": 55.0, "h": 45.0, "deadband": 1.0, "priority": {"h": "medium", "hh": "high"}}


@pytest.fixture
def loop(qapp):
    with running_qasync_loop(qapp) as running:
        yield running


@pytest.fixture
def rt(loop, qtbot, tmp_path):
    runtime = FakeRuntime()  # no access section: every user may edit
    with alarms_running(qtbot, runtime, tmp_path):
        yield runtime


def open_editor(qtbot, rt, point_id: str = CELL, user: str = "alice", lang: str = "en"):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    editor = AlarmRuleEditor(rt, lang, window, user=user)
    dialog = editor.open_for(point_id)
    assert isinstance(dialog, AlarmRuleDialog) and editor.dialog is dialog
    assert dialog.isVisible()  # open(), not exec(): this line runs while it is shown
    return editor, dialog


def active_ids(rt) -> set[str]:
    return {v.alarm_id for v in rt.alarms_active()}


def publish(rt, value: float) -> None:
    rt.points.update({CELL: PointValue(value, time.time())})


def journal(qtbot, rt, **query) -> list:
    async def read():
        await rt.alarm_service.flush()
        return await rt.alarm_history(**query)

    task = asyncio.ensure_future(read())
    qtbot.waitUntil(task.done, timeout=5000)
    return task.result()


def submit(qtbot, editor, dialog, reason: str, button) -> None:
    """Type the reason, press ``button`` and wait for the runtime's answer."""
    dialog.reason.setText(reason)
    assert button.isEnabled()
    button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)


def test_opens_with_the_running_limits(qtbot, rt):
    editor, dialog = open_editor(qtbot, rt)
    assert dialog.windowTitle() == "Alarm limits — bms1.t_cell_max"
    assert [lvl for lvl, box in dialog.enabled.items() if box.isChecked()] == ["hh", "h"]
    assert dialog.limit["hh"].value() == 55.0 and dialog.limit["h"].value() == 45.0
    assert dialog.limit["h"].suffix() == " °C"
    assert not dialog.limit["l"].isEnabled()  # unticked: no L alarm
    assert dialog.priority["hh"].currentData() == "high"
    assert dialog.priority["h"].currentData() == "medium"
    assert dialog.deadband.value() == 1.0
    assert dialog.on_delay.value() == 0.0 and dialog.off_delay.value() == 0.0
    assert dialog.changes() == {}  # nothing touched, nothing to send
    assert not dialog.ok_button.isEnabled()  # a reason is required
    dialog.reason.setText("   ")
    assert not dialog.ok_button.isEnabled()
    assert "User: alice" in [w.text() for w in dialog.findChildren(type(dialog.error))]
    editor.close()
    assert editor.dialog is None


def test_changes_hold_only_what_differs(qtbot, rt):
    editor, dialog = open_editor(qtbot, rt)
    dialog.limit["h"].setValue(40.0)
    assert dialog.changes() == {"h": 40.0}
    dialog.enabled["hh"].setChecked(False)  # removed limits are sent as None
    assert dialog.changes() == {"h": 40.0, "hh": None}
    dialog.enabled["l"].setChecked(True)
    dialog.limit["l"].setValue(5.0)
    dialog.on_delay.setValue(5.0)
    # the new level gets its default priority (medium): no priority change needed
    assert dialog.changes() == {"h": 40.0, "hh": None, "l": 5.0, "on_delay_s": 5.0}
    dialog.priority["l"].setCurrentIndex(dialog.priority["l"].findData("low"))
    assert dialog.changes()["priority"] == {"h": "medium", "l": "low"}
    editor.close()


def test_lowering_h_raises_the_alarm_at_once_and_is_audited_and_journaled(qtbot, rt):
    publish(rt, 42.0)
    assert f"{CELL}.H" not in active_ids(rt)  # 42 < 45
    editor, dialog = open_editor(qtbot, rt)
    dialog.limit["h"].setValue(40.0)
    submit(qtbot, editor, dialog, "summer derating", dialog.ok_button)
    assert editor.dialog is None  # success closes the dialog (and deletes it later)
    assert rt.alarm_rule(CELL)["h"] == 40.0
    # the new rule is evaluated against the last value at once, and by every new value
    assert f"{CELL}.H" in active_ids(rt)
    publish(rt, 42.0)
    assert f"{CELL}.H" in active_ids(rt)
    assert ("alice", "alarm_rule", CELL, "summer derating") in rt.audit_changes
    edits = [e for e in journal(qtbot, rt, text=CELL) if e.alarm_id == "event.alarm_rule"]
    assert len(edits) == 1
    assert edits[0].user == "alice" and edits[0].comment == "summer derating"
    assert '"h": 45.0' in edits[0].message and '"h": 40.0' in edits[0].message


def test_an_invalid_edit_is_shown_and_the_dialog_stays_open(qtbot, rt):
    editor, dialog = open_editor(qtbot, rt)
    dialog.limit["h"].setValue(60.0)  # above HH 55
    submit(qtbot, editor, dialog, "try", dialog.ok_button)
    assert dialog.isVisible() and editor.dialog is dialog
    text = dialog.error.text()
    assert text.startswith("Not applied: alarm rule of bms1.t_cell_max")
    assert "h=60 is not below hh=55" in text
    assert "color" in dialog.error.styleSheet()
    # nothing typed is lost, nothing changed, and it can be corrected and sent again
    assert dialog.limit["h"].value() == 60.0 and dialog.reason.text() == "try"
    assert rt.alarm_rule(CELL) == STATION_RULE
    assert dialog.ok_button.isEnabled()
    dialog.limit["h"].setValue(50.0)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: editor.dialog is None, timeout=5000)
    assert rt.alarm_rule(CELL)["h"] == 50.0


def test_nothing_changed_sends_nothing(qtbot, rt):
    editor, dialog = open_editor(qtbot, rt)
    dialog.reason.setText("just looking")
    assert dialog.apply() is None
    assert dialog.error.text() == "Nothing changed."
    assert dialog.isVisible() and rt.audit_changes == []
    editor.close()


def test_reset_returns_to_the_station_rule(qtbot, rt):
    run = asyncio.ensure_future(rt.set_alarm_rule(CELL, {"h": 40, "hh": None}, "alice", "test"))
    qtbot.waitUntil(run.done, timeout=5000)
    editor, dialog = open_editor(qtbot, rt)
    assert not dialog.enabled["hh"].isChecked() and dialog.limit["h"].value() == 40.0
    submit(qtbot, editor, dialog, "back to commissioning values", dialog.reset_button)
    assert editor.dialog is None
    assert rt.alarm_rule(CELL) == STATION_RULE
    assert ("alice", "alarm_rule", CELL, "back to commissioning values") in rt.audit_changes
    # reopened, it shows the station's rule again
    editor, dialog = open_editor(qtbot, rt)
    assert dialog.enabled["hh"].isChecked() and dialog.limit["h"].value() == 45.0
    editor.close()


def test_a_digital_rule(qtbot, rt):
    editor, dialog = open_editor(qtbot, rt, "pcs1.running")
    assert dialog.when.currentData() == 0  # the station file: abnormal when stopped
    assert dialog.digital_priority.currentData() == "medium"
    dialog.digital_priority.setCurrentIndex(dialog.digital_priority.findData("high"))
    assert dialog.changes() == {"priority": "high"}
    submit(qtbot, editor, dialog, "a stopped PCS is urgent", dialog.ok_button)
    assert editor.dialog is None
    assert rt.alarm_rule("pcs1.running") == {
        "when": 0,
        "priority": "high",
        "message": "PCS stopped",
    }


def test_a_point_without_a_rule_gets_one(qtbot, rt):
    assert rt.alarm_rule("bms1.u") is None
    editor, dialog = open_editor(qtbot, rt, "bms1.u", lang="zh")
    assert dialog.windowTitle() == "报警限值 — bms1.u"
    assert not any(box.isChecked() for box in dialog.enabled.values())
    dialog.enabled["ll"].setChecked(True)
    dialog.limit["ll"].setValue(600.0)
    submit(qtbot, editor, dialog, "undervoltage", dialog.ok_button)
    assert editor.dialog is None
    assert rt.alarm_rule("bms1.u") == {"ll": 600.0}


def test_read_only_without_edit_alarms(qtbot, loop, tmp_path):
    rt = FakeRuntime(station=load_ui_station(access=ACCESS))
    with alarms_running(qtbot, rt, tmp_path):
        editor, dialog = open_editor(qtbot, rt, user="bob")  # operator: no edit_alarms
        assert not dialog.may_edit
        assert dialog.read_only_note.isVisible()
        assert dialog.read_only_note.text() == (
            "Read only: bob lacks the “Edit alarm limits” permission (edit_alarms)."
        )
        assert dialog.limit["h"].value() == 45.0  # the rule is still shown
        for widget in (*dialog.enabled.values(), *dialog.limit.values(), dialog.reason):
            assert not widget.isEnabled()
        assert not dialog.ok_button.isEnabled() and not dialog.reset_button.isEnabled()
        assert dialog.cancel_button.isEnabled() and dialog.cancel_button.text() == "Close"
        assert "(edit_alarms)" in dialog.ok_button.toolTip()
        assert dialog.apply() is None and dialog.reset() is None
        editor.close()


def test_a_permission_refused_by_the_runtime_is_shown_in_the_dialog(qtbot, loop, tmp_path):
    rt = FakeRuntime(station=load_ui_station(access=ACCESS))
    with alarms_running(qtbot, rt, tmp_path):
        editor, dialog = open_editor(qtbot, rt, user="alice")
        assert dialog.may_edit
        # alice is made a viewer while the dialog is open: the runtime decides
        policy = parse_access(UI_STATION, {"users": {"alice": "viewer"}})
        rt.station = replace(rt.station, access=policy)
        dialog.limit["h"].setValue(40.0)
        submit(qtbot, editor, dialog, "derate", dialog.ok_button)
        assert dialog.isVisible()
        assert "user 'alice' lacks the 'edit_alarms' permission" in dialog.error.text()
        assert rt.alarm_rule(CELL) == STATION_RULE
        editor.close()


def test_the_point_table_menu_offers_alarm_limits_for_alarmable_points(qtbot, rt):
    model = PointTableModel(ZONE, "en")
    view = PointTableView(model)
    qtbot.addWidget(view)
    model.set_points(points_for(rt.station, "pcs1") + points_for(rt.station, "bms1"), {})

    def menu_for(point_id: str):
        row = next(r for r in range(model.rowCount()) if model.point_id(r) == point_id)
        return view.context_menu(model.index(row, 0))

    menu = menu_for(CELL)
    texts = [a.text() for a in menu.actions()]
    assert texts == ["Add to trend", "Alarm limits…"]
    with qtbot.waitSignal(view.edit_alarm_rule_requested, timeout=1000) as signal:
        menu.actions()[1].trigger()
    assert signal.args == [CELL]
    with qtbot.waitSignal(view.activated_point, timeout=1000) as signal:
        menu.actions()[0].trigger()
    assert signal.args == [CELL]
    # a digital point can carry a rule too; a setpoint cannot
    assert "Alarm limits…" in [a.text() for a in menu_for("pcs1.running").actions()]
    assert [a.text() for a in menu_for("pcs1.p_set").actions()] == ["Add to trend"]
    assert view.context_menu(model.index(-1, -1)) is None  # off the rows: no menu


def test_the_menu_opens_the_editor(qtbot, rt):
    """The main window's wiring: edit_alarm_rule_requested -> AlarmRuleEditor.open_for."""
    window = QWidget()
    qtbot.addWidget(window)
    model = PointTableModel(ZONE, "zh")
    view = PointTableView(model)
    model.set_points(points_for(rt.station, "bms1"), {})
    editor = AlarmRuleEditor(rt, "zh", window, user="alice")
    view.edit_alarm_rule_requested.connect(editor.open_for)
    row = next(r for r in range(model.rowCount()) if model.point_id(r) == CELL)
    menu = view.context_menu(model.index(row, 0))
    action = menu.actions()[1]
    assert action.text() == "报警限值…"
    with qtbot.waitSignal(editor.opened, timeout=1000):
        action.trigger()
    assert editor.dialog is not None and editor.dialog.point_id == CELL
    editor.close()
