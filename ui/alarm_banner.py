"""The alarm banner: one line above the overview that says whether anything needs the
operator, and lets them acknowledge it.

    [HIGH] 14:03:12 bms1 Highest cell temperature high-high …  +2 more
        CRITICAL 0  HIGH 1 (1 unack)  MEDIUM 2 (1 unack)  LOW 0
        [Acknowledge] [Sound on] [Alarm list]                      (all on one line)

It shows the newest unacknowledged alarm of the most urgent priority (active or returned to
normal; the runtime's list is sorted by priority, then newest first, so it is the first
unacknowledged one), with its priority as a coloured chip *and* the priority word (colour is
never the only cue), the activation time in the station's zone, the source and the message;
then the number of active alarms per priority with the unacknowledged among them. With
nothing unacknowledged it reads calmly "No unacknowledged alarms" in grey.

*Acknowledge* acknowledges the alarm shown, as the current user, with the comment
"acknowledged from banner" (through ``runtime.acknowledge_alarms``, so it is journaled and
audited); it is greyed out, with the reason in its tooltip, for a user without the
``acknowledge`` permission (read once from ``runtime.permissions(user)``). The sound
toggle mutes the audible alert on this workstation. A click on the banner or on *Alarm
list* emits ``open_list_requested``.

``refresh()`` re-reads ``runtime.alarms_active()`` once and costs one pass over the active
list: connect it to the bus adapter's ``alarms_changed`` (one call per flush). Each refresh
emits ``active_changed(list[AlarmView])`` with the list it read, so the device tree and the
point table (``set_alarms``) need no second read; a given ``AlarmSound`` is updated too.
"""

from __future__ import annotations

import contextlib
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from app.access import ACKNOWLEDGE
from app.alarms.states import AlarmState, Priority
from ui import theme
from ui.alarm_sound import AlarmSound
from ui.confirm_dialog import current_user
from ui.format import format_time
from ui.i18n import tr
from ui.permissions import granted, missing_tip
from ui.tasks import TaskGroup

UNACKED = frozenset({AlarmState.UNACK, AlarmState.RTN_UNACK})
PRIORITIES = tuple(sorted(Priority, key=lambda p: p.rank))  # critical first


def priority_word(priority: str, lang: str) -> str:
    return tr(f"mark.priority.{priority}", lang)


def state_word(state: str, lang: str) -> str:
    return tr(f"mark.state.{state}", lang)


def chip_style(priority: str) -> str:
    """A filled chip in the priority's colour, with its readable text colour."""
    return (
        f"background: {theme.priority_colour(priority)};"
        f" color: {theme.PRIORITY_TEXT_ON.get(priority, '#FFFFFF')};"
        " font-weight: bold; padding: 1px 8px; border-radius: 2px;"
    )


_COUNT_ACTIVE = (  # active but all acknowledged: outlined in the colour, not filled
    "color: {text}; border: 1px solid {colour}; padding: 1px 6px; border-radius: 2px;"
)
_COUNT_NONE = f"color: {theme.TEXT_FAINT}; border: 1px solid transparent; padding: 1px 6px;"


def _set_style(widget: QWidget, css: str) -> None:
    """Set a style sheet only when it changes: a new sheet re-polishes the widget."""
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)


