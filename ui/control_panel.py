"""Operator controls: the control mode, operator setpoints, and the last command's read-back.

    Mode        Auto                      [Auto] [Manual] [Standby]
                PCS pcs1 link lost since 12:00:05 — commands not delivered   (red, only then)
    Setpoint    Active power setpoint (pcs1.p_set) ▾
                [ type a value ]  [Set…]
                range −500 … 500 kW · > 0 discharges · used in manual mode
    Last command (written, read back, result, time) from the dispatcher's command topic
    [Tune rules…]  the tuner's proposal as a new control version (ui/tune_dialog.py)
    message line: what was done, or why not

Every change opens a ConfirmDialog (old -> new, user, reason) and only then calls the
runtime's audited ``set_mode`` / ``set_manual``, as a background task: the GUI never waits.
The buttons show the mode the control loop is really in (refreshed by the cycle topic), so
a change made elsewhere shows too. A station without a control section gets the panel
disabled, with the reason in words. A user without the ``control`` permission (read once
from ``runtime.permissions(user)``) sees the mode buttons, the setpoint entry and *Tune
rules…* greyed out, their tooltips naming the missing permission; the runtime still checks
every call.

The setpoint entry starts blank (again after a point change and after each confirmed
setpoint), so *Set…* never sends a copied, stale value; the confirmation names exactly
what is written (the point, the value, charge or discharge) and the battery power measured
at that moment. The controlled unit's link comes from ``runtime.control_link()``
(app/control_status.py): while it is lost, or its commands or heartbeat fail, a red line
under the mode says so and since when.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Coroutine
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.access import CONTROL
from app.control.snapshot import SiteRoles
from app.control_loop import CYCLE
from app.control_status import ControlLinkStatus, LinkProblem
from app.dispatcher import COMMAND, CommandResult
from app.events import LINK
from app.model import PointSpec, Station
from ui import theme
from ui.confirm_dialog import Confirmation, ConfirmDialog, current_user
from ui.format import format_number, format_time
from ui.i18n import tr
from ui.permissions import granted, missing_tip
from ui.setpoint_entry import SetpointEntry
from ui.tasks import TaskGroup
from ui.tune_dialog import TuneDialog

log = logging.getLogger(__name__)

MODES = ("auto", "manual", "standby")
# the first word of CommandResult.result; anything else reads as failed
RESULT_KINDS = ("ok", "sent", "mismatch", "timeout", "failed", "rejected")
_NO_LIMIT = 1e6  # the spin box needs a range even when the station gives none
_IDLE_KW = 0.5  # a measured battery power this small reads "idle"


def result_kind(text: str) -> str:
    kind = text.split(":", 1)[0].strip()
    return kind if kind in RESULT_KINDS else "failed"


def drivable_points(station: Station) -> list[PointSpec]:
    """The setpoints the control loop drives (PCS power first, then PV limits)."""
    roles = SiteRoles.from_station(station)
    ids = (roles.pcs_setpoint, *roles.pv_limits)
    specs = [station.points.get(pid) for pid in ids]
    return [s for s in specs if s is not None and s.writable]


class _ControlEvents(QObject):
    """The bus's command, cycle and link topics as Qt signals, delivered queued on the GUI
    thread (never inside the publisher's call stack: the dispatcher, the cycle, a driver)."""

    command = Signal(object)
    cycle = Signal(object)
    link = Signal(object)

    def __init__(self, bus: Any, parent: QObject) -> None:
        super().__init__(parent)
        self._unsubscribe = [
            bus.subscribe(COMMAND, self.command.emit),
            bus.subscribe(CYCLE, self.cycle.emit),
            bus.subscribe(LINK, self.link.emit),
        ]

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()


class ControlPanel(QWidget):
    """``runtime`` needs ``station``, ``bus``, ``points``, ``control`` and the async
    ``set_mode`` / ``set_manual``; without ``control`` the panel is shown disabled."""

    def __init__(
        self,
        runtime: Any,
        lang: str,
        zone: ZoneInfo,
        user: str | None = None,
        last: dict[str, CommandResult] | None = None,
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.lang = lang
        self.user = user or current_user()
        self.may_control = CONTROL in granted(runtime, self.user)
        self.dialog: ConfirmDialog | None = None
        self.tune_dialog: TuneDialog | None = None
        self._zone = zone
        self._tasks = TaskGroup("control panel")
        # the last command per point; a language switch hands the old panel's over
        self._last: dict[str, CommandResult] = dict(last or {})
        self._busy = False
        self._closed = False
        self.points = drivable_points(runtime.station)
        self.available = self._control() is not None
        self._build()
        self._events = _ControlEvents(runtime.bus, self)
        queued = Qt.ConnectionType.QueuedConnection
        self._events.command.connect(self._on_command, queued)
        self._events.cycle.connect(lambda _stats: self._sync_mode(), queued)
        self._events.link.connect(lambda _state: self._show_link(), queued)
        self._point_changed()
        self._sync_mode()
        self._set_busy(False)

    # ---- construction ------------------------------------------------------------------
    def _build(self) -> None:
        lang = self.lang
        self.unavailable = QLabel(tr("control.unavailable", lang))
        self.unavailable.setWordWrap(True)
        self.unavailable.setObjectName("tileDetail")
        self.unavailable.setVisible(not self.available)

        self.mode_value = QLabel("—")
        self.mode_value.setFont(theme.font(theme.BASE_POINT_SIZE + 2, bold=True))
        self.link_status = QLabel("")  # the controlled unit's link, shown only when lost
        self.link_status.setWordWrap(True)
        self.link_status.setStyleSheet(f"color: {theme.ALARM}; font-weight: bold;")
        self.link_status.setVisible(False)
        self.mode_buttons: dict[str, QPushButton] = {}
        mode_row = QHBoxLayout()
        for mode in MODES:
            button = QPushButton(tr(f"mode.{mode}", lang), checkable=True)
            button.clicked.connect(lambda _=False, m=mode: self.request_mode(m))
            self.mode_buttons[mode] = button
            mode_row.addWidget(button)

        self.point_combo = QComboBox()
        for spec in self.points:
            self.point_combo.addItem(f"{spec.name.text(lang)} ({spec.id})", spec.id)
        self.point_combo.currentIndexChanged.connect(self._point_changed)
        self.value_spin = SetpointEntry(tr("control.entry_empty", lang))  # starts blank
        self.value_spin.setDecimals(1)
        self.value_spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.value_spin.valueChanged.connect(lambda _value: self._set_busy(self._busy))
        self.set_button = QPushButton(tr("control.set", lang))
        self.set_button.clicked.connect(self.request_setpoint)
        entry_row = QHBoxLayout()
        entry_row.addWidget(self.value_spin, 1)
        entry_row.addWidget(self.set_button)
        self.hint = self._detail()
        self.manual_now = self._detail()

        self.last_title = self._caption("")
        self.written, self.read_back = QLabel("—"), QLabel("—")
        self.result, self.result_time = QLabel("—"), QLabel("—")
        last = QGridLayout()
        last.setColumnStretch(1, 1)
        for row, (key, label) in enumerate(
            (
                ("control.written", self.written),
                ("control.read_back", self.read_back),
                ("control.result", self.result),
                ("control.time", self.result_time),
            )
        ):
            last.addWidget(self._detail(tr(key, lang)), row, 0)
            last.addWidget(label, row, 1)

        # the rules' parameters tuned on the station's history (needs propose_tuning)
        self.tune_button = QPushButton(tr("control.tune", lang))
        self.tune_button.clicked.connect(self.request_tuning)
        self.may_tune = self.may_control and hasattr(self.runtime, "propose_tuning")
        self.tune_button.setEnabled(self.may_tune)
        self.tune_button.setToolTip(
            tr("control.tune.tip", lang)
            if self.may_control
            else missing_tip(CONTROL, self.user, lang)
        )

        self.message = QLabel("")
        self.message.setWordWrap(True)

        self.controls = QWidget()
        box = QVBoxLayout(self.controls)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        head = QHBoxLayout()
        head.addWidget(self._caption(tr("control.mode", lang)))
        head.addStretch(1)
        head.addWidget(self.mode_value)
        box.addLayout(head)
        box.addWidget(self.link_status)
        box.addLayout(mode_row)
        box.addSpacing(8)
        box.addWidget(self._caption(tr("control.setpoint", lang)))
        box.addWidget(self.point_combo)
        box.addLayout(entry_row)
        box.addWidget(self.hint)
        box.addWidget(self.manual_now)
        box.addSpacing(8)
        box.addWidget(self.last_title)
        box.addLayout(last)
        box.addSpacing(8)
        tune_row = QHBoxLayout()
        tune_row.addWidget(self.tune_button)
        tune_row.addStretch(1)
        box.addLayout(tune_row)
        self.controls.setEnabled(self.available)
        self.point_combo.setEnabled(bool(self.points))
        self.value_spin.setEnabled(bool(self.points) and self.may_control)
        if not self.may_control:
            tip = missing_tip(CONTROL, self.user, lang)
            for widget in (*self.mode_buttons.values(), self.value_spin, self.set_button):
                widget.setToolTip(tip)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.addWidget(self.unavailable)
        outer.addWidget(self.controls)
        outer.addSpacing(6)
        outer.addWidget(self.message)
        outer.addStretch(1)

    @staticmethod
    def _caption(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("tileTitle")
        return label

    @staticmethod
    def _detail(text: str = "") -> QLabel:
        label = QLabel(text)
        label.setObjectName("tileDetail")
        label.setWordWrap(True)
        return label

    # ---- state shown -------------------------------------------------------------------
    def _control(self) -> Any:
        # read each time: the session's runtime creates its control loop when it starts
        return getattr(self.runtime, "control", None)

    def current_point(self) -> PointSpec | None:
        index = self.point_combo.currentIndex()
        return self.points[index] if 0 <= index < len(self.points) else None

    def _fmt(self, value: float | None, spec: PointSpec) -> str:
        if value is None or not math.isfinite(value):
            return tr("value.none", self.lang)
        text = format_number(float(value), spec.unit, self.lang)
        return f"{text} {spec.unit}" if spec.unit else text

    def _sync_mode(self) -> None:
        """Buttons and label follow the control loop's real mode, never a pending click."""
        if self._closed:
            return
        control = self._control()
        mode = str(control.mode) if control is not None else None
        self.mode_value.setText(tr(f"mode.{mode}", self.lang) if mode else "—")
        for name, button in self.mode_buttons.items():
            button.setChecked(name == mode)
        self._show_manual()
        self._show_link()

    def _link(self) -> ControlLinkStatus | None:
        # the runtime's facade (ControlLinkSource); a runtime without it has nothing to say
        source = getattr(self.runtime, "control_link", None)
        return source() if source is not None and self._control() is not None else None

    def _show_link(self) -> None:
        """The red line under the mode while the controlled unit cannot be commanded."""
        if self._closed:
            return
        status = self._link()
        if status is None or status.ok:
            self.link_status.setVisible(False)
            self.link_status.setText("")
            self.link_status.setToolTip("")
            return
        key = (
            "control.link_lost"
            if status.problem is LinkProblem.LINK_LOST
            else "control.commands_failing"
        )
        since = "—" if status.since is None else format_time(status.since, self._zone, False)
        self.link_status.setText(tr(key, self.lang, device=status.device_id, time=since))
        self.link_status.setToolTip(status.detail)  # the driver's or dispatcher's words
        self.link_status.setVisible(True)

    def _point_changed(self, _index: int = 0) -> None:
        spec = self.current_point()
        if spec is None:
            self.hint.setText(tr("control.no_points", self.lang))
            self.last_title.setText(tr("control.last", self.lang, point="—"))
            return
        limits = spec.limits
        low = limits.min if limits is not None and limits.min is not None else -_NO_LIMIT
        high = limits.max if limits is not None and limits.max is not None else _NO_LIMIT
        self.value_spin.setSuffix(f" {spec.unit}" if spec.unit else "")
        self.value_spin.setSingleStep(10.0 if spec.unit == "kW" else 1.0)
        self.value_spin.set_limits(low, high)  # blank: no copied value to send by mistake
        parts = []
        if limits is not None and (limits.min is not None or limits.max is not None):
            parts.append(
                tr(
                    "control.range",
                    self.lang,
                    low=self._fmt(limits.min, spec),
                    high=self._fmt(limits.max, spec),
                )
            )
        if self._is_pcs(spec):
            parts.append(tr("control.pcs_sign", self.lang))
        parts.append(tr("control.manual_only", self.lang))
        self.hint.setText(" · ".join(parts))
        self.last_title.setText(tr("control.last", self.lang, point=spec.id))
        self._show_manual()
        self._show_last()

    def _is_pcs(self, spec: PointSpec) -> bool:
        return spec.id == SiteRoles.from_station(self.runtime.station).pcs_setpoint

    def _power_words(self, value: float, spec: PointSpec) -> str:
        """What a PCS setpoint does (> 0 discharges): "charge 120.0 kW", "discharge ..."."""
        if value == 0:
            return tr("control.action.idle", self.lang)
        kind = "discharge" if value > 0 else "charge"
        return tr(f"control.action.{kind}", self.lang, power=self._fmt(abs(value), spec))

    def _measured(self, spec: PointSpec) -> str:
        """The battery power measured now (the site's BESS power role, > 0 discharging)."""
        pid = SiteRoles.from_station(self.runtime.station).bess_p
        reading = self.runtime.points.get(pid)
        value = reading.as_float() if reading is not None and reading.is_good else None
        if value is None or not math.isfinite(value):
            quality = tr("value.none", self.lang) if reading is None else str(reading.quality)
            return tr("control.measured_none", self.lang, quality=quality)
        moving = "discharging" if value > 0 else "charging"
        state = "idle" if abs(value) < _IDLE_KW else moving
        return tr(
            "control.measured",
            self.lang,
            value=self._fmt(value, spec),
            state=tr(f"control.state.{state}", self.lang),
        )

    def _show_manual(self) -> None:
        spec, control = self.current_point(), self._control()
        if spec is None or control is None:
            self.manual_now.setText("")
            return
        value = control.manual.get(spec.id)
        shown = self._fmt(value, spec) if value is not None else tr("control.none", self.lang)
        self.manual_now.setText(tr("control.manual_now", self.lang, value=shown))

    def _on_command(self, result: CommandResult) -> None:
        if self._closed:
            return
        self._show_link()  # a write (the heartbeat's too) that failed, or got through
        if all(result.point_id != s.id for s in self.points):
            return
        self._last[result.point_id] = result
        spec = self.current_point()
        if spec is not None and spec.id == result.point_id:
            self._show_last()

    @property
    def last_commands(self) -> dict[str, CommandResult]:
        """The last command result per point (what "Last command" shows)."""
        return dict(self._last)

    def _show_last(self) -> None:
        spec = self.current_point()
        result = self._last.get(spec.id) if spec is not None else None
        if spec is None or result is None:
            for label in (self.written, self.read_back, self.result, self.result_time):
                label.setText("—")
                label.setToolTip("")
            self.result.setStyleSheet("")
            return
        kind = result_kind(result.result)
        self.written.setText(self._fmt(result.value, spec))
        self.read_back.setText(self._fmt(result.read_back, spec))
        self.result.setText(tr(f"cmd.{kind}", self.lang))
        self.result.setToolTip(result.result)  # the dispatcher's own words, with the detail
        # ISA-101: a confirmed command reads grey; only a failed one is coloured
        self.result.setStyleSheet("" if result.ok else f"color: {theme.ALARM}; font-weight: bold;")
        self.result_time.setText(format_time(result.ts, self._zone, with_date=False))

    def _say(self, text: str, alarm: bool = False) -> None:
        # station time, as the command results are stamped (shifted clock in a demo)
        now = getattr(self.runtime, "now", time.time)
        stamp = format_time(now(), self._zone, with_date=False)
        self.message.setText(f"{stamp}  {text}" if text else "")
        self.message.setStyleSheet(f"color: {theme.ALARM};" if alarm else "")

    # ---- operator requests -------------------------------------------------------------
    def request_mode(self, mode: str) -> None:
        """Ask to switch to ``mode``; the change happens only after confirmation."""
        self._sync_mode()  # a click must not look like a change before it is confirmed
        control = self._control()
        if control is None or self._busy or mode == str(control.mode):
            return
        old = str(control.mode)
        label = tr(f"mode.{mode}", self.lang)

        def send(ok: Confirmation) -> None:
            self._send(
                lambda: self.runtime.set_mode(mode, ok.user, ok.reason),
                tr("control.mode_done", self.lang, mode=label),
            )

        self._confirm(
            tr("control.mode", self.lang),
            tr(f"mode.{old}", self.lang),
            label,
            tr(f"mode.{mode}.note", self.lang),
            send,
        )

    def request_setpoint(self) -> None:
        """Ask to set the operator setpoint of the selected point to the entered value."""
        control, spec = self._control(), self.current_point()
        if control is None or spec is None or self._busy:
            return
        value = self.value_spin.entered()
        if value is None:  # blank: only a value the operator typed is ever sent
            self._say(tr("control.enter_value", self.lang), alarm=True)
            return
        old = control.manual.get(spec.id)
        old_text = self._fmt(old, spec) if old is not None else tr("control.none", self.lang)
        new_text = self._fmt(value, spec)
        # exactly what is written, and (for the PCS) what the battery does at this moment
        if self._is_pcs(spec):
            action = self._power_words(value, spec)
            lines = [
                tr("control.writes", self.lang, point=spec.id, value=new_text, action=action),
                self._measured(spec),
            ]
        else:
            lines = [tr("control.writes_plain", self.lang, point=spec.id, value=new_text)]
        if str(control.mode) == "manual":
            lines.append(tr("control.applies_now", self.lang))
        else:
            mode = tr(f"mode.{control.mode}", self.lang)
            lines.append(tr("control.applies_in_manual", self.lang, mode=mode))

        def send(ok: Confirmation) -> None:
            self._send(
                lambda: self.runtime.set_manual(spec.id, value, ok.user, ok.reason),
                tr("control.setpoint_done", self.lang, point=spec.id, value=new_text),
                sent=self.value_spin.clear_value,  # the next Set… needs a new value
            )

        self._confirm(
            f"{tr('control.setpoint', self.lang)}: {spec.name.text(self.lang)} ({spec.id})",
            old_text,
            new_text,
            "\n".join(lines),
            send,
        )

    def _confirm(
        self, what: str, old: str, new: str, note: str, send: Callable[[Confirmation], None]
    ) -> None:
        if self.dialog is not None:
            self.dialog.reject()  # one question at a time: the newer request replaces it
        dialog = ConfirmDialog(what, old, new, self.user, self.lang, note, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.confirmed.connect(send)
        dialog.finished.connect(lambda _result, d=dialog: self._dialog_closed(d))
        self.dialog = dialog
        dialog.open()  # window-modal, not exec(): the asyncio loop keeps running

    def _dialog_closed(self, dialog: ConfirmDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def request_tuning(self) -> None:
        """Open *Tune rules…*: the proposal is computed in the background; nothing changes
        until it is applied there (with a reason)."""
        if self._control() is None or not self.may_tune:
            return
        if self.tune_dialog is not None:
            self.tune_dialog.raise_()  # one proposal at a time
            return
        dialog = TuneDialog(self.runtime, self.user, self.lang, self._zone, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(self._tuning_applied)
        dialog.finished.connect(lambda _result, d=dialog: self._tune_closed(d))
        self.tune_dialog = dialog
        dialog.open()  # window-modal, not exec(): the asyncio loop keeps running
        dialog.start()

    def _tune_closed(self, dialog: TuneDialog) -> None:
        if self.tune_dialog is dialog:
            self.tune_dialog = None

    def _tuning_applied(self, applied: Any) -> None:
        if not self._closed:
            self._say(tr("control.tune_done", self.lang, version=applied.version.label))

    def _send(
        self,
        call: Callable[[], Coroutine[Any, Any, Any]],
        done: str,
        sent: Callable[[], None] | None = None,
    ) -> None:
        """Run ``call`` in the background; ``sent`` runs once the runtime accepted it."""
        self._set_busy(True)
        self._say(tr("control.busy", self.lang))
        if self._tasks.spawn(self._complete(call, done, sent)) is None:
            self._set_busy(False)  # no event loop (a bare widget): nothing was sent

    async def _complete(
        self,
        call: Callable[[], Coroutine[Any, Any, Any]],
        done: str,
        sent: Callable[[], None] | None = None,
    ) -> None:
        try:
            # shielded: closing the panel must not cut a confirmed command off half-way
            await asyncio.shield(call())
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # RuntimeError (no control), ValueError (bad point or mode)
            if not isinstance(exc, RuntimeError | ValueError | PermissionError):
                log.exception("operator command failed")
            if not self._closed:
                self._say(tr("control.error", self.lang, error=str(exc)), alarm=True)
        else:
            if not self._closed:
                self._say(done)
                if sent is not None:
                    sent()
        finally:
            if not self._closed:
                self._set_busy(False)
                self._sync_mode()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for button in (*self.mode_buttons.values(), self.set_button):
            button.setEnabled(
                not busy
                and self.may_control
                and (
                    button is not self.set_button
                    or (bool(self.points) and not self.value_spin.is_empty())
                )
            )

    def close_panel(self) -> None:
        """Stop listening and close a pending question; commands already sent complete."""
        self._closed = True
        self._events.close()
        self._tasks.cancel_all()
        if self.dialog is not None:
            self.dialog.reject()
            self.dialog = None
        if self.tune_dialog is not None:
            self.tune_dialog.reject()
            self.tune_dialog = None
