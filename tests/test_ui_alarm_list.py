"""The active and shelved alarm lists on the real AlarmService: order, filters, acknowledge,
shelve, unshelve, trend, errors shown, and an alarm storm of 3,000 alarms."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from app.alarms.engine import AlarmView
from app.alarms.states import AlarmState, Priority
from app.config.loader import load_station
from app.drivers_api import DriverRegistry
from app.points import PointValue
from tests.ui_support import (
    ACCESS,
    AnyDriverFactory,
    FakeRuntime,
    alarms_running,
    load_ui_station,
    running_qasync_loop,
)
from ui.alarm_dialogs import (
    AckDialog,
    RemoveFromServiceDialog,
    ReturnToServiceDialog,
    ShelveDialog,
    UnshelveDialog,
)
from ui.alarm_list import AlarmListPanel
from ui.alarm_masked import ShelvedListPanel
from ui.alarm_table_model import AlarmFilter, AlarmTableModel
from ui.format import format_time
from ui.i18n import tr
from ui.signals import BusAdapter

pytestmark = pytest.mark.timeout(60)

ZONE = ZoneInfo("Asia/Shanghai")
USER = "alice"


@pytest.fixture
def rt(qapp, qtbot, tmp_path):
    runtime = FakeRuntime()
    with running_qasync_loop(qapp), alarms_running(qtbot, runtime, tmp_path):
        yield runtime


def raise_mix(rt: FakeRuntime) -> float:
    """Six alarms of every priority, activated at different times (oldest first):
    meter_grid.p.H low (t-30), bms1.t_cell_max H medium + HH high (t-20),
    bms1.soc L low + LL critical (t-10), pcs1.running medium (t)."""
    t = time.time()
    rt.points.update({"meter_grid.p": PointValue(900.0, t - 30)})
    rt.points.update({"bms1.t_cell_max": PointValue(56.0, t - 20)})
    rt.points.update({"bms1.soc": PointValue(3.0, t - 10)})
    rt.points.update({"pcs1.running": PointValue(False, t)})
    return t


MIX_ORDER = [
    "bms1.soc.LL",  # critical
    "bms1.t_cell_max.HH",  # high
    "pcs1.running",  # medium, newest
    "bms1.t_cell_max.H",  # medium, older
    "bms1.soc.L",  # low, newer
    "meter_grid.p.H",  # low, oldest
]


def make_list(qtbot, rt) -> AlarmListPanel:
    panel = AlarmListPanel(rt, "en", ZONE, user=USER)
    qtbot.addWidget(panel)
    panel.resize(1100, 400)
    panel.show()
    return panel


def shown(panel) -> list[str]:
    return [v.alarm_id for v in panel.model.visible]


def state_of(rt, alarm_id: str) -> AlarmState | None:
    for v in rt.alarms_active() + rt.alarms_shelved():
        if v.alarm_id == alarm_id:
            return v.state
    return None


def answer(qtbot, panel, text: str, dialog_type: type) -> None:
    """Type ``text`` into the open dialog, confirm, and wait for the runtime's answer."""
    dialog = panel.dialog
    assert isinstance(dialog, dialog_type) and dialog.isVisible()
    assert not dialog.ok_button.isEnabled()  # nothing typed yet: cannot confirm
    dialog.text.setText(text)
    assert dialog.ok_button.isEnabled()
    dialog.ok_button.click()
    assert panel.dialog is None
    qtbot.waitUntil(lambda: not panel.busy, timeout=5000)


def journal(qtbot, rt, **query) -> list:
    async def read():
        await rt.alarm_service.flush()
        return await rt.alarm_history(**query)

    task = asyncio.ensure_future(read())
    qtbot.waitUntil(task.done, timeout=5000)
    return task.result()


def choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


# --- order and filters ------------------------------------------------------------------


def test_the_list_sorts_by_priority_then_newest_first(qtbot, rt):
    raise_mix(rt)
    panel = make_list(qtbot, rt)
    assert shown(panel) == MIX_ORDER
    model = panel.model
    priorities = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert priorities == ["Critical", "High", "Medium", "Medium", "Low", "Low"]
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Activated (Asia/Shanghai)"
    assert panel.count.text() == "6 of 6 alarms shown"