class AlarmBanner(QFrame):
    open_list_requested = Signal()
    active_changed = Signal(object)  # list[AlarmView], as read by the last refresh
    acknowledged = Signal(object)  # list[JournalEntry] of an acknowledge from the banner

    def __init__(
        self,
        runtime: Any,
        lang: str,
        zone: ZoneInfo,
        sound: AlarmSound | None = None,
        parent: QWidget | None = None,
        user: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.user = user or current_user()
        self.may_ack = ACKNOWLEDGE in granted(runtime, self.user)
        self.lang = lang
        self.zone = zone
        self.sound = sound
        self.shown: Any = None  # the AlarmView on display, None in the calm state
        self.counts: dict[str, tuple[int, int]] = {p.value: (0, 0) for p in PRIORITIES}
        self._tasks = TaskGroup("alarm banner")
        self._busy = False
        self.setObjectName("alarmBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(tr("banner.list_tip", lang))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.chip = QLabel()
        self.time = QLabel()
        self.source = QLabel()
        self.source.setFont(theme.font(bold=True))
        self.message = QLabel()
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.more = QLabel()
        self.more.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.count_labels: dict[str, QLabel] = {p.value: QLabel() for p in PRIORITIES}
        self.error = QLabel()
        self.error.setStyleSheet(f"color: {theme.ALARM};")
        self.error.setVisible(False)

        self.ack_button = QPushButton(tr("banner.ack", lang))
        self.ack_button.setToolTip(
            tr("banner.ack_tip", lang, user=self.user)
            if self.may_ack
            else missing_tip(ACKNOWLEDGE, self.user, lang)
        )
        self.ack_button.clicked.connect(self.acknowledge_shown)
        # nothing to acknowledge: the button must not look pressable
        self.ack_button.setStyleSheet(f"QPushButton:disabled {{ color: {theme.TEXT_FAINT}; }}")
        self.mute_button = QPushButton()
        self.mute_button.setCheckable(True)
        self.mute_button.setToolTip(tr("banner.sound_tip", lang))
        self.mute_button.setVisible(sound is not None)
        if sound is not None:
            self.mute_button.setChecked(sound.muted)
            self.mute_button.toggled.connect(sound.set_muted)
            sound.muted_changed.connect(self._show_mute)
        self._show_mute(self.mute_button.isChecked())
        self.list_button = QPushButton(tr("banner.list", lang))
        self.list_button.setToolTip(tr("banner.list_tip", lang))
        self.list_button.clicked.connect(self.open_list_requested)

        row = QHBoxLayout(self)
        row.setContentsMargins(6, 3, 6, 3)
        row.setSpacing(8)
        for widget in (self.chip, self.time, self.source):
            row.addWidget(widget)
        row.addWidget(self.message, 1)
        row.addWidget(self.more)
        row.addWidget(self.error)
        for label in self.count_labels.values():
            row.addWidget(label)
        for button in (self.ack_button, self.mute_button, self.list_button):
            row.addWidget(button)
        self.refresh()

    # ---- reading the runtime ---------------------------------------------------------------
    def refresh(self, entries: list | None = None) -> None:
        """Re-read the active alarms (``entries``, the batch that triggered it, is not
        needed: the runtime's list is the truth) and show them; one pass over the list."""
        active = list(self.runtime.alarms_active())
        shown = None
        unacked = 0
        totals = {p.value: [0, 0] for p in PRIORITIES}
        for view in active:
            total = totals.setdefault(str(view.priority), [0, 0])
            total[0] += 1
            if view.state in UNACKED:
                total[1] += 1
                unacked += 1
                if shown is None:  # sorted by priority, then newest: the first one
                    shown = view
        self.counts = {p: (n, u) for p, (n, u) in totals.items()}
        self._show_alarm(shown, unacked)
        self._show_counts()
        if self.sound is not None:
            self.sound.update(active)
        self.active_changed.emit(active)

    def _show_alarm(self, view: Any, unacked: int) -> None:
        self.shown = view
        lang = self.lang
        calm = view is None
        for widget in (self.chip, self.time, self.source):
            widget.setVisible(not calm)
        self.more.setVisible(unacked > 1)
        self.ack_button.setEnabled(not calm and not self._busy and self.may_ack)
        if calm:
            _set_style(
                self,
                f"QFrame#alarmBanner {{ background: {theme.PANEL_BG};"
                f" border: 1px solid {theme.BORDER}; }}",
            )
            self.message.setText(tr("banner.none", lang))
            _set_style(self.message, f"color: {theme.TEXT_MUTED};")
            self.message.setToolTip("")
            return
        priority = str(view.priority)
        _set_style(
            self,
            f"QFrame#alarmBanner {{ background: {theme.TILE_BG};"
            f" border: 2px solid {theme.priority_colour(priority)}; }}",
        )
        self.chip.setText(priority_word(priority, lang))
        _set_style(self.chip, chip_style(priority))
        self.time.setText(format_time(view.activated_ts, self.zone, with_date=False))
        self.source.setText(view.source)
        text = view.text(lang)
        if view.state is AlarmState.RTN_UNACK:
            text = f"{text} ({state_word(view.state, lang)})"
        if view.chattering:
            text = f"{text} [{tr('mark.chattering', lang)}]"
        self.message.setText(text)
        _set_style(self.message, f"color: {theme.TEXT};")
        self.message.setToolTip(
            tr(
                "banner.shown_tip",
                lang,
                time=format_time(view.activated_ts, self.zone),
                alarm_id=view.alarm_id,
                source=view.source,
                message=view.text(lang),
            )
        )
        self.more.setText(tr("banner.more", lang, n=unacked - 1))

    def _show_counts(self) -> None:
        lang = self.lang
        for priority, label in self.count_labels.items():
            n, unack = self.counts.get(priority, (0, 0))
            word = priority_word(priority, lang)
            if unack:
                label.setText(tr("banner.count_unack", lang, priority=word, n=n, unack=unack))
                _set_style(label, chip_style(priority))
            else:
                label.setText(tr("banner.count", lang, priority=word, n=n))
                colour = theme.priority_colour(priority)
                _set_style(
                    label,
                    _COUNT_ACTIVE.format(text=theme.TEXT, colour=colour) if n else _COUNT_NONE,
                )
            label.setToolTip(tr("banner.count_tip", lang, priority=word, n=n, unack=unack))

    def _show_mute(self, muted: bool) -> None:
        if self.mute_button.isChecked() != muted:
            self.mute_button.setChecked(muted)
        self.mute_button.setText(
            tr("banner.sound_muted" if muted else "banner.sound_on", self.lang)
        )

    # ---- acting ----------------------------------------------------------------------------
    def acknowledge_shown(self) -> None:
        """Acknowledge the alarm on display as the current user (journaled and audited)."""
        view = self.shown
        if view is None or self._busy:
            return
        self._busy = True
        self.ack_button.setEnabled(False)
        self.error.setVisible(False)
        coro = self._acknowledge(view.alarm_id)
        if self._tasks.spawn(coro) is None:  # no running loop (a bare widget): nothing sent
            self._busy = False
            self.ack_button.setEnabled(self.may_ack)

    async def _acknowledge(self, alarm_id: str) -> None:
        try:
            entries = await self.runtime.acknowledge_alarms(
                [alarm_id], self.user, tr("banner.ack_comment", self.lang)
            )
        except Exception as exc:  # an unknown id (already gone), a closed journal
            self.error.setText(tr("banner.ack_failed", self.lang, error=exc))
            self.error.setVisible(True)
            entries = []
        finally:
            self._busy = False
        self.refresh()  # at once; the ALARMS batch that follows refreshes again, cheaply
        self.acknowledged.emit(entries)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.open_list_requested.emit()
            event.accept()
            return
        super().mousePressEvent(event)

    def close_banner(self) -> None:
        """End a running acknowledge and let go of the sound (the window closes or is
        rebuilt, e.g. for a language switch; the sound lives on with the window)."""
        self._tasks.cancel_all()
        if self.sound is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self.sound.muted_changed.disconnect(self._show_mute)
            self.sound = None
