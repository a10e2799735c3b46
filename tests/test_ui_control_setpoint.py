"""The operator setpoint entry starts blank and the confirmation says exactly what is written
(issue 9: the box was pre-filled once with a copy of the strategy's value, 0, -178.7 or
-100 kW, and Manual -> Set... could send that stale charge command)."""

from __future__ import annotations

import time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.points import PointValue
from tests.ui_support import FakeRuntime, running_qasync_loop
from ui.control_panel import ControlPanel

pytestmark = pytest.mark.timeout(60)

PCS = "pcs1.p_set"


@pytest.fixture
def rt(qapp):
    runtime = FakeRuntime(control=SimpleNamespace(mode="manual", manual={}))
    sent: list[tuple[str, float]] = []

    async def set_manual(point_id: str, value: float, user: str, reason: str) -> None:
        sent.append((point_id, value))
        runtime.control.manual[point_id] = value

    runtime.set_manual = set_manual  # type: ignore[attr-defined]
    runtime.sent = sent  # type: ignore[attr-defined]
    with running_qasync_loop(qapp):
        yield runtime


def make_panel(qtbot, runtime, lang: str = "en") -> ControlPanel:
    panel = ControlPanel(runtime, lang, ZoneInfo("Asia/Shanghai"), user="alice")
    qtbot.addWidget(panel)
    panel.show()
    return panel


def measure(runtime, p_set: float, p: float) -> None:
    """The strategy's last setpoint and the PCS's measured power (site.bess_p = pcs1.p)."""
    now = time.time()
    runtime.points.update({PCS: PointValue(p_set, now), "pcs1.p": PointValue(p, now)})


def test_the_entry_starts_blank_whatever_the_strategy_wrote(qtbot, rt):
    measure(rt, -178.7, -178.7)  # the strategy charges at 178.7 kW
    panel = make_panel(qtbot, rt)
    assert panel.current_point().id == PCS
    assert panel.value_spin.text() == "type a value"  # not -178.7 kW, copied and stale
    assert panel.value_spin.is_empty() and panel.value_spin.entered() is None
    assert not panel.set_button.isEnabled()  # nothing typed: nothing to send
    panel.request_setpoint()  # a call that slips through sends nothing either
    assert panel.dialog is None and rt.sent == []
    assert "Type the value to set first." in panel.message.text()

    # stepping from blank starts at 0 kW, never at the range's end (full charge)
    panel.value_spin.stepBy(1)
    assert panel.value_spin.entered() == 0.0
    assert panel.set_button.isEnabled()


def test_the_confirmation_shows_what_is_written_and_the_power_now(qtbot, rt):
    measure(rt, -100.0, -97.4)
    panel = make_panel(qtbot, rt)
    panel.value_spin.setValue(120.0)
    measure(rt, -178.7, -176.2)  # the plant moves on while the operator types
    panel.set_button.click()
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.change.text() == "none  →  120.0 kW"
    note = dialog.note.text().splitlines()
    assert note[0] == "Writes pcs1.p_set = 120.0 kW (> 0 discharges): discharge 120.0 kW."
    # measured at the moment Set… was pressed, not when the panel opened
    assert note[1] == "Measured battery power now: -176.2 kW (charging)."
    assert note[2].startswith("Applies from the next control cycle")

    dialog.reason.setText("discharge test")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not panel._busy, timeout=5_000)
    assert rt.sent == [(PCS, 120.0)]  # exactly the value shown
    assert panel.value_spin.is_empty()  # the next Set… needs a new value
    assert not panel.set_button.isEnabled()


def test_a_charge_setpoint_in_chinese(qtbot, rt):
    measure(rt, 0.0, 0.2)
    panel = make_panel(qtbot, rt, "zh")
    assert panel.value_spin.text() == "请输入数值"
    panel.value_spin.setValue(-50.0)
    panel.set_button.click()
    note = panel.dialog.note.text().splitlines()
    assert note[0] == "将写入 pcs1.p_set = -50.0 kW（> 0 为放电）：充电 50.0 kW。"
    assert note[1] == "当前实测储能功率：0.2 kW（待机）。"
    panel.dialog.reject()