def test_the_model_sorts_whatever_order_it_is_given():
    views = [
        AlarmView(f"a{i}", "dev", None, p, AlarmState.UNACK, ts, False, "m")
        for i, (p, ts) in enumerate(
            [
                (Priority.LOW, 5.0),
                (Priority.CRITICAL, 1.0),
                (Priority.LOW, 9.0),
                (Priority.HIGH, 3.0),
                (Priority.CRITICAL, 2.0),
            ]
        )
    ]
    random.Random(4).shuffle(views)
    model = AlarmTableModel("en", ZONE)
    model.set_alarms(views)
    assert [v.alarm_id for v in model.visible] == ["a4", "a1", "a3", "a2", "a0"]
    model.set_filter(AlarmFilter(priority=Priority.LOW))
    assert [v.alarm_id for v in model.visible] == ["a2", "a0"]


def test_filters_by_device_priority_and_state(qtbot, rt):
    raise_mix(rt)
    panel = make_list(qtbot, rt)
    choose(panel.device_combo, "bms1")
    assert shown(panel) == ["bms1.soc.LL", "bms1.t_cell_max.HH", "bms1.t_cell_max.H", "bms1.soc.L"]
    assert panel.count.text() == "4 of 6 alarms shown"
    choose(panel.priority_combo, "medium")
    assert shown(panel) == ["bms1.t_cell_max.H"]
    choose(panel.device_combo, None)
    assert shown(panel) == ["pcs1.running", "bms1.t_cell_max.H"]
    choose(panel.priority_combo, None)

    # the value falls back: the H alarm returns to normal, still to be acknowledged
    rt.points.update({"bms1.t_cell_max": PointValue(20.0, time.time())})
    panel.refresh()
    choose(panel.state_combo, "rtn_unack")
    assert shown(panel) == ["bms1.t_cell_max.HH", "bms1.t_cell_max.H"]
    choose(panel.state_combo, "unack")
    assert shown(panel) == ["bms1.soc.LL", "pcs1.running", "bms1.soc.L", "meter_grid.p.H"]
    # the filter holds across refreshes
    rt.points.update({"bms1.t_cell_max": PointValue(56.0, time.time())})
    panel.refresh()
    assert "bms1.t_cell_max.HH" in shown(panel)
    assert all(v.state is AlarmState.UNACK for v in panel.model.visible)


def test_a_refresh_keeps_the_selection_on_its_alarm(qtbot, rt):
    t = time.time()
    rt.points.update({"meter_grid.p": PointValue(900.0, t)})
    rt.points.update({"pcs1.running": PointValue(False, t)})
    panel = make_list(qtbot, rt)
    assert shown(panel) == ["pcs1.running", "meter_grid.p.H"]
    panel.table.selectRow(1)
    assert [v.alarm_id for v in panel.selected()] == ["meter_grid.p.H"]
    rt.points.update({"bms1.soc": PointValue(3.0, t)})  # two more, above it
    panel.refresh()
    assert shown(panel).index("meter_grid.p.H") == 3
    assert [v.alarm_id for v in panel.selected()] == ["meter_grid.p.H"]


# --- acknowledge ------------------------------------------------------------------------


def test_acknowledge_one_with_a_comment(qtbot, rt):
    raise_mix(rt)
    panel = make_list(qtbot, rt)
    assert not panel.ack_selected_button.isEnabled()  # nothing selected
    panel.table.selectRow(1)  # bms1.t_cell_max.HH
    assert panel.ack_selected_button.isEnabled()
    panel.ack_selected_button.click()
    assert isinstance(panel.dialog, AckDialog) and panel.dialog.count == 1
    assert panel.dialog.what.text() == "Acknowledge 1 alarm(s)"
    answer(qtbot, panel, "cell fan checked", AckDialog)

    assert state_of(rt, "bms1.t_cell_max.HH") is AlarmState.ACKED
    assert [state_of(rt, a) for a in MIX_ORDER].count(AlarmState.UNACK) == 5
    assert rt.audit_changes == [(USER, "alarm_ack", "bms1.t_cell_max.HH", "cell fan checked")]
    acked = [e for e in journal(qtbot, rt, text="cell fan") if e.state is AlarmState.ACKED]
    assert [(e.alarm_id, e.user, e.comment) for e in acked] == [
        ("bms1.t_cell_max.HH", USER, "cell fan checked")
    ]
    assert "Acknowledged 1 alarm(s)." in panel.message.text()
    # the acknowledged alarm stays selected but there is nothing left to acknowledge in it
    assert [v.alarm_id for v in panel.selected()] == ["bms1.t_cell_max.HH"]
    assert not panel.ack_selected_button.isEnabled()


