"""The alarm banner on the real AlarmService: the newest most urgent unacknowledged alarm,
counts per priority, acknowledging from the banner or elsewhere, the calm state, the mute."""

from __future__ import annotations

import asyncio
import time
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QSettings, Qt

from app.points import PointValue
from tests.ui_support import FakeRuntime, alarms_running, running_qasync_loop
from ui.alarm_banner import AlarmBanner
from ui.alarm_sound import AlarmSound
from ui.confirm_dialog import current_user
from ui.format import format_time
from ui.signals import BusAdapter

pytestmark = pytest.mark.timeout(30)

ZONE = ZoneInfo("Asia/Shanghai")
T0 = time.time() - 120.0  # activation times the test chooses (values carry their time)


@pytest.fixture
def rt() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
def running(qapp, qtbot, rt, tmp_path):
    with running_qasync_loop(qapp), alarms_running(qtbot, rt, tmp_path):
        yield rt


def make_banner(qtbot, rt, lang="en", sound=None) -> tuple[AlarmBanner, BusAdapter]:
    """The banner wired as the main window wires it: one refresh per adapter flush."""
    banner = AlarmBanner(rt, lang, ZONE, sound=sound)
    qtbot.addWidget(banner)
    banner.show()
    adapter = BusAdapter(rt.bus, max_rate_hz=20.0, parent=banner)
    adapter.alarms_changed.connect(banner.refresh)
    return banner, adapter


def publish(rt: FakeRuntime, point_id: str, value: float, ts: float) -> None:
    rt.points.update({point_id: PointValue(value, ts)})


def shown_id(banner: AlarmBanner) -> str | None:
    return banner.shown.alarm_id if banner.shown is not None else None


def test_calm_until_something_is_unacknowledged(qtbot, running):
    banner, _ = make_banner(qtbot, running)
    assert banner.shown is None
    assert banner.message.text() == "No unacknowledged alarms"
    assert not banner.chip.isVisible() and not banner.ack_button.isEnabled()
    assert banner.counts == {p: (0, 0) for p in ("critical", "high", "medium", "low")}
    assert banner.count_labels["high"].text() == "HIGH 0"
    assert not banner.mute_button.isVisible()  # no sound given: nothing to mute


def test_shows_the_newest_of_the_most_urgent_and_counts_per_priority(qtbot, running):
    rt = running
    banner, _ = make_banner(qtbot, rt)
    publish(rt, "meter_grid.p", 900.0, T0)  # H: low
    qtbot.waitUntil(lambda: shown_id(banner) == "meter_grid.p.H", timeout=2000)
    assert banner.chip.text() == "LOW"  # the word beside the colour

    publish(rt, "bms1.t_cell_max", 50.0, T0 + 1)  # H: medium
    publish(rt, "pcs1.running", 0, T0 + 2)  # medium, newer
    qtbot.waitUntil(lambda: shown_id(banner) == "pcs1.running", timeout=2000)
    assert banner.message.text() == "PCS stopped"
    assert banner.source.text() == "pcs1"
    assert banner.time.text() == format_time(T0 + 2, ZONE, with_date=False)
    assert banner.more.text() == "+2 more unacknowledged" and banner.more.isVisible()

    publish(rt, "bms1.t_cell_max", 56.0, T0 + 3)  # HH: high, though older than nothing
    qtbot.waitUntil(lambda: shown_id(banner) == "bms1.t_cell_max.HH", timeout=2000)
    assert banner.chip.text() == "HIGH"
    assert banner.counts == {
        "critical": (0, 0),
        "high": (1, 1),
        "medium": (2, 2),
        "low": (1, 1),
    }
    assert banner.count_labels["medium"].text() == "MEDIUM 2 (2 unack)"
    assert banner.count_labels["critical"].text() == "CRITICAL 0"

    publish(rt, "bms1.soc", 3.0, T0 + 4)  # LL: critical, L: low
    qtbot.waitUntil(lambda: shown_id(banner) == "bms1.soc.LL", timeout=2000)
    assert banner.chip.text() == "CRITICAL"
    assert banner.counts["critical"] == (1, 1) and banner.counts["low"] == (2, 2)


