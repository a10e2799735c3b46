"""The audible alert: new high/critical unacknowledged alarms sound and repeat until
acknowledged; low and medium never sound; the mute is kept per workstation (QSettings)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
from PySide6.QtCore import QSettings

from app.alarms.engine import AlarmView
from app.alarms.states import AlarmState, Priority
from app.points import PointValue
from tests.ui_support import FakeRuntime, alarms_running, running_qasync_loop
from ui.alarm_sound import MUTED_KEY, AlarmSound

pytestmark = pytest.mark.timeout(30)

QUIET_MS = 250  # how long "no sound" is watched: five repeat periods of 50 ms


def view(
    alarm_id: str,
    priority: Priority,
    state: AlarmState = AlarmState.UNACK,
    ts: float = 1_700_000_000.0,
) -> AlarmView:
    return AlarmView(
        alarm_id=alarm_id,
        source="bms1",
        point_id="bms1.x",
        priority=priority,
        state=state,
        activated_ts=ts,
        chattering=False,
        message=alarm_id,
    )


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "workstation.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def sound(qapp, settings):
    played: list[int] = []
    s = AlarmSound(settings, repeat_s=0.05, play=lambda: played.append(1))
    s.played = played  # type: ignore[attr-defined]
    yield s
    s.stop()


def test_a_new_high_alarm_sounds_at_once_and_repeats_until_acknowledged(qtbot, sound):
    with qtbot.waitSignal(sound.sounded, timeout=1000):
        sound.update([view("a.HH", Priority.HIGH)])
    assert sound.beeps == 1 and sound.played == [1]  # at once, through the player
    qtbot.waitUntil(lambda: sound.beeps >= 3, timeout=2000)  # the repeats

    sound.update([view("a.HH", Priority.HIGH, AlarmState.ACKED)])
    assert not sound.alerting
    beeps = sound.beeps
    with qtbot.assertNotEmitted(sound.sounded, wait=QUIET_MS):
        pass
    assert sound.beeps == beeps


def test_the_same_list_twice_sounds_once(qtbot, sound):
    alarms = [view("a.HH", Priority.CRITICAL)]
    sound.update(alarms)
    sound.update(alarms)  # e.g. the banner and the window both pass it on
    assert sound.beeps == 1


def test_a_second_new_alarm_sounds_again_and_a_reactivation_is_new(qtbot, sound):
    first = view("a.HH", Priority.HIGH)
    sound.update([first])
    sound.update([first, view("b.LL", Priority.CRITICAL)])
    assert sound.beeps == 2
    # acknowledged, cleared, then active again: a new activation time, a new alarm
    sound.update([])
    sound.update([replace(first, activated_ts=first.activated_ts + 60)])
    assert sound.beeps == 3


@pytest.mark.parametrize("priority", [Priority.MEDIUM, Priority.LOW])
def test_medium_and_low_alarms_never_sound(qtbot, sound, priority):
    with qtbot.assertNotEmitted(sound.sounded, wait=QUIET_MS):
        sound.update([view("a.H", priority)])
    assert sound.beeps == 0 and not sound.alerting


def test_acknowledged_and_returned_alarms_do_not_sound(qtbot, sound):
    with qtbot.assertNotEmitted(sound.sounded, wait=QUIET_MS):
        sound.update(
            [
                view("a.HH", Priority.HIGH, AlarmState.ACKED),
                view("b.HH", Priority.CRITICAL, AlarmState.RTN_UNACK),
            ]
        )
    assert sound.beeps == 0


def test_muted_it_stays_silent_and_unmuting_resumes_the_repeats(qtbot, sound, settings):
    with qtbot.waitSignal(sound.muted_changed, timeout=1000) as muted:
        sound.set_muted(True)
    assert muted.args == [True]
    with qtbot.assertNotEmitted(sound.sounded, wait=QUIET_MS):
        sound.update([view("a.HH", Priority.HIGH)])
    assert sound.beeps == 0 and sound.alerting  # still unacknowledged, just not heard

    sound.set_muted(False)
    qtbot.waitUntil(lambda: sound.beeps >= 1, timeout=2000)


def test_muting_stops_a_running_repetition(qtbot, sound):
    sound.update([view("a.HH", Priority.HIGH)])
    qtbot.waitUntil(lambda: sound.beeps >= 2, timeout=2000)
    sound.set_muted(True)
    with qtbot.assertNotEmitted(sound.sounded, wait=QUIET_MS):
        pass


def test_the_mute_is_kept_for_the_workstation(qapp, tmp_path, settings):
    first = AlarmSound(settings, repeat_s=0.05, play=lambda: None)
    assert first.muted is False
    first.set_muted(True)
    assert settings.value(MUTED_KEY) in (True, "true")

    # a new console on the same workstation (a new settings object on the same file)
    again = AlarmSound(
        QSettings(str(tmp_path / "workstation.ini"), QSettings.Format.IniFormat),
        play=lambda: None,
    )
    assert again.muted is True
    again.set_muted(False)
    fresh = AlarmSound(
        QSettings(str(tmp_path / "workstation.ini"), QSettings.Format.IniFormat),
        play=lambda: None,
    )
    assert fresh.muted is False
    # another workstation (another file) is not muted by this one
    other = AlarmSound(
        QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat), play=lambda: None
    )
    assert other.muted is False


def test_a_hot_cell_sounds_until_acknowledged_through_the_runtime(qapp, qtbot, tmp_path):
    """The real path: a value raises HH (high) in the AlarmService; the default player
    (QApplication.beep) is counted; acknowledging through the facade silences it."""
    rt = FakeRuntime()
    settings = QSettings(str(tmp_path / "ws.ini"), QSettings.Format.IniFormat)
    with running_qasync_loop(qapp), alarms_running(qtbot, rt, tmp_path):
        sound = AlarmSound(settings, repeat_s=0.05)
        rt.points.update({"bms1.t_cell_max": PointValue(50.0, time.time())})  # H: medium
        sound.update(rt.alarms_active())
        assert sound.beeps == 0
        rt.points.update({"bms1.t_cell_max": PointValue(56.0, time.time())})  # HH: high
        sound.update(rt.alarms_active())
        assert sound.beeps == 1
        qtbot.waitUntil(lambda: sound.beeps >= 2, timeout=2000)

        ack = asyncio.ensure_future(rt.acknowledge_alarms(["bms1.t_cell_max.HH"], "op", "seen"))
        qtbot.waitUntil(ack.done, timeout=2000)
        sound.update(rt.alarms_active())  # H (medium) is still unacknowledged: no sound
        assert not sound.alerting
        with qtbot.assertNotEmitted(sound.sounded, wait=QUIET_MS):
            pass
        sound.stop()