def test_acknowledge_selected_and_cancel_changes_nothing(qtbot, rt):
    raise_mix(rt)
    panel = make_list(qtbot, rt)
    panel.select_ids(["pcs1.running", "meter_grid.p.H", "bms1.soc.LL"])
    panel.ack_selected_button.click()
    assert panel.dialog.count == 3
    panel.dialog.reject()
    assert panel.dialog is None
    assert all(state_of(rt, a) is AlarmState.UNACK for a in MIX_ORDER)
    assert rt.audit_changes == []

    panel.ack_selected_button.click()
    answer(qtbot, panel, "shift start", AckDialog)
    acked = {a for a in MIX_ORDER if state_of(rt, a) is AlarmState.ACKED}
    assert acked == {"pcs1.running", "meter_grid.p.H", "bms1.soc.LL"}
    assert len(rt.audit_changes) == 1
    user, action, targets, comment = rt.audit_changes[0]
    assert (user, action, comment) == (USER, "alarm_ack", "shift start")
    assert set(targets.split(",")) == acked
    entries = journal(qtbot, rt, text="shift start")
    assert {e.alarm_id for e in entries} == acked
    assert all(e.state is AlarmState.ACKED and e.user == USER for e in entries)


def test_acknowledge_all_visible_acknowledges_only_what_the_filter_shows(qtbot, rt):
    raise_mix(rt)
    panel = make_list(qtbot, rt)
    choose(panel.priority_combo, "low")
    assert shown(panel) == ["bms1.soc.L", "meter_grid.p.H"]
    panel.ack_visible_button.click()
    assert panel.dialog.count == 2
    # an alarm arriving while the question is open is not swept up in the answer
    rt.points.update({"bms1.soc": PointValue(3.0, time.time())})
    answer(qtbot, panel, "known low alarms", AckDialog)

    states = {a: state_of(rt, a) for a in MIX_ORDER}
    assert states == {
        "bms1.soc.LL": AlarmState.UNACK,
        "bms1.t_cell_max.HH": AlarmState.UNACK,
        "pcs1.running": AlarmState.UNACK,
        "bms1.t_cell_max.H": AlarmState.UNACK,
        "bms1.soc.L": AlarmState.ACKED,
        "meter_grid.p.H": AlarmState.ACKED,
    }
    assert [(a, sorted(t.split(","))) for _, a, t, _ in rt.audit_changes] == [
        ("alarm_ack", ["bms1.soc.L", "meter_grid.p.H"])
    ]
    assert not panel.ack_visible_button.isEnabled()  # everything shown is acknowledged
    panel.request_ack_visible()
    assert panel.dialog is None
    assert "Nothing to acknowledge" in panel.message.text()


def test_a_refused_acknowledge_is_shown_not_raised(qtbot, rt, monkeypatch):
    raise_mix(rt)
    panel = make_list(qtbot, rt)

    async def refuse(ids, user, comment):
        raise PermissionError(f"{user} may not acknowledge alarms")

    monkeypatch.setattr(rt, "acknowledge_alarms", refuse)
    panel.ack_visible_button.click()
    answer(qtbot, panel, "all", AckDialog)
    assert "Not done: alice may not acknowledge alarms" in panel.message.text()
    assert "color" in panel.message.styleSheet()
    assert all(state_of(rt, a) is AlarmState.UNACK for a in MIX_ORDER)
    assert panel.ack_visible_button.isEnabled()  # ready for the next try


# --- shelve and unshelve ------------------------------------------------------------------