def test_acknowledge_from_the_banner_moves_to_the_next_then_to_calm(qtbot, running):
    rt = running
    banner, _ = make_banner(qtbot, rt)
    publish(rt, "bms1.t_cell_max", 56.0, T0)  # HH high + H medium
    qtbot.waitUntil(lambda: shown_id(banner) == "bms1.t_cell_max.HH", timeout=2000)

    with qtbot.waitSignal(banner.acknowledged, timeout=3000):
        qtbot.mouseClick(banner.ack_button, Qt.MouseButton.LeftButton)
    assert rt.audit_changes == [
        (current_user(), "alarm_ack", "bms1.t_cell_max.HH", "acknowledged from banner")
    ]
    assert shown_id(banner) == "bms1.t_cell_max.H"  # the next: still unacknowledged
    assert banner.counts["high"] == (1, 0)  # active, acknowledged
    assert banner.count_labels["high"].text() == "HIGH 1"
    assert banner.ack_button.isEnabled()

    with qtbot.waitSignal(banner.acknowledged, timeout=3000):
        qtbot.mouseClick(banner.ack_button, Qt.MouseButton.LeftButton)
    assert banner.shown is None
    assert banner.message.text() == "No unacknowledged alarms"
    assert banner.counts["high"] == (1, 0) and banner.counts["medium"] == (1, 0)
    assert not banner.ack_button.isEnabled()


def test_acknowledged_elsewhere_the_banner_follows_the_alarm_batches(qtbot, running):
    rt = running
    banner, _ = make_banner(qtbot, rt)
    publish(rt, "bms1.soc", 3.0, T0)  # LL critical + L low
    qtbot.waitUntil(lambda: shown_id(banner) == "bms1.soc.LL", timeout=2000)

    ack = asyncio.ensure_future(rt.acknowledge_alarms(["bms1.soc.LL"], "other", "on the list"))
    qtbot.waitUntil(lambda: shown_id(banner) == "bms1.soc.L", timeout=2000)
    assert ack.done()

    # the value recovers: L returns to normal unacknowledged (still shown), LL acked -> gone
    publish(rt, "bms1.soc", 50.0, T0 + 5)
    qtbot.waitUntil(lambda: banner.counts["critical"] == (0, 0), timeout=2000)
    assert shown_id(banner) == "bms1.soc.L"
    assert "cleared, unack" in banner.message.text()

    ack = asyncio.ensure_future(rt.acknowledge_alarms(["bms1.soc.L"], "other", "on the list"))
    qtbot.waitUntil(lambda: banner.shown is None, timeout=2000)
    assert ack.done()
    assert banner.counts == {p: (0, 0) for p in ("critical", "high", "medium", "low")}


def test_a_failed_acknowledge_says_why(qtbot, running, monkeypatch):
    rt = running
    banner, _ = make_banner(qtbot, rt)
    publish(rt, "meter_grid.p", 900.0, T0)
    qtbot.waitUntil(lambda: banner.shown is not None, timeout=2000)

    async def refuse(ids, user, comment):
        raise RuntimeError("journal closed")

    monkeypatch.setattr(rt, "acknowledge_alarms", refuse)
    with qtbot.waitSignal(banner.acknowledged, timeout=3000):
        banner.ack_button.click()
    assert banner.error.isVisible()
    assert banner.error.text() == "Not acknowledged: journal closed"
    assert shown_id(banner) == "meter_grid.p.H" and banner.ack_button.isEnabled()


