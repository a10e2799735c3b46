"""*Tune rules…* in the console (ui/tune_dialog.py, the control panel's button): progress
while the runtime tunes, then the diff and the figures; Apply asks for a reason and calls
``apply_tuning``; Cancel applies nothing; too little history is said plainly (English,
Chinese); the button is greyed without the control permission."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtGui import QFontInfo

from app.access import PermissionDenied
from app.tune.service import TuneProposal, TuneRefusal
from tests.ui_support import ACCESS, FakeRuntime, load_ui_station, running_qasync_loop
from ui.control_panel import ControlPanel
from ui.tune_dialog import TuneDialog

pytestmark = pytest.mark.timeout(60)

ZONE = ZoneInfo("Asia/Shanghai")
START = 1_764_000_000.0  # 2025-11-25 00:00 station time
DIFF = """--- v3
+++ proposed
@@ -9,7 +9,7 @@
 strategies:
 - kind: demand_control
   params:
-    limit_kw: 600
+    limit_kw: 515.0
"""
SECTION = {"strategies": [{"kind": "demand_control", "params": {"limit_kw": 515.0}}]}


def proposal(**changes) -> TuneProposal:
    fields = {
        "section": SECTION,
        "diff": DIFF,
        "current_label": "v3",
        "start_ts": START,
        "end_ts": START + 28 * 86400,
        "days": 28.0,
        "step_s": 300,
        "evaluations": 47,
        "describe": "demand limit 515 kW, hourly SOC floors/ceilings from the LP",
        "bill_proposed": 182_345.6,
        "ratio_proposed": 0.884,
        "bill_current": 190_001.25,
        "ratio_current": 0.612,
        "bill_without": 212_000.0,
        "peak_kw": 640.0,
        "season": "summer",
        "growth": 1.0,
        "notes": ("the window is priced in the target month's season summer",),
        "currency": "CNY",
    }
    fields.update(changes)
    return TuneProposal(**fields)


SHORT = TuneRefusal("short_history", 12 / 1440, 7.0, "site.load_p", START, START + 720)


@pytest.fixture
def rt(qapp):
    runtime = FakeRuntime(
        station=load_ui_station(access=ACCESS),
        control=SimpleNamespace(mode="auto", manual={}),
    )
    runtime.tune_outcome = proposal()
    with running_qasync_loop(qapp):
        yield runtime


def open_dialog(qtbot, rt, user: str = "alice", lang: str = "en") -> TuneDialog:
    dialog = TuneDialog(rt, user, lang, ZONE)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.start()
    return dialog


def arrived(qtbot, dialog: TuneDialog) -> None:
    qtbot.waitUntil(lambda: dialog.proposal is not None or dialog.refusal is not None, timeout=5000)


def test_progress_shows_while_the_proposal_is_computed_then_the_diff_and_figures(qtbot, rt):
    rt.tune_release = asyncio.Event()  # the runtime answers when the test says so
    dialog = open_dialog(qtbot, rt)
    assert dialog.busy.isVisible() and not dialog.apply_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.backtests == 3, timeout=5000)  # the GUI kept running
    assert dialog.status.text().startswith("Backtesting candidates… 3 done (")
    assert not dialog.diff.isVisible() and not dialog.figures.isVisible()
    rt.tune_release.set()
    arrived(qtbot, dialog)

    assert not dialog.busy.isVisible()
    assert dialog.diff.isVisible() and dialog.diff.isReadOnly()
    assert dialog.diff.toPlainText() == DIFF
    assert QFontInfo(dialog.diff.font()).fixedPitch()  # monospace, so the columns line up
    assert dialog.diff_title.text() == "Changes against v3"
    assert dialog.window_value.text() == (
        "2025-11-25 00:00:00 – 2025-12-23 00:00:00 (28 days; 47 backtests at 300 s)"
    )
    assert dialog.bill_current_label.text() == "Bill, running v3"
    assert dialog.bill_current.text() == "190,001.25 CNY (61.2% of the optimal saving)"
    assert dialog.bill_proposed.text() == "182,345.60 CNY (88.4% of the optimal saving)"
    assert dialog.bill_without.text() == "212,000.00 CNY"
    assert dialog.saving.text() == "The proposal saves 7,655.65 CNY on the window against v3."
    assert "priced in the target month's season" in dialog.notes.text()
    assert dialog.apply_button.isEnabled() and rt.tunings == []


def test_apply_asks_for_a_reason_then_calls_the_facade(qtbot, rt):
    dialog = open_dialog(qtbot, rt)
    arrived(qtbot, dialog)
    applied = []
    dialog.applied.connect(applied.append)
    dialog.apply_button.click()
    confirm = dialog.confirm
    assert confirm is not None and confirm.isVisible()
    assert confirm.change.text() == "v3  →  new version (tuned)"
    assert confirm.user_label.text() == "alice"
    assert not confirm.ok_button.isEnabled()  # no reason, no apply
    qtbot.wait(100)  # the question alone sends nothing
    assert rt.tunings == [] and dialog.status.text() == ""
    confirm.reason.setText("winter retune")
    confirm.ok_button.click()
    qtbot.waitUntil(lambda: bool(applied), timeout=5000)
    assert rt.tunings == [(SECTION, "alice", "winter retune", (START, START + 28 * 86400))]
    assert applied[0].version.label == "v2"
    assert not dialog.isVisible()  # done: the dialog closes


def test_cancel_applies_nothing(qtbot, rt):
    dialog = open_dialog(qtbot, rt)
    arrived(qtbot, dialog)
    dialog.apply_button.click()
    dialog.confirm.buttons.rejected.emit()  # Cancel in the confirmation
    assert dialog.confirm is None and dialog.isVisible()
    dialog.cancel_button.click()  # Cancel in the dialog
    assert not dialog.isVisible()
    qtbot.wait(50)
    assert rt.tunings == [] and rt.audit_changes == []


def test_cancel_while_computing_stops_the_proposal(qtbot, rt):
    rt.tune_release = asyncio.Event()
    dialog = open_dialog(qtbot, rt)
    qtbot.waitUntil(lambda: dialog.backtests == 3, timeout=5000)
    dialog.cancel_button.click()
    assert not dialog.isVisible() and len(dialog._tasks) == 0  # the proposal is cancelled
    rt.tune_release.set()
    qtbot.wait(50)
    assert dialog.proposal is None and rt.tunings == []


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Not enough history to tune on", "12 minutes", "at least 7 whole days"]),
        ("zh", ["历史数据不足", "12 分钟", "至少需要连续无缺口的 7 个完整天"]),
    ],
)
def test_too_little_history_is_said_plainly(qtbot, rt, lang, words):
    rt.tune_outcome = SHORT
    dialog = open_dialog(qtbot, rt, lang=lang)
    arrived(qtbot, dialog)
    text = dialog.status.text()
    assert all(w in text for w in words), text
    assert "2025-11-25 00:00:00" in text  # the recorded span, in station time
    assert not dialog.apply_button.isEnabled() and not dialog.diff.isVisible()
    assert dialog.cancel_button.text() == ("Close" if lang == "en" else "关闭")


def test_no_change_and_a_refused_apply_are_said(qtbot, rt):
    rt.tune_outcome = proposal(diff="")
    dialog = open_dialog(qtbot, rt)
    arrived(qtbot, dialog)
    assert "equals the running version v3" in dialog.status.text()
    assert not dialog.apply_button.isEnabled()

    async def refuse(*_args, **_kw):
        raise PermissionDenied("alice", "control", "tune control")

    rt.tune_outcome = proposal()
    rt.apply_tuning = refuse  # type: ignore[method-assign]
    dialog = open_dialog(qtbot, rt)
    arrived(qtbot, dialog)
    dialog.apply_button.click()
    dialog.confirm.reason.setText("retune")
    dialog.confirm.ok_button.click()
    qtbot.waitUntil(lambda: "Not applied" in dialog.status.text(), timeout=5000)
    assert "lacks the 'control' permission" in dialog.status.text()
    assert dialog.isVisible() and dialog.apply_button.isEnabled()  # can be corrected


def make_panel(qtbot, rt, user: str) -> ControlPanel:
    panel = ControlPanel(rt, "en", ZONE, user=user)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_the_button_is_greyed_without_the_control_permission(qtbot, rt):
    viewer = make_panel(qtbot, rt, "vera")  # viewer: no control
    assert viewer.tune_button.text() == "Tune rules…"
    assert not viewer.tune_button.isEnabled()
    assert "vera" in viewer.tune_button.toolTip() and "control" in viewer.tune_button.toolTip()
    viewer.request_tuning()  # a call that slips through opens nothing
    assert viewer.tune_dialog is None
    operator = make_panel(qtbot, rt, "bob")  # operator: may control
    assert operator.tune_button.isEnabled()
    assert "recorded history" in operator.tune_button.toolTip()
    viewer.close_panel()
    operator.close_panel()


def test_the_panel_opens_the_dialog_and_says_what_was_applied(qtbot, rt):
    panel = make_panel(qtbot, rt, "alice")
    panel.tune_button.click()
    dialog = panel.tune_dialog
    assert dialog is not None and dialog.isVisible()
    panel.tune_button.click()  # one proposal at a time
    assert panel.tune_dialog is dialog
    arrived(qtbot, dialog)
    dialog.apply_button.click()
    dialog.confirm.reason.setText("winter retune")
    dialog.confirm.ok_button.click()
    qtbot.waitUntil(lambda: panel.tune_dialog is None, timeout=5000)
    assert "Tuned rules stored as v2" in panel.message.text()
    assert rt.tunings[0][1:3] == ("alice", "winter retune")
    panel.close_panel()