def test_shelve_moves_the_alarm_to_the_shelved_list_and_unshelve_brings_it_back(qtbot, rt):
    raise_mix(rt)
    panel = make_list(qtbot, rt)
    shelved = ShelvedListPanel(rt, "en", ZONE, user=USER)
    qtbot.addWidget(shelved)
    adapter = BusAdapter(rt.bus)
    adapter.alarms_changed.connect(panel.refresh)
    adapter.alarms_changed.connect(shelved.refresh)
    try:
        assert shelved.model.rowCount() == 0
        panel.select_ids(["meter_grid.p.H"])
        assert panel.shelve_button.isEnabled()
        panel.shelve_button.click()
        dialog = panel.dialog
        assert isinstance(dialog, ShelveDialog)
        assert [dialog.duration.itemText(i) for i in range(dialog.duration.count())] == [
            "15 min",
            "1 h",
            "4 h",
            "8 h",
        ]
        dialog.duration.setCurrentIndex(0)
        with qtbot.waitSignal(adapter.alarms_changed, timeout=3000):
            answer(qtbot, panel, "meter replaced today", ShelveDialog)

        assert "meter_grid.p.H" not in shown(panel)
        assert state_of(rt, "meter_grid.p.H") is AlarmState.SHELVED
        assert "Shelved meter_grid.p.H for 15 min." in panel.message.text()
        assert rt.audit_changes == [
            (USER, "alarm_shelve", "meter_grid.p.H", "meter replaced today")
        ]
        until = rt.alarm_service.engine.alarm("meter_grid.p.H").shelved_until
        assert until == pytest.approx(time.time() + 15 * 60, abs=30)

        assert [v.alarm_id for v in shelved.model.visible] == ["meter_grid.p.H"]
        row = {
            shelved.model.columns[c]: shelved.model.index(0, c).data()
            for c in range(shelved.model.columnCount())
        }
        assert row["by"] == USER and row["reason"] == "meter replaced today"
        assert row["priority"] == "Low" and row["alarm"] == "meter_grid.p.H"
        assert row["until"] == format_time(until, shelved.model.zone)  # when it ends by itself
        assert shelved.count.text() == "1 shelved"

        # unshelve: the condition is still there, so it comes back unacknowledged
        assert not shelved.unshelve_button.isEnabled()
        shelved.table.selectRow(0)
        shelved.unshelve_button.click()
        with qtbot.waitSignal(adapter.alarms_changed, timeout=3000):
            answer(qtbot, shelved, "meter works again", UnshelveDialog)
        assert shelved.model.rowCount() == 0
        assert state_of(rt, "meter_grid.p.H") is AlarmState.UNACK
        assert "meter_grid.p.H" in shown(panel)
        assert rt.audit_changes[-1] == (
            USER,
            "alarm_unshelve",
            "meter_grid.p.H",
            "meter works again",
        )
        entries = journal(qtbot, rt, text="meter_grid.p.H")
        assert [(e.state, e.user, e.comment) for e in entries[-2:]] == [
            (AlarmState.SHELVED, USER, "meter replaced today"),
            (AlarmState.UNACK, USER, "meter works again"),
        ]
    finally:
        adapter.close()


def test_the_shelved_list_finds_who_shelved_in_the_journal(qtbot, rt):
    raise_mix(rt)
    done = asyncio.ensure_future(rt.shelve_alarm("pcs1.running", "bob", "PCS under repair", 3600))
    qtbot.waitUntil(done.done, timeout=3000)
    shelved = ShelvedListPanel(rt, "en", ZONE, user=USER)  # opened after the shelve
    qtbot.addWidget(shelved)
    assert [v.alarm_id for v in shelved.model.visible] == ["pcs1.running"]
    by = shelved.model.columns.index("by")
    reason = shelved.model.columns.index("reason")
    qtbot.waitUntil(lambda: shelved.model.index(0, by).data() == "bob", timeout=3000)
    assert shelved.model.index(0, reason).data() == "PCS under repair"


def test_a_refused_shelve_is_shown_and_the_alarm_stays(qtbot, rt, monkeypatch):
    raise_mix(rt)
    panel = make_list(qtbot, rt)

    async def refuse(alarm_id, user, reason, duration_s):
        raise PermissionError(f"{user} has no permission to shelve alarms")

    monkeypatch.setattr(rt, "shelve_alarm", refuse)
    panel.select_ids(["pcs1.running"])
    panel.shelve_button.click()
    answer(qtbot, panel, "noise", ShelveDialog)
    assert "alice has no permission to shelve alarms" in panel.message.text()
    assert "pcs1.running" in shown(panel)
    assert state_of(rt, "pcs1.running") is AlarmState.UNACK


