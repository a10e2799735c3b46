"""The audible alert: a sound for each new high or critical unacknowledged alarm, repeated
every ``repeat_s`` until no such alarm is left unacknowledged.

Only ``critical`` and ``high`` alarms sound (ISA-18.2: the sound is for what needs action
now; medium and low alarms show on the banner only). ``update(active)`` is fed the active
list after each alarm batch and decides; it is idempotent, so calling it twice with the same
list sounds once. The mute is per workstation: it is stored in QSettings (by default the
console's own, ``QSettings("EMS Console", "EMS Console")``: on Linux
``~/.config/EMS Console/EMS Console.conf``, on Windows the registry under
``HKEY_CURRENT_USER\\Software\\EMS Console``), key ``alarm_sound/muted``.

The sound itself is ``QApplication.beep()``: PySide6-Essentials has no QtMultimedia (no
QSoundEffect), and the system bell needs no sound file or audio device (offscreen tests have
neither; ``beeps`` counts the calls so tests can assert on them). ``play`` replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QApplication

from app.alarms.states import AlarmState, Priority

SETTINGS_ORG = "EMS Console"
SETTINGS_APP = "EMS Console"
MUTED_KEY = "alarm_sound/muted"
AUDIBLE = frozenset({Priority.CRITICAL, Priority.HIGH})
"""Priorities that sound (when unacknowledged and active)."""


def default_settings() -> QSettings:
    """The workstation's settings of the console (per OS user, per machine)."""
    return QSettings(SETTINGS_ORG, SETTINGS_APP)


class AlarmSound(QObject):
    """Sounds for new high/critical unacknowledged alarms and repeats until none is left.

    ``sounded`` is emitted at each sound (``beeps`` counts them); ``muted_changed(bool)``
    when the mute changes. While muted nothing sounds, and a new alarm raised while muted
    does not sound later either; unmuting with alarms still unacknowledged resumes the
    repetition (the first sound after ``repeat_s``).
    """

    sounded = Signal()
    muted_changed = Signal(bool)

    def __init__(
        self,
        settings: QSettings | None = None,
        repeat_s: float = 5.0,
        play: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings if settings is not None else default_settings()
        self._play = play if play is not None else QApplication.beep
        self.beeps = 0
        self._muted = _as_bool(self._settings.value(MUTED_KEY, False))
        self._pending: set[tuple[str, float | None]] = set()  # audible alarms unacked now
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, int(repeat_s * 1000)))
        self._timer.timeout.connect(self._repeat)

    # ---- mute (per workstation) -----------------------------------------------------------
    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, muted: bool) -> None:
        muted = bool(muted)
        if muted == self._muted:
            return
        self._muted = muted
        self._settings.setValue(MUTED_KEY, muted)
        self._settings.sync()
        if muted:
            self._timer.stop()
        elif self._pending:
            self._timer.start()
        self.muted_changed.emit(muted)

    # ---- deciding -------------------------------------------------------------------------
    @property
    def alerting(self) -> bool:
        """True while a high or critical alarm is unacknowledged (muted or not)."""
        return bool(self._pending)

    def update(self, active: Iterable[Any]) -> None:
        """Take the active alarm list (``AlarmView``s); sound at once for a new audible one."""
        pending = {
            (v.alarm_id, v.activated_ts)  # a re-activation has a new time: a new alarm
            for v in active
            if v.state is AlarmState.UNACK and v.priority in AUDIBLE
        }
        new = pending - self._pending
        self._pending = pending
        if not pending:
            self._timer.stop()
            return
        if self._muted:
            return
        if new:
            self._sound()
            self._timer.start()  # restart: the next repeat is a full period after this one
        elif not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        """Silence for good (the window closes); the mute setting is left as it is."""
        self._timer.stop()
        self._pending = set()

    def _repeat(self) -> None:
        if self._pending and not self._muted:
            self._sound()
        else:
            self._timer.stop()

    def _sound(self) -> None:
        self.beeps += 1
        self._play()
        self.sounded.emit()


def _as_bool(value: object) -> bool:
    """QSettings gives back 'true'/'false' strings from INI files and bools from others."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
