"""Editing a point's alarm rule from the console (issue 4, ISA-18.2; docs/alarms.md,
"Alarm-rule edits from the console").

    Alarm limits — bms1.t_cell_max
    Max cell temperature (bms1.t_cell_max) · analog            Limits in °C
    Level            Limit              Priority
    [x] HH           [ 55.00 °C ]       [High   ▾]
    [x] H            [ 45.00 °C ]       [Medium ▾]
    [ ] L            [  0.00 °C ]       [Medium ▾]
    [ ] LL           [  0.00 °C ]       [High   ▾]
    Deadband [1.00 °C]   On-delay [5.00 s]   Off-delay [10.00 s]
    Reason [____________]   User: alice
    error line (red): the runtime's refusal, naming the field and the value
    [Reset to station rule]                                   [Apply] [Cancel]

A digital point shows "Abnormal when the value is 0/1" and its priority instead.

The dialog reads the running rule once, from ``runtime.alarm_rule(point_id)``. *Apply*
sends only what differs (a limit unticked is sent as ``None``, which removes it) through
``runtime.set_alarm_rule(point_id, changes, user, reason)`` as a background task (the
dialog is opened with ``open()``, never ``exec()``: the asyncio loop keeps running). A
refusal (ValueError naming the field and value, PermissionDenied) is shown in the dialog,
which stays open so nothing typed is lost; success closes it. *Reset to station rule* sends
``changes=None``: the console's edits of the point are dropped. Without the
``edit_alarms`` permission the dialog is read-only and says why.

``AlarmRuleEditor`` is the main window's one object for it: ``open_for(point_id)`` (connect
the point table's ``edit_alarm_rule_requested``), ``close()`` at teardown.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.access import EDIT_ALARMS
from app.alarms.rules import ANALOG_KINDS, DEFAULT_PRIORITY
from app.alarms.states import Priority
from ui import theme
from ui.confirm_dialog import current_user
from ui.i18n import tr
from ui.permissions import granted, missing_tip
from ui.tasks import TaskGroup

log = logging.getLogger(__name__)

LEVELS = ("hh", "h", "l", "ll")  # highest first, as the dialog lists them
TIMING = ("deadband", "on_delay_s", "off_delay_s")
PRIORITIES = tuple(sorted(Priority, key=lambda p: p.rank))  # critical first
_RANGE = 1e9  # a limit needs a spin-box range; the rule itself has none


_DEFAULT_PRIORITY = {level.value: priority.value for level, priority in DEFAULT_PRIORITY.items()}


def effective_priority(priority: Any, level: str) -> str:
    """The priority a level's alarm gets from a rule's ``priority`` value (one priority,
    a mapping per level, or none: the default, outer limits high)."""
    if isinstance(priority, str):
        return priority
    if isinstance(priority, dict) and level in priority:
        return str(priority[level])
    return _DEFAULT_PRIORITY[level]


def _decimals(values: list[Any]) -> int:
    """Enough decimals to show every value of the rule exactly (2 to 6)."""
    places = 2
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = f"{float(value):.6f}".rstrip("0")
            places = max(places, len(text.split(".")[1]))
    return min(places, 6)


class AlarmRuleDialog(QDialog):
    """The running rule of one point, editable with a reason (see the module docstring)."""

    applied = Signal(object)  # the new rule (a mapping, None: no rule left), after success

    def __init__(
        self,
        runtime: Any,
        point_id: str,
        lang: str,
        user: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.point_id = point_id
        self.lang = lang
        self.user = user or current_user()
        self.spec = runtime.station.points[point_id]
        self.analog = self.spec.kind in ANALOG_KINDS
        self.may_edit = EDIT_ALARMS in granted(runtime, self.user)
        self.current: dict[str, Any] | None = runtime.alarm_rule(point_id)
        self.busy = False
        self._closed = False
        self._tasks = TaskGroup("alarm rule dialog")
        self.setWindowTitle(tr("rule.title", lang, point=point_id))
        self.setModal(True)
        self._build()
        self.load(self.current)
        self._update_buttons()

    # ---- construction ------------------------------------------------------------------
    def _build(self) -> None:
        lang, spec = self.lang, self.spec
        head = QLabel(
            tr("rule.point", lang, name=spec.name.text(lang), point=spec.id, kind=spec.kind)
        )
        head.setFont(theme.font(bold=True))
        box = QVBoxLayout(self)
        box.addWidget(head)
        if self.current is None:
            box.addWidget(self._detail(tr("rule.no_rule", lang)))
        self.read_only_note = self._detail(tr("rule.read_only", lang, user=self.user))
        self.read_only_note.setStyleSheet(f"color: {theme.TEXT_MUTED}; font-weight: bold;")
        self.read_only_note.setVisible(not self.may_edit)
        box.addWidget(self.read_only_note)

        self.inputs: list[QWidget] = []
        if self.analog:
            box.addLayout(self._build_analog())
        else:
            box.addLayout(self._build_digital())

        form = QGridLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("rule.reason_hint", lang))
        self.reason.textChanged.connect(lambda _t: self._update_buttons())
        self.inputs.append(self.reason)
        form.addWidget(QLabel(tr("rule.reason", lang)), 0, 0)
        form.addWidget(self.reason, 0, 1)
        form.addWidget(self._detail(tr("rule.user", lang, user=self.user)), 1, 1)
        form.setColumnStretch(1, 1)
        box.addLayout(form)

        self.note = self._detail(tr("rule.audited", lang))
        self.note.setVisible(self.may_edit)
        box.addWidget(self.note)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setVisible(False)
        box.addWidget(self.error)

        self.reset_button = QPushButton(tr("rule.reset", lang))
        self.reset_button.setToolTip(tr("rule.reset_tip", lang))
        self.reset_button.setAutoDefault(False)
        self.reset_button.clicked.connect(self.reset)
        self.ok_button = QPushButton(tr("rule.ok", lang))
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.apply)
        self.cancel_button = QPushButton(tr("rule.cancel", lang))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        box.addLayout(buttons)
        for widget in self.inputs:
            widget.setEnabled(self.may_edit)
        if not self.may_edit:
            tip = missing_tip(EDIT_ALARMS, self.user, lang)
            self.ok_button.setToolTip(tip)
            self.reset_button.setToolTip(tip)
            self.cancel_button.setText(tr("rule.close", lang))

    def _build_analog(self) -> QGridLayout:
        lang, unit = self.lang, self.spec.unit
        cur = self.current or {}
        decimals = _decimals([cur.get(k) for k in (*LEVELS, *TIMING)])
        self.decimals = decimals
        suffix = f" {unit}" if unit else ""
        grid = QGridLayout()
        for col, key in enumerate(("rule.col.level", "rule.col.limit", "rule.col.priority")):
            grid.addWidget(self._caption(tr(key, lang)), 0, col)
        if unit:
            grid.addWidget(self._detail(tr("rule.unit", lang, unit=unit)), 0, 3)
        self.enabled: dict[str, QCheckBox] = {}
        self.limit: dict[str, QDoubleSpinBox] = {}
        self.priority: dict[str, QComboBox] = {}
        for row, level in enumerate(LEVELS, start=1):
            check = QCheckBox(tr(f"rule.level.{level}", lang))
            check.setToolTip(tr("rule.level_tip", lang, level=level.upper()))
            spin = self._spin(decimals, -_RANGE, suffix)
            combo = self._priority_combo()
            check.toggled.connect(lambda on, s=spin, c=combo: self._level_toggled(on, s, c))
            self.enabled[level], self.limit[level], self.priority[level] = check, spin, combo
            grid.addWidget(check, row, 0)
            grid.addWidget(spin, row, 1)
            grid.addWidget(combo, row, 2)
            self.inputs += [check, spin, combo]
        self.deadband = self._spin(decimals, 0.0, suffix)
        self.on_delay = self._spin(decimals, 0.0, " s")
        self.off_delay = self._spin(decimals, 0.0, " s")
        self.timing = {
            "deadband": self.deadband,
            "on_delay_s": self.on_delay,
            "off_delay_s": self.off_delay,
        }
        row = len(LEVELS) + 1
        for key, spin in (
            ("rule.deadband", self.deadband),
            ("rule.on_delay", self.on_delay),
            ("rule.off_delay", self.off_delay),
        ):
            label = QLabel(tr(key, lang))
            label.setToolTip(tr(f"{key}_tip", lang))
            spin.setToolTip(tr(f"{key}_tip", lang))
            grid.addWidget(label, row, 0)
            grid.addWidget(spin, row, 1)
            self.inputs.append(spin)
            row += 1
        grid.setColumnStretch(3, 1)
        return grid

    def _build_digital(self) -> QGridLayout:
        lang = self.lang
        self.when = QComboBox()
        for value in (1, 0):
            self.when.addItem(tr(f"rule.when.{value}", lang), value)
        self.digital_priority = self._priority_combo()
        grid = QGridLayout()
        grid.addWidget(QLabel(tr("rule.when", lang)), 0, 0)
        grid.addWidget(self.when, 0, 1)
        grid.addWidget(QLabel(tr("rule.priority", lang)), 1, 0)
        grid.addWidget(self.digital_priority, 1, 1)
        grid.setColumnStretch(2, 1)
        self.inputs += [self.when, self.digital_priority]
        return grid

    def _spin(self, decimals: int, low: float, suffix: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(decimals)
        spin.setRange(low, _RANGE)
        spin.setSuffix(suffix)
        spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        spin.setMinimumWidth(130)
        return spin

    def _priority_combo(self) -> QComboBox:
        combo = QComboBox()
        for p in PRIORITIES:
            combo.addItem(tr(f"alarms.priority.{p.value}", self.lang), p.value)
        return combo

    @staticmethod
    def _caption(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("tileTitle")
        return label

    @staticmethod
    def _detail(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("tileDetail")
        label.setWordWrap(True)
        return label

    def _level_toggled(self, on: bool, spin: QDoubleSpinBox, combo: QComboBox) -> None:
        spin.setEnabled(on and self.may_edit)
        combo.setEnabled(on and self.may_edit)

    # ---- the rule shown, and what changed ------------------------------------------------
    def load(self, rule: dict[str, Any] | None) -> None:
        """Show ``rule`` (the runtime's mapping; None: no rule yet)."""
        cur = rule or {}
        if not self.analog:
            self.when.setCurrentIndex(self.when.findData(int(cur.get("when", 1))))
            self._choose(self.digital_priority, str(cur.get("priority", Priority.MEDIUM.value)))
            return
        for level in LEVELS:
            value = cur.get(level)
            self.limit[level].setValue(float(value) if value is not None else 0.0)
            self._choose(self.priority[level], effective_priority(cur.get("priority"), level))
            self.enabled[level].setChecked(value is not None)
            self._level_toggled(value is not None, self.limit[level], self.priority[level])
        for key, spin in self.timing.items():
            spin.setValue(float(cur.get(key, 0.0)))

    @staticmethod
    def _choose(combo: QComboBox, data: str) -> None:
        combo.setCurrentIndex(max(0, combo.findData(data)))

    def changes(self) -> dict[str, Any]:
        """The keys that differ from the rule read at opening (a removed limit as None)."""
        cur = self.current or {}
        out: dict[str, Any] = {}
        if not self.analog:
            when = int(self.when.currentData())
            priority = str(self.digital_priority.currentData())
            if self.current is None or when != int(cur.get("when", 1)):
                out["when"] = when
            if self.current is None or priority != str(cur.get("priority", "medium")):
                out["priority"] = priority
            return out
        kept: list[str] = []
        for level in LEVELS:
            old = cur.get(level)
            if self.enabled[level].isChecked():
                value = self.limit[level].value()
                kept.append(level)
                if old is None or round(float(old), self.decimals) != value:
                    out[level] = value
            elif old is not None:
                out[level] = None
        for key, spin in self.timing.items():
            if round(float(cur.get(key, 0.0)), self.decimals) != spin.value():
                out[key] = spin.value()
        # the priority the kept levels would have without a priority change (a removed
        # limit also leaves a per-level mapping, as the station file's merge does)
        base = cur.get("priority")
        chosen = {level: str(self.priority[level].currentData()) for level in kept}
        if any(chosen[level] != effective_priority(base, level) for level in kept):
            out["priority"] = chosen
        return out

    # ---- acting ----------------------------------------------------------------------
    def _update_buttons(self) -> None:
        ready = self.may_edit and not self.busy and bool(self.reason.text().strip())
        self.ok_button.setEnabled(ready)
        self.reset_button.setEnabled(ready)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def say(self, text: str, alarm: bool = False) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.error.setStyleSheet(f"color: {theme.ALARM};" if alarm else "")

    def apply(self) -> asyncio.Task[Any] | None:
        """Send the changes (the task, None if nothing was sent)."""
        if self.busy or not self.may_edit:
            return None
        changes = self.changes()
        if not changes:
            self.say(tr("rule.nothing", self.lang))
            return None
        return self._send(changes)

    def reset(self) -> asyncio.Task[Any] | None:
        """Drop the console's edits of the point: the template and station rule applies."""
        if self.busy or not self.may_edit:
            return None
        return self._send(None)

    def _send(self, changes: dict[str, Any] | None) -> asyncio.Task[Any] | None:
        reason = self.reason.text().strip()
        if not reason:
            return None
        self._set_busy(True)
        self.say(tr("rule.busy", self.lang))
        task = self._tasks.spawn(self._complete(changes, reason))
        if task is None:
            self._set_busy(False)  # no event loop (a bare widget): nothing was sent
        return task

    async def _complete(self, changes: dict[str, Any] | None, reason: str) -> None:
        call = self.runtime.set_alarm_rule(self.point_id, changes, self.user, reason)
        try:
            # shielded: closing the dialog must not cut a confirmed edit off half-way
            new = await asyncio.shield(call)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # ValueError (field and value), PermissionDenied, ...
            if not isinstance(exc, ValueError | LookupError | PermissionError):
                log.warning("alarm rule edit of %s failed: %s", self.point_id, exc, exc_info=exc)
            if not self._closed:
                text = str(exc) or type(exc).__name__
                self.say(tr("rule.error", self.lang, error=text), alarm=True)
                self._set_busy(False)
            return
        if self._closed:
            return
        self._set_busy(False)
        self.applied.emit(new)
        self.accept()

    def done(self, result: int) -> None:
        self._closed = True  # an edit in flight completes; nothing here is touched after
        super().done(result)


class AlarmRuleEditor(QObject):
    """Opens one AlarmRuleDialog at a time over ``window``; the main window keeps one and
    connects ``PointTableView.edit_alarm_rule_requested`` to ``open_for``."""

    opened = Signal(object)  # the AlarmRuleDialog just opened

    def __init__(self, runtime: Any, lang: str, window: QWidget, user: str | None = None) -> None:
        super().__init__(window)
        self.runtime = runtime
        self.lang = lang
        self.user = user or current_user()
        self._window = window
        self.dialog: AlarmRuleDialog | None = None

    def open_for(self, point_id: str) -> AlarmRuleDialog | None:
        """Open the editor on ``point_id`` (a previous one is closed); non-blocking."""
        self.close()
        try:
            dialog = AlarmRuleDialog(self.runtime, point_id, self.lang, self.user, self._window)
        except Exception as exc:  # unknown point, alarms not running
            log.warning("alarm rule of %s cannot be opened: %s", point_id, exc)
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                tr("rule.title", self.lang, point=point_id),
                tr("rule.unreadable", self.lang, point=point_id, error=exc),
                QMessageBox.StandardButton.Ok,
                self._window,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return None
        dialog.finished.connect(lambda _r, d=dialog: self._closed(d))
        self.dialog = dialog
        dialog.open()  # window-modal, not exec(): the asyncio loop keeps running
        self.opened.emit(dialog)
        return dialog

    def _closed(self, dialog: AlarmRuleDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def close(self) -> None:
        """Close an open editor (an edit already sent completes)."""
        if self.dialog is not None:
            self.dialog.reject()
            self.dialog = None