def test_shelve_needs_exactly_one_alarm_and_a_reason(qtbot, rt):
    raise_mix(rt)
    panel = make_list(qtbot, rt)
    panel.select_ids(["pcs1.running", "bms1.soc.L"])
    assert not panel.shelve_button.isEnabled()
    panel.request_shelve()
    assert panel.dialog is None
    panel.select_ids(["pcs1.running"])
    panel.shelve_button.click()
    dialog = panel.dialog
    dialog.text.setText("   ")
    assert not dialog.ok_button.isEnabled()
    dialog.accept()  # even forced, a blank reason is refused
    assert dialog.isVisible() and dialog.refusal.isVisibleTo(dialog)
    assert state_of(rt, "pcs1.running") is AlarmState.UNACK


# --- trend ------------------------------------------------------------------------------


def test_trend_button_and_double_click_ask_for_the_alarms_point(qtbot, rt):
    raise_mix(rt)
    rt.set_link("pv1", True)
    rt.set_link("pv1", False)  # link.pv1: an alarm without a point
    panel = make_list(qtbot, rt)
    assert "link.pv1" in shown(panel)
    panel.select_ids(["link.pv1"])
    assert not panel.trend_button.isEnabled()

    panel.select_ids(["bms1.t_cell_max.HH"])
    assert panel.trend_button.isEnabled()
    with qtbot.waitSignal(panel.trend_requested, timeout=1000) as signal:
        panel.trend_button.click()
    assert signal.args == ["bms1.t_cell_max"]

    row = shown(panel).index("meter_grid.p.H")
    rect = panel.table.visualRect(panel.model.index(row, 3))
    viewport = panel.table.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(panel.trend_requested, timeout=1000) as signal:
        QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == ["meter_grid.p"]


# --- an alarm storm -----------------------------------------------------------------------

STORM_DEVICES = 100
STORM_POINTS = 30  # per device: 3,000 alarmed points