def test_a_click_on_the_banner_or_the_list_button_asks_for_the_list(qtbot, running):
    banner, _ = make_banner(qtbot, running)
    with qtbot.waitSignal(banner.open_list_requested, timeout=1000):
        qtbot.mouseClick(banner.list_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(banner.open_list_requested, timeout=1000):
        qtbot.mouseClick(banner.message, Qt.MouseButton.LeftButton)
    with qtbot.assertNotEmitted(banner.open_list_requested):
        qtbot.mouseClick(banner.ack_button, Qt.MouseButton.LeftButton)  # disabled when calm


def test_active_changed_carries_the_list_for_tree_and_table(qtbot, running):
    rt = running
    banner, _ = make_banner(qtbot, rt)
    lists: list[list] = []
    banner.active_changed.connect(lists.append)
    publish(rt, "bms1.t_cell_max", 56.0, T0)
    qtbot.waitUntil(lambda: bool(lists) and len(lists[-1]) == 2, timeout=2000)
    assert [v.alarm_id for v in lists[-1]] == ["bms1.t_cell_max.HH", "bms1.t_cell_max.H"]


def test_the_mute_toggle_mutes_the_sound_of_this_workstation(qtbot, running, tmp_path):
    rt = running
    settings = QSettings(str(tmp_path / "ws.ini"), QSettings.Format.IniFormat)
    sound = AlarmSound(settings, repeat_s=0.05, play=lambda: None)
    banner, _ = make_banner(qtbot, rt, sound=sound)
    assert banner.mute_button.isVisible() and banner.mute_button.text() == "Sound on"

    publish(rt, "bms1.t_cell_max", 56.0, T0)  # high: the banner feeds the sound
    qtbot.waitUntil(lambda: sound.beeps >= 2, timeout=2000)
    qtbot.mouseClick(banner.mute_button, Qt.MouseButton.LeftButton)
    assert sound.muted and banner.mute_button.text() == "Sound muted"
    with qtbot.assertNotEmitted(sound.sounded, wait=250):
        pass
    again = AlarmSound(QSettings(str(tmp_path / "ws.ini"), QSettings.Format.IniFormat))
    assert again.muted  # kept for the workstation
    sound.set_muted(False)  # changed elsewhere (e.g. another banner after a language switch)
    assert not banner.mute_button.isChecked() and banner.mute_button.text() == "Sound on"
    sound.stop()


def test_chinese_labels(qtbot, running):
    rt = running
    banner, _ = make_banner(qtbot, rt, lang="zh")
    assert banner.message.text() == "无未确认报警"
    assert banner.ack_button.text() == "确认" and banner.list_button.text() == "报警列表"
    publish(rt, "bms1.t_cell_max", 56.0, T0)
    qtbot.waitUntil(lambda: banner.shown is not None, timeout=2000)
    assert banner.chip.text() == "高"
    assert banner.count_labels["high"].text() == "高 1（1 未确认）"
    assert banner.more.text() == "另有 1 条未确认"
    assert all("banner." not in lbl.text() for lbl in banner.count_labels.values())


def test_a_rebuilt_banner_shares_the_sound_without_sounding_again(qtbot, running, tmp_path):
    """The window rebuilds its panels on a language switch; the sound lives on."""
    rt = running
    settings = QSettings(str(tmp_path / "ws.ini"), QSettings.Format.IniFormat)
    sound = AlarmSound(settings, repeat_s=60.0, play=lambda: None)
    old, _ = make_banner(qtbot, rt, sound=sound)
    publish(rt, "bms1.t_cell_max", 56.0, T0)
    qtbot.waitUntil(lambda: sound.beeps == 1, timeout=2000)

    old.close_banner()
    new, _ = make_banner(qtbot, rt, lang="zh", sound=sound)
    assert new.shown is not None and new.chip.text() == "高"
    assert sound.beeps == 1  # the same alarm, not a new one
    sound.set_muted(True)
    assert new.mute_button.text() == "已静音" and new.mute_button.isChecked()
    assert not old.mute_button.isChecked()  # let go of: no longer follows the sound
    sound.stop()


def test_the_chinese_console_shows_the_chinese_message_in_the_banner_and_the_list(qtbot, running):
    from ui.alarm_list import AlarmListPanel

    rt = running
    banner, _ = make_banner(qtbot, rt, lang="zh")
    panel = AlarmListPanel(rt, "zh", ZONE, user="op")
    qtbot.addWidget(panel)
    publish(rt, "bms1.t_cell_max", 56.0, T0)  # HH high + H medium
    qtbot.waitUntil(lambda: shown_id(banner) == "bms1.t_cell_max.HH", timeout=2000)
    assert banner.message.text() == "最高单体温度高高（限值 55 °C）：56 °C"
    assert "最高单体温度高高" in banner.message.toolTip()
    panel.refresh()
    model = panel.model
    column = model.columns.index("message")
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=2000)
    texts = [model.data(model.index(row, column)) for row in range(model.rowCount())]
    assert texts == ["最高单体温度高高（限值 55 °C）：56 °C", "最高单体温度高（限值 45 °C）：56 °C"]
    # the English console keeps the English text of the same alarms
    english, _ = make_banner(qtbot, rt)
    english.refresh()
    assert english.message.text() == "Max cell temperature high-high (limit 55 °C): 56 °C"
