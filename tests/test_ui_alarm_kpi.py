"""The alarm KPI panel on the real AlarmService: alarms raised by published values appear as
activations, priority counts and the top list; the period choice recomputes; Chinese labels;
failures said; tasks end with the panel."""

from __future__ import annotations

import asyncio
import time
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QLabel, QTableWidget

from app.alarms.journal_entry import JournalEntry
from app.alarms.kpi import DAY_S, compute_kpis
from app.alarms.states import AlarmState, Priority
from app.points import PointValue
from tests.ui_support import FakeRuntime, alarms_running, running_qasync_loop
from ui.alarm_kpi import MIX_MIN_ACTIVATIONS, AlarmKpiPanel, mix_note
from ui.i18n import tr

pytestmark = pytest.mark.timeout(60)

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def rt(qapp, qtbot, tmp_path):
    (tmp_path / "data").mkdir()
    runtime = FakeRuntime()
    with running_qasync_loop(qapp), alarms_running(qtbot, runtime, tmp_path / "data"):
        yield runtime


@pytest.fixture
def raised(qtbot, rt):
    """The last few minutes: a hot cell twice (H medium + HH high each time), the grid meter
    over its limit (low), the PCS stopping (medium): 6 activations, all in the journal."""
    now = time.time()
    publish = lambda pid, v, ts: rt.points.update({pid: PointValue(v, ts)})  # noqa: E731
    publish("bms1.t_cell_max", 56.0, now - 300)
    publish("bms1.t_cell_max", 30.0, now - 290)  # both return (unacknowledged)
    publish("bms1.t_cell_max", 56.0, now - 280)  # and activate again
    publish("meter_grid.p", 900.0, now - 200)
    publish("pcs1.running", False, now - 100)
    done = asyncio.ensure_future(rt.alarm_service.flush())
    qtbot.waitUntil(done.done, timeout=5000)
    return now


def make_panel(qtbot, rt, lang: str = "en") -> AlarmKpiPanel:
    panel = AlarmKpiPanel(rt, lang, ZONE)
    qtbot.addWidget(panel)
    return panel


def shown(qtbot, panel: AlarmKpiPanel) -> None:
    """Show the panel (its first showing computes) and wait for the report."""
    panel.show()
    qtbot.waitUntil(lambda: panel.kpis is not None, timeout=5000)


def test_first_showing_computes_the_report_of_the_last_7_days(qtbot, rt, raised):
    panel = make_panel(qtbot, rt)
    assert panel.kpis is None  # nothing runs before the tab is looked at
    assert panel.period_combo.currentText() == "Last 7 days"
    shown(qtbot, panel)
    k = panel.kpis
    assert k is not None
    assert k.end - k.start == pytest.approx(7 * DAY_S)
    assert k.activations == 6
    assert panel.activations_value.text() == "6"
    assert panel.average_value.text() == "0.9 per day"  # 6 in 7 days
    assert panel.status.text().startswith("Computed at ")

    # priority mix: low, medium, high, critical with count, share and target
    assert panel.mix.texts(0) == ["Low", "Medium", "High", "Critical"]
    assert panel.mix.texts(1) == ["1", "3", "2", "0"]
    assert panel.mix.texts(2) == ["17%", "50%", "33%", "0%"]
    assert panel.mix.texts(3) == ["80%", "15%", "5%", "—"]
    assert panel.mix.texts(4) == ["", "", "", ""]  # 6 alarms are too few to judge
    assert not panel.mix_few.isHidden()

    # top list: most frequent first, ties by id
    assert panel.top.texts(0) == [
        "bms1.t_cell_max.H",
        "bms1.t_cell_max.HH",
        "meter_grid.p.H",
        "pcs1.running",
    ]
    assert panel.top.texts(1) == ["2", "2", "1", "1"]
    assert panel.per_day.table.rowCount() in (7, 8)  # every UTC day the period touches
    assert sum(int(n) for n in panel.per_day.texts(1)) == 6
    # nothing chattered (2 activations in 60 s), nothing is a day old, no flood
    assert panel.chattering.table.isHidden() and not panel.chattering.none.isHidden()
    assert panel.stale.table.isHidden()
    assert panel.flood_value.text() == "0.0 min in 0 flood(s)"