def storm_station(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    lines = ["id: storm_dev", "name: {en: Storm device, zh: 风暴设备}", "protocol: fake", "points:"]
    for i in range(STORM_POINTS):
        lines.append(
            f"  - {{id: t{i:02d}, name: {{en: Temperature {i}, zh: 温度 {i}}}, unit: °C,"
            f" alarms: {{h: 50, priority: {('low', 'medium', 'high')[i % 3]}}}}}"
        )
    (templates / "storm_dev.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    devices = "\n".join(
        f"  - {{id: d{n:03d}, template: storm_dev, connection: field}}"
        for n in range(STORM_DEVICES)
    )
    station = tmp_path / "storm.yaml"
    station.write_text(
        "station: {id: storm, name: {en: Storm, zh: 风暴}, timezone: Asia/Shanghai}\n"
        "template_dirs: [templates]\n"
        "connections:\n  - {id: field, driver: fake}\n"
        f"devices:\n{devices}\n",
        encoding="utf-8",
    )
    registry = DriverRegistry()
    registry.register(AnyDriverFactory())
    return load_station(station, registry)


def test_an_alarm_storm_is_one_refresh_loses_no_entry_and_never_stalls_the_screen(
    qapp, qtbot, tmp_path
):
    station = storm_station(tmp_path)
    point_ids = [pid for pid, p in station.points.items() if p.alarms is not None]
    assert len(point_ids) == STORM_DEVICES * STORM_POINTS
    rt = FakeRuntime(station=station)
    (tmp_path / "data").mkdir()
    with running_qasync_loop(qapp), alarms_running(qtbot, rt, tmp_path / "data") as service:
        panel = make_list(qtbot, rt)
        adapter = BusAdapter(rt.bus)
        adapter.alarms_changed.connect(panel.refresh)
        resets: list[int] = []
        inserted: list[int] = []
        panel.model.modelReset.connect(lambda: resets.append(len(panel.model.visible)))
        panel.model.rowsInserted.connect(lambda *_: inserted.append(1))

        # the journal's disk write is held until the GUI thread has served 5 timer events:
        # it can only finish if the screen keeps running while the storm is written
        ticks: list[int] = []
        gate = threading.Event()
        record = service._journal.record
        written: list[int] = []

        def held_record(batch):
            assert gate.wait(20), "the GUI thread stopped serving events"
            written.append(len(batch))
            return record(batch)

        service._journal.record = held_record

        def tick():
            ticks.append(1)
            if len(ticks) >= 5:
                gate.set()

        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(5)
        try:
            now = time.time()
            with qtbot.waitSignal(adapter.alarms_changed, timeout=5000) as batch:
                rt.points.update({pid: PointValue(80.0, now) for pid in point_ids})
            assert len(batch.args[0]) == len(point_ids)
            # all of them, shown after one refresh, as one model reset (not 3,000 inserts)
            assert len(panel.model.visible) == len(point_ids)
            assert resets == [len(point_ids)] and inserted == []
            assert panel.count.text() == "3000 of 3000 alarms shown"
            assert [v.priority for v in panel.model.visible[:1]] == [Priority.HIGH]

            flushed = asyncio.ensure_future(service.flush())
            qtbot.waitUntil(flushed.done, timeout=20_000)
            flushed.result()
            assert gate.is_set() and len(ticks) >= 5
            assert written == [len(point_ids)]  # one batch, one transaction
        finally:
            timer.stop()
            gate.set()
            adapter.close()
        found = asyncio.ensure_future(rt.alarm_history(limit=None))
        qtbot.waitUntil(found.done, timeout=10_000)
        raised = {e.alarm_id for e in found.result() if e.state is AlarmState.UNACK}
        assert raised == {f"{pid}.H" for pid in point_ids}


# --- out of service -----------------------------------------------------------------------


def masked_row(panel: ShelvedListPanel, alarm_id: str) -> dict[str, str]:
    model = panel.model
    row = model.row_of(alarm_id)
    assert row >= 0, alarm_id
    return {model.columns[c]: model.index(row, c).data() for c in range(model.columnCount())}


def test_remove_from_service_moves_it_to_the_masked_list_and_return_brings_it_back(qtbot, rt):
    raise_mix(rt)
    panel = make_list(qtbot, rt)
    masked = ShelvedListPanel(rt, "en", ZONE, user=USER)
    qtbot.addWidget(masked)
    adapter = BusAdapter(rt.bus)
    adapter.alarms_changed.connect(panel.refresh)
    adapter.alarms_changed.connect(masked.refresh)
    try:
        run_now(qtbot, rt.shelve_alarm("meter_grid.p.H", USER, "meter swap", 3600))
        assert not panel.remove_button.isEnabled()  # nothing selected
        panel.select_ids(["bms1.t_cell_max.H"])
        assert panel.remove_button.isEnabled() and panel.remove_button.toolTip() == ""
        panel.remove_button.click()
        dialog = panel.dialog
        assert isinstance(dialog, RemoveFromServiceDialog)
        assert dialog.what.text() == "Remove bms1.t_cell_max.H from service"
        with qtbot.waitSignal(adapter.alarms_changed, timeout=3000):
            answer(qtbot, panel, "cell sensor faulty", RemoveFromServiceDialog)

        assert "bms1.t_cell_max.H" not in shown(panel)
        assert "Took bms1.t_cell_max.H out of service." in panel.message.text()
        assert [v.alarm_id for v in rt.alarms_out_of_service()] == ["bms1.t_cell_max.H"]
        assert rt.audit_changes[-1] == (
            USER,
            "alarm_out_of_service",
            "bms1.t_cell_max.H",
            "cell sensor faulty",
        )
        # one list, the state column says which: a shelve and a removal from service
        assert sorted(v.alarm_id for v in masked.model.visible) == [
            "bms1.t_cell_max.H",
            "meter_grid.p.H",
        ]
        oos = masked_row(masked, "bms1.t_cell_max.H")
        assert (oos["state"], oos["by"], oos["reason"], oos["until"]) == (
            "Out of service",
            USER,
            "cell sensor faulty",
            "until returned",
        )
        assert masked_row(masked, "meter_grid.p.H")["state"] == "Shelved"
        assert masked.count.text() == "1 shelved, 1 out of service"

        # each button for its kind of row
        masked.select_ids(["meter_grid.p.H"])
        assert masked.unshelve_button.isEnabled() and not masked.return_button.isEnabled()
        masked.select_ids(["bms1.t_cell_max.H"])
        assert masked.return_button.isEnabled() and not masked.unshelve_button.isEnabled()
        masked.request_unshelve()  # not for an out-of-service row
        assert masked.dialog is None

        # still evaluated while out of service: the value is still past H (45)
        rt.points.update({"bms1.t_cell_max": PointValue(50.0, time.time())})
        masked.return_button.click()
        assert isinstance(masked.dialog, ReturnToServiceDialog)
        with qtbot.waitSignal(adapter.alarms_changed, timeout=3000):
            answer(qtbot, masked, "sensor replaced", ReturnToServiceDialog)
        assert "Returned bms1.t_cell_max.H to service." in masked.message.text()
        assert [v.alarm_id for v in masked.model.visible] == ["meter_grid.p.H"]
        assert masked.count.text() == "1 shelved"
        assert "bms1.t_cell_max.H" in shown(panel)
        (back,) = [v for v in rt.alarms_active() if v.alarm_id == "bms1.t_cell_max.H"]
        assert back.state is AlarmState.UNACK  # annunciated again, to be acknowledged
        assert rt.audit_changes[-1] == (
            USER,
            "alarm_in_service",
            "bms1.t_cell_max.H",
            "sensor replaced",
        )
        entries = journal(qtbot, rt, text="bms1.t_cell_max.H")
        mine = [e for e in entries if e.alarm_id == "bms1.t_cell_max.H"]
        assert [(e.previous, e.state, e.user, e.comment) for e in mine[-2:]] == [
            (AlarmState.UNACK, AlarmState.OUT_OF_SERVICE, USER, "cell sensor faulty"),
            (AlarmState.OUT_OF_SERVICE, AlarmState.UNACK, USER, "sensor replaced"),
        ]
    finally:
        adapter.close()


def test_the_masked_list_finds_who_took_an_alarm_out_of_service(qtbot, rt):
    raise_mix(rt)
    run_now(qtbot, rt.remove_alarm_from_service("pcs1.running", "bob", "status input loose"))
    masked = ShelvedListPanel(rt, "zh", ZONE, user=USER)  # opened afterwards
    qtbot.addWidget(masked)
    by = masked.model.columns.index("by")
    qtbot.waitUntil(lambda: masked.model.index(0, by).data() == "bob", timeout=3000)
    row = masked_row(masked, "pcs1.running")
    assert (row["state"], row["reason"], row["until"]) == (
        "已停用",
        "status input loose",
        "直至恢复投用",
    )
    assert masked.count.text() == "已搁置 0 条，已停用 1 条"


def test_the_tab_reads_shelved_and_out_of_service():
    assert tr("shelved.title", "en") == "Shelved / out of service"
    assert tr("shelved.title", "zh") == "搁置/停用"


def test_removing_from_service_needs_edit_alarms(qapp, qtbot, tmp_path):
    runtime = FakeRuntime(station=load_ui_station(access=ACCESS))  # bob: no edit_alarms
    with running_qasync_loop(qapp), alarms_running(qtbot, runtime, tmp_path):
        raise_mix(runtime)
        run_now(qtbot, runtime.remove_alarm_from_service("pcs1.running", "alice", "input loose"))
        bob = AlarmListPanel(runtime, "en", ZONE, user="bob")
        qtbot.addWidget(bob)
        bob.select_ids(["bms1.soc.L"])
        assert not bob.remove_button.isEnabled()
        tip = "Not permitted: bob lacks the “Edit alarm limits” permission (edit_alarms)"
        assert bob.remove_button.toolTip() == tip
        masked = ShelvedListPanel(runtime, "en", ZONE, user="bob")
        qtbot.addWidget(masked)
        masked.select_ids(["pcs1.running"])
        assert not masked.return_button.isEnabled()
        assert masked.return_button.toolTip() == tip

        # the runtime decides, not the grey: the request is refused and nothing changes
        bob.request_remove_from_service()
        bob.dialog.text.setText("noisy")
        bob.dialog.ok_button.click()
        qtbot.waitUntil(lambda: not bob.busy, timeout=5000)
        assert "user 'bob' lacks the 'edit_alarms' permission" in bob.message.text()
        assert [v.alarm_id for v in runtime.alarms_out_of_service()] == ["pcs1.running"]
        assert ("bob", "alarm_out_of_service", "bms1.soc.L", "denied: needs edit_alarms") in (
            runtime.audit_changes
        )
        alice = ShelvedListPanel(runtime, "en", ZONE, user="alice")
        qtbot.addWidget(alice)
        alice.select_ids(["pcs1.running"])
        assert alice.return_button.isEnabled() and alice.return_button.toolTip() == ""
        for panel in (bob, masked, alice):
            panel.close_panel()


def run_now(qtbot, coro):
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=5000)
    return task.result()
