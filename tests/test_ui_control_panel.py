"""The control panel on a real runtime over the simulator: confirm, audit, read-back, refusals."""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests import ui_support as support
from tests.control_support import controlled_station
from tests.station_support import demo_station
from ui.control_panel import ControlPanel
from ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(60)

USER = "alice"


@contextlib.contextmanager
def running(qtbot, qapp, station_cm) -> Iterator[Any]:
    """Enter the async station context on a qasync loop that Qt's event processing drives."""
    with support.running_qasync_loop(qapp) as loop:
        enter = loop.create_task(station_cm.__aenter__())
        qtbot.waitUntil(enter.done, timeout=20_000)
        runtime, _sim = enter.result()
        try:
            yield runtime
        finally:
            leave = loop.create_task(station_cm.__aexit__(None, None, None))
            qtbot.waitUntil(leave.done, timeout=15_000)


@pytest.fixture
def controlled(qtbot, qapp, tmp_path):
    with running(qtbot, qapp, controlled_station(tmp_path, "none", sim_start="12:00")) as rt:
        yield rt


def make_panel(qtbot, runtime, user: str | None = USER) -> ControlPanel:
    panel = ControlPanel(runtime, "en", ZoneInfo(runtime.station.info.timezone), user=user)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def confirm(qtbot, panel: ControlPanel, reason: str) -> None:
    """Type ``reason`` into the open dialog, press OK, and wait for the runtime's answer."""
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.reason.setText(reason)
    assert dialog.ok_button.isEnabled()
    dialog.ok_button.click()
    assert panel.dialog is None
    qtbot.waitUntil(lambda: not panel._busy, timeout=5_000)


def operator_entries(runtime) -> list[tuple]:
    return [
        (e.actor, e.action, e.target, e.old, e.new, e.reason, e.result)
        for e in runtime.audit.entries()
        if e.actor == USER
    ]


def test_confirmed_mode_change_is_applied_and_audited(qtbot, controlled):
    runtime = controlled
    panel = make_panel(qtbot, runtime)
    assert panel.available and panel.controls.isEnabled()
    assert panel.mode_value.text() == "Auto"
    assert panel.mode_buttons["auto"].isChecked()

    panel.mode_buttons["standby"].click()
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.change.text() == "Auto  →  Standby"
    assert dialog.user_label.text() == USER
    # a click alone changes nothing: the buttons keep showing the real mode
    assert not panel.mode_buttons["standby"].isChecked()
    assert runtime.control.mode == "auto"

    confirm(qtbot, panel, "inverter maintenance")
    assert runtime.control.mode == "standby"
    assert panel.mode_value.text() == "Standby"
    assert panel.mode_buttons["standby"].isChecked()
    assert "Control mode is now Standby" in panel.message.text()
    assert operator_entries(runtime) == [
        (USER, "mode", "control", "auto", "standby", "inverter maintenance", "ok")
    ]
    panel.close_panel()


def test_cancel_and_a_blank_reason_change_nothing(qtbot, controlled):
    runtime = controlled
    panel = make_panel(qtbot, runtime)

    panel.mode_buttons["manual"].click()
    dialog = panel.dialog
    assert dialog is not None
    assert not dialog.ok_button.isEnabled()  # no reason yet
    dialog.reason.setText("   ")
    assert not dialog.ok_button.isEnabled()  # blanks are no reason
    dialog.accept()  # even if OK were forced: refused, the dialog stays open
    assert dialog.isVisible() and dialog.refusal.isVisible()
    dialog.reject()
    assert panel.dialog is None

    panel.value_spin.setValue(120.0)
    panel.set_button.click()
    assert panel.dialog is not None
    panel.dialog.buttons.rejected.emit()  # the Cancel button
    assert panel.dialog is None

    # give the loop a few cycles to show that nothing was sent
    cycles = runtime.control.stats.count
    qtbot.waitUntil(lambda: runtime.control.stats.count >= cycles + 2, timeout=3_000)
    assert runtime.control.mode == "auto"
    assert runtime.control.manual == {}
    assert operator_entries(runtime) == []
    assert panel.message.text() == ""
    panel.close_panel()


def test_manual_setpoint_reaches_the_pcs_and_its_read_back_shows(qtbot, controlled):
    runtime = controlled
    panel = make_panel(qtbot, runtime)
    assert panel.current_point().id == "pcs1.p_set"
    assert "range -500.0 kW … 500.0 kW" in panel.hint.text()
    assert panel.value_spin.suffix() == " kW"

    panel.mode_buttons["manual"].click()
    confirm(qtbot, panel, "commissioning")
    assert runtime.control.mode == "manual"

    panel.value_spin.setValue(50.0)
    panel.set_button.click()
    assert panel.dialog.change.text() == "none  →  50.0 kW"
    confirm(qtbot, panel, "discharge test 50 kW")
    assert runtime.control.manual == {"pcs1.p_set": 50.0}
    assert panel.manual_now.text() == "Operator setpoint now: 50.0 kW"

    # the cycle writes it (ramped), the dispatcher reads it back: the command topic shows it
    qtbot.waitUntil(lambda: panel.written.text() == "50.0 kW", timeout=10_000)
    assert panel.read_back.text() == "50.0 kW"
    assert panel.result.text() == "ok"
    assert panel.result_time.text() != "—"
    assert (USER, "setpoint", "pcs1.p_set", None, "50", "discharge test 50 kW", "ok") in (
        operator_entries(runtime)
    )
    panel.close_panel()


def test_runtime_errors_are_shown_not_raised(qtbot, controlled, monkeypatch):
    runtime = controlled
    panel = make_panel(qtbot, runtime)

    async def refuse(*_args: object) -> None:
        raise ValueError("pcs1.p_set: not a setpoint of this station")

    monkeypatch.setattr(runtime, "set_manual", refuse)
    panel.value_spin.setValue(10.0)  # the entry starts blank: a value is typed first
    panel.set_button.click()
    confirm(qtbot, panel, "try")
    assert "Not done: pcs1.p_set: not a setpoint of this station" in panel.message.text()
    assert panel.set_button.isEnabled()  # the panel stays usable
    panel.close_panel()


def test_panel_is_disabled_on_a_station_without_control(qtbot, qapp, tmp_path):
    with running(qtbot, qapp, demo_station(tmp_path)) as runtime:
        assert runtime.control is None
        win = MainWindow(runtime, "en")
        qtbot.addWidget(win)
        win.show()
        panel = win.control_panel
        assert panel.user == getpass.getuser()  # the default operator name
        assert not panel.available
        assert not panel.controls.isEnabled()
        assert panel.unavailable.isVisible()
        assert "no control section" in panel.unavailable.text()
        assert panel.mode_value.text() == "—"
        panel.request_mode("standby")  # a call that slips through is ignored
        assert panel.dialog is None
        win.set_language("zh")  # rebuilt in Chinese, still disabled
        assert win.control_panel is not panel
        assert not win.control_panel.controls.isEnabled()
        assert win.control_panel.unavailable.text() == "本站未配置控制段：控制台仅作监视。"
        win.close()