def test_the_period_choice_and_compute_recompute(qtbot, rt, raised):
    panel = make_panel(qtbot, rt)
    shown(qtbot, panel)
    first = panel.kpis
    panel.period_combo.setCurrentIndex(0)  # last 24 h
    qtbot.waitUntil(lambda: panel.kpis is not first, timeout=5000)
    k = panel.kpis
    assert k is not None and k.end - k.start == pytest.approx(DAY_S)
    assert k.activations == 6
    assert panel.per_day.table.rowCount() in (1, 2)

    publish_ts = time.time()
    rt.points.update({"bms1.soc": PointValue(4.0, publish_ts)})  # L low + LL critical
    done = asyncio.ensure_future(rt.alarm_service.flush())
    qtbot.waitUntil(done.done, timeout=5000)
    task = panel.compute()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=5000)
    assert panel.kpis is not None and panel.kpis.activations == 8
    assert panel.kpis.by_priority[Priority.CRITICAL] == 1
    assert panel.mix.texts(1) == ["2", "3", "2", "1"]


def test_chinese_labels(qtbot, rt, raised):
    panel = make_panel(qtbot, rt, "zh")
    shown(qtbot, panel)
    assert panel.period_combo.currentText() == "最近 7 天"
    assert panel.compute_button.text() == "计算"
    assert panel.mix.heading.text() == "优先级分布"
    assert panel.top.heading.text() == "最频繁的 10 条报警"
    assert panel.mix.texts(0) == ["低", "中", "高", "紧急"]
    assert panel.average_value.text() == "每天 0.9 次"
    assert panel.status.text().startswith("计算于 ")
    headers = [
        table.horizontalHeaderItem(c).text()
        for table in panel.findChildren(QTableWidget)
        for c in range(table.columnCount())
    ]
    assert "开始时间（Asia/Shanghai）" in headers
    texts = [label.text() for label in panel.findChildren(QLabel)] + headers
    assert not [t for t in texts if t.startswith("kpi.")]  # no key shows through
    assert all(tr(key, "zh") != key for key in ("kpi.title", "kpi.stale", "kpi.chattering"))


def test_a_failure_is_said_and_close_cancels(qtbot, qapp):
    runtime = FakeRuntime()  # alarms not running: alarm_kpis fails
    with running_qasync_loop(qapp):
        panel = make_panel(qtbot, runtime)
        panel.show()
        qtbot.waitUntil(lambda: panel.status.text().startswith("Not computed"), timeout=5000)
        assert "alarms not running" in panel.status.text()
        assert panel.kpis is None

        task = panel.compute()
        assert task is not None
        panel.close_panel()
        qtbot.waitUntil(task.done, timeout=5000)
        assert task.cancelled()
        assert panel.compute() is None  # a closed panel starts nothing


def test_a_share_far_from_its_target_is_noted():
    n = MIX_MIN_ACTIVATIONS
    assert mix_note(0.80, 0.80, n) is None
    assert mix_note(0.65, 0.80, n) == "below"
    assert mix_note(0.95, 0.80, n) == "above"
    assert mix_note(0.20, 0.15, n) is None
    assert mix_note(0.30, 0.15, n) == "above"
    assert mix_note(0.09, 0.05, n) is None
    assert mix_note(0.12, 0.05, n) == "above"
    assert mix_note(0.0, 0.05, n) is None  # no high alarms at all is fine
    assert mix_note(0.5, None, n) is None  # critical has no target
    assert mix_note(0.3, 0.8, n - 1) is None  # too few alarms to judge


def test_the_note_shows_in_the_table(qtbot):
    t0 = 1_790_000_000.0
    entries = [
        JournalEntry(t0 + i, f"a{i}", "dev", Priority.HIGH, AlarmState.UNACK, "hot")
        for i in range(MIX_MIN_ACTIVATIONS)
    ]
    panel = make_panel(qtbot, FakeRuntime())
    panel.show_kpis(compute_kpis(entries, t0, t0 + DAY_S))
    assert panel.mix.texts(4) == ["below target", "below target", "above target", ""]
    assert panel.mix_few.isHidden()


def test_more_than_the_guide_of_150_a_day_is_said(qtbot):
    t0 = 1_790_000_000.0
    entries = [
        JournalEntry(t0 + i * 60, f"a{i % 7}", "dev", Priority.LOW, AlarmState.UNACK, "x")
        for i in range(160)
    ]
    panel = make_panel(qtbot, FakeRuntime())
    panel.show_kpis(compute_kpis(entries, t0, t0 + DAY_S))
    assert panel.average_value.text() == "160.0 per day — above the ISA-18.2 guide of about 150"
    panel.show_kpis(compute_kpis(entries[:150], t0, t0 + DAY_S))
    assert panel.average_value.text() == "150.0 per day"
