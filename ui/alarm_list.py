"""The active alarm list and the shelved / out-of-service list (issue 4, ISA-18.2).

    Device [All ▾]  Priority [All ▾]  State [All ▾]            12 of 40 alarms shown
    | Priority | Activated (zone) | Device | Message | State | Point |
    [Acknowledge selected…] [Acknowledge all shown…] [Shelve…] [Remove from service…] [Trend]
    message line: what was done, or in red why not

``refresh()`` re-reads ``runtime.alarms_active()`` (the lead's wiring calls it on the bus
adapter's rate-limited ``alarms_changed``, so a storm is one refresh) and keeps the
operator's selection and scroll position by alarm id. Every action asks first (a
window-modal dialog opened with ``open()``), acts on the alarms as they were when it was
asked, and runs the runtime's audited coroutine as a background task: the GUI never waits.
Any exception the runtime raises (unknown alarm, bad duration, no permission) is shown in
the message line, never raised into Qt.

Permissions are read once, at construction, from ``runtime.permissions(user)`` (a runtime
without it allows everything): the acknowledge buttons need ``acknowledge``, Shelve and
Unshelve need ``shelve``, Remove from service and Return to service need ``edit_alarms``; a
button greyed out for want of one says so in its tooltip. The runtime still checks every
call: a refusal is shown like any other error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.access import ACKNOWLEDGE, EDIT_ALARMS, PERMISSIONS, SHELVE
from app.alarms.engine import AlarmView
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import LISTED, AlarmState, Priority
from ui import theme
from ui.alarm_dialogs import (
    AckDialog,
    RemoveFromServiceDialog,
    ReturnToServiceDialog,
    ShelveChoice,
    ShelveDialog,
    UnshelveDialog,
    duration_text,
)
from ui.alarm_table_model import (
    ACKABLE,
    AlarmFilter,
    AlarmTableModel,
    ShelvedTableModel,
    priority_text,
    state_text,
)
from ui.confirm_dialog import current_user
from ui.format import format_time
from ui.i18n import tr
from ui.tasks import TaskGroup

log = logging.getLogger(__name__)

MAX_SHELVE_S = 8 * 3600.0  # the engine's default maximum: how far back a shelve can start


def granted(runtime: Any, user: str) -> frozenset[str]:
    """The user's permissions (read once by a panel); all of them if the runtime has none."""
    permissions = getattr(runtime, "permissions", None)
    return frozenset(permissions(user)) if permissions is not None else PERMISSIONS


def missing_tip(permission: str, user: str, lang: str) -> str:
    """The tooltip of a control greyed out because ``user`` lacks ``permission``."""
    name = tr(f"perm.name.{permission}", lang)
    return tr("perm.missing", lang, user=user, name=name, permission=permission)


def sources_of(runtime: Any, views: Iterable[AlarmView] = ()) -> list[str]:
    """The station's devices in file order, then other alarm sources (site, control) sorted."""
    devices = list(runtime.station.devices)
    extra = sorted({v.source for v in views} - set(devices))
    return devices + extra


class _AlarmPanel(QWidget):
    """What both lists share: a table over an AlarmTableModel, the selection kept by alarm
    id across refreshes, the message line, questions and background actions."""

    def __init__(
        self,
        runtime: Any,
        lang: str,
        zone: ZoneInfo,
        user: str | None,
        model: AlarmTableModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.lang = lang
        self.zone = zone
        self.user = user or current_user()
        self.permissions = granted(runtime, self.user)
        self.dialog: QDialog | None = None
        self.busy = False
        self._closed = False
        self._tasks = TaskGroup(type(self).__name__)
        self.model = model
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.message = QLabel("")
        self.message.setWordWrap(True)

    # ---- selection, kept by alarm id -------------------------------------------------
    def selected(self) -> list[AlarmView]:
        # from the selection's ranges (cheap), not selectedRows() (which checks every cell)
        rows = sorted(
            {
                row
                for rng in self.table.selectionModel().selection()
                for row in range(rng.top(), rng.bottom() + 1)
            }
        )
        return [v for v in (self.model.view_at(r) for r in rows) if v is not None]

    def select_ids(self, alarm_ids: Iterable[str]) -> None:
        """Select the rows of ``alarm_ids`` that are shown (contiguous runs as ranges)."""
        rows = self.model.rows_of(set(alarm_ids))
        selection = QItemSelection()
        last_col = self.model.columnCount() - 1
        start = prev = None
        for row in [*rows, None]:
            if row is not None and prev is not None and row == prev + 1:
                prev = row
                continue
            if start is not None and prev is not None:
                selection.select(self.model.index(start, 0), self.model.index(prev, last_col))
            start = prev = row
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().select(selection, flags)
        if rows:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )

    def _set_alarms(self, views: Sequence[AlarmView]) -> None:
        """Replace the rows keeping the selection and the top row shown, by alarm id."""
        keep = [v.alarm_id for v in self.selected()]
        top_index = self.table.indexAt(QPoint(1, 1))
        top = self.model.view_at(top_index.row()) if top_index.isValid() else None
        bar = self.table.verticalScrollBar()
        scroll = bar.value()
        self.model.set_alarms(views)
        if keep:
            self.select_ids(keep)
        row = self.model.row_of(top.alarm_id) if top is not None else -1
        if row >= 0:
            self.table.scrollTo(
                self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop
            )
        else:
            bar.setValue(min(scroll, bar.maximum()))

    # ---- questions and actions -------------------------------------------------------
    def _ask(self, dialog: QDialog, answer: Callable[[Any], None]) -> None:
        if self.dialog is not None:
            self.dialog.reject()  # one question at a time: the newer request replaces it
        dialog.confirmed.connect(answer)  # type: ignore[attr-defined]
        dialog.finished.connect(lambda _r, d=dialog: self._dialog_closed(d))
        self.dialog = dialog
        dialog.open()  # window-modal, not exec(): the asyncio loop keeps running

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _run(self, call: Callable[[], Coroutine[Any, Any, Any]], done: Callable[[], str]) -> None:
        self._set_busy(True)
        self.say(tr("alarms.busy", self.lang))
        if self._tasks.spawn(self._complete(call, done)) is None:
            self._set_busy(False)  # no event loop (a bare widget): nothing was sent

    async def _complete(
        self, call: Callable[[], Coroutine[Any, Any, Any]], done: Callable[[], str]
    ) -> None:
        try:
            # shielded: closing the panel must not cut a confirmed action off half-way
            await asyncio.shield(call())
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # AlarmError, ValueError, PermissionError, ...: say why
            if not isinstance(exc, ValueError | KeyError | PermissionError | LookupError):
                log.warning("alarm action failed: %s", exc, exc_info=exc)
            if not self._closed:
                self.say(tr("alarms.error", self.lang, error=str(exc) or type(exc).__name__), True)
        else:
            if not self._closed:
                self.say(done())
        finally:
            if not self._closed:
                self._set_busy(False)
                self.refresh()

    def say(self, text: str, alarm: bool = False) -> None:
        now = getattr(self.runtime, "now", time.time)
        stamp = format_time(now(), self.zone, with_date=False)
        self.message.setText(f"{stamp}  {text}" if text else "")
        self.message.setStyleSheet(f"color: {theme.ALARM};" if alarm else "")

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        raise NotImplementedError

    def refresh(self, entries: Sequence[JournalEntry] | None = None) -> None:
        raise NotImplementedError

    def close_panel(self) -> None:
        """Close a pending question; actions already confirmed complete."""
        self._closed = True
        self._tasks.cancel_all()
        if self.dialog is not None:
            self.dialog.reject()
            self.dialog = None


class AlarmListPanel(_AlarmPanel):
    """The active alarm list: unack, acked and cleared-unack alarms, filtered and acted on."""

    trend_requested = Signal(str)

    def __init__(
        self,
        runtime: Any,
        lang: str,
        zone: ZoneInfo,
        user: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runtime, lang, zone, user, AlarmTableModel(lang, zone), parent)
        self._build()
        self.refresh()

    def _build(self) -> None:
        lang = self.lang
        self.device_combo = QComboBox()
        self.device_combo.addItem(tr("alarms.filter.all_devices", lang), None)
        self.device_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.priority_combo = QComboBox()
        self.priority_combo.addItem(tr("alarms.filter.all_priorities", lang), None)
        for p in Priority:
            self.priority_combo.addItem(priority_text(p, lang), p.value)
        self.state_combo = QComboBox()
        self.state_combo.addItem(tr("alarms.filter.all_states", lang), None)
        for s in (AlarmState.UNACK, AlarmState.ACKED, AlarmState.RTN_UNACK):
            self.state_combo.addItem(state_text(s, lang), s.value)
        for combo in (self.device_combo, self.priority_combo, self.state_combo):
            combo.currentIndexChanged.connect(self._filter_changed)
        self.count = QLabel("")
        self.count.setObjectName("tileDetail")

        filters = QHBoxLayout()
        for key, combo in (
            ("alarms.filter.device", self.device_combo),
            ("alarms.filter.priority", self.priority_combo),
            ("alarms.filter.state", self.state_combo),
        ):
            label = QLabel(tr(key, lang))
            label.setObjectName("tileTitle")
            filters.addWidget(label)
            filters.addWidget(combo)
        filters.addStretch(1)
        filters.addWidget(self.count)

        self.ack_selected_button = QPushButton(tr("alarms.ack_selected", lang))
        self.ack_visible_button = QPushButton(tr("alarms.ack_visible", lang))
        self.shelve_button = QPushButton(tr("alarms.shelve", lang))
        self.remove_button = QPushButton(tr("alarms.remove_from_service", lang))
        self.trend_button = QPushButton(tr("alarms.trend", lang))
        self.trend_button.setToolTip(tr("alarms.trend_tip", lang))
        for button, permission in (
            (self.ack_selected_button, ACKNOWLEDGE),
            (self.ack_visible_button, ACKNOWLEDGE),
            (self.shelve_button, SHELVE),
            (self.remove_button, EDIT_ALARMS),
        ):
            if permission not in self.permissions:
                button.setToolTip(missing_tip(permission, self.user, lang))
        self.ack_selected_button.clicked.connect(self.request_ack_selected)
        self.ack_visible_button.clicked.connect(self.request_ack_visible)
        self.shelve_button.clicked.connect(self.request_shelve)
        self.remove_button.clicked.connect(self.request_remove_from_service)
        self.trend_button.clicked.connect(self.request_trend)
        self.table.doubleClicked.connect(self._double_clicked)
        buttons = QHBoxLayout()
        for button in (
            self.ack_selected_button,
            self.ack_visible_button,
            self.shelve_button,
            self.remove_button,
            self.trend_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        header = self.table.horizontalHeader()
        for column, width in enumerate((90, 170, 90, 380, 170, 190)):
            header.resizeSection(column, width)
        # the message takes the spare width (the point id column does not need it)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(
            self.model.columns.index("message"), QHeaderView.ResizeMode.Stretch
        )

        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addLayout(filters)
        box.addWidget(self.table, 1)
        box.addLayout(buttons)
        box.addWidget(self.message)

    # ---- content ---------------------------------------------------------------------
    def refresh(self, entries: Sequence[JournalEntry] | None = None) -> None:
        """Re-read the active list; the selection and scroll position stay on their alarms.
        ``entries`` (the batch that caused it) are not needed: the list is the engine's."""
        if self._closed:
            return
        views = self.runtime.alarms_active()
        self._sync_devices(views)
        self._set_alarms(views)
        self._show_count()
        self._update_buttons()

    def _sync_devices(self, views: Sequence[AlarmView]) -> None:
        wanted = sources_of(self.runtime, views)
        have = [self.device_combo.itemData(i) for i in range(1, self.device_combo.count())]
        if have == wanted:
            return
        current = self.device_combo.currentData()
        self.device_combo.blockSignals(True)
        try:
            while self.device_combo.count() > 1:
                self.device_combo.removeItem(1)
            for source in wanted:
                self.device_combo.addItem(self._device_label(source), source)
            index = self.device_combo.findData(current) if current is not None else 0
            self.device_combo.setCurrentIndex(max(0, index))
        finally:
            self.device_combo.blockSignals(False)

    def _device_label(self, source: str) -> str:
        device = self.runtime.station.devices.get(source)
        name = getattr(device, "name", None)
        text = name.text(self.lang) if name is not None else ""
        return f"{source} — {text}" if text and text != source else source

    def _filter_changed(self, _index: int = 0) -> None:
        priority = self.priority_combo.currentData()
        state = self.state_combo.currentData()
        self.set_filter(
            AlarmFilter(
                self.device_combo.currentData(),
                Priority(priority) if priority else None,
                AlarmState(state) if state else None,
            )
        )

    def set_filter(self, flt: AlarmFilter) -> None:
        """Show only the alarms that pass ``flt`` (the combos call this); the selection of
        alarms still shown is kept."""
        keep = [v.alarm_id for v in self.selected()]
        self.model.set_filter(flt)
        if keep:
            self.select_ids(keep)
        self._show_count()
        self._update_buttons()

    def _show_count(self) -> None:
        self.count.setText(
            tr(
                "alarms.count",
                self.lang,
                shown=len(self.model.visible),
                total=len(self.model.all_alarms),
            )
        )

    def _update_buttons(self) -> None:
        selected = self.selected()
        idle = not self.busy
        may_ack = idle and ACKNOWLEDGE in self.permissions
        self.ack_selected_button.setEnabled(may_ack and any(v.state in ACKABLE for v in selected))
        self.ack_visible_button.setEnabled(
            may_ack and any(v.state in ACKABLE for v in self.model.visible)
        )
        self.shelve_button.setEnabled(idle and SHELVE in self.permissions and len(selected) == 1)
        self.remove_button.setEnabled(
            idle and EDIT_ALARMS in self.permissions and len(selected) == 1
        )
        self.trend_button.setEnabled(len(selected) == 1 and bool(selected[0].point_id))

    # ---- operator requests -----------------------------------------------------------
    def request_ack_selected(self) -> None:
        self._request_ack(self.selected())

    def request_ack_visible(self) -> None:
        """Acknowledge the alarms the filter shows now, and only those."""
        self._request_ack(list(self.model.visible))

    def _request_ack(self, views: Sequence[AlarmView]) -> None:
        if self.busy:
            return
        # the alarms as they are now: the answer acts on these, whatever arrives meanwhile
        ids = [v.alarm_id for v in views if v.state in ACKABLE]
        if not ids:
            self.say(tr("alarms.nothing_to_ack", self.lang))
            return

        def send(comment: str) -> None:
            self._run(
                lambda: self.runtime.acknowledge_alarms(ids, self.user, comment),
                lambda: tr("alarms.acked_done", self.lang, n=len(ids)),
            )

        self._ask(AckDialog(len(ids), self.user, self.lang, self.window()), send)

    def request_shelve(self) -> None:
        selected = self.selected()
        if self.busy or len(selected) != 1:
            return
        alarm_id = selected[0].alarm_id

        def send(choice: ShelveChoice) -> None:
            self._run(
                lambda: self.runtime.shelve_alarm(
                    alarm_id, self.user, choice.reason, choice.duration_s
                ),
                lambda: tr(
                    "alarms.shelved_done",
                    self.lang,
                    alarm=alarm_id,
                    duration=duration_text(choice.duration_s, self.lang),
                ),
            )

        self._ask(ShelveDialog(alarm_id, self.user, self.lang, self.window()), send)

    def request_remove_from_service(self) -> None:
        """Take the one selected alarm out of service (maintenance), with a reason."""
        selected = self.selected()
        if self.busy or len(selected) != 1:
            return
        alarm_id = selected[0].alarm_id

        def send(reason: str) -> None:
            self._run(
                lambda: self.runtime.remove_alarm_from_service(alarm_id, self.user, reason),
                lambda: tr("alarms.oos_done", self.lang, alarm=alarm_id),
            )

        self._ask(RemoveFromServiceDialog(alarm_id, self.user, self.lang, self.window()), send)

    def request_trend(self) -> None:
        selected = self.selected()
        if len(selected) == 1 and selected[0].point_id:
            self.trend_requested.emit(selected[0].point_id)

    def _double_clicked(self, index: QModelIndex) -> None:
        view = self.model.view_at(index.row())
        if view is not None and view.point_id:
            self.trend_requested.emit(view.point_id)


class ShelvedListPanel(_AlarmPanel):
    """Shelved and out-of-service alarms (the state column says which), with who masked
    each, when and why (from the journal), when a shelve ends by itself (from the engine);
    Unshelve for a shelved row, Return to service for an out-of-service one."""

    def __init__(
        self,
        runtime: Any,
        lang: str,
        zone: ZoneInfo,
        user: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        model = ShelvedTableModel(lang, zone)
        super().__init__(runtime, lang, zone, user, model, parent)
        self.shelved_model = model
        self._looking: set[str] = set()
        self._build()
        self.refresh()

    def _build(self) -> None:
        self.count = QLabel("")
        self.count.setObjectName("tileDetail")
        self.unshelve_button = QPushButton(tr("shelved.unshelve", self.lang))
        self.unshelve_button.clicked.connect(self.request_unshelve)
        self.return_button = QPushButton(tr("shelved.return", self.lang))
        self.return_button.clicked.connect(self.request_return_to_service)
        for button, permission in (
            (self.unshelve_button, SHELVE),
            (self.return_button, EDIT_ALARMS),
        ):
            if permission not in self.permissions:
                button.setToolTip(missing_tip(permission, self.user, self.lang))
        self.table.setToolTip(tr("shelved.expiry_tip", self.lang))
        header = self.table.horizontalHeader()
        for column, width in enumerate((90, 180, 110, 90, 300, 100, 150, 150, 240)):
            header.resizeSection(column, width)
        row = QHBoxLayout()
        row.addWidget(self.unshelve_button)
        row.addWidget(self.return_button)
        row.addStretch(1)
        row.addWidget(self.count)
        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addWidget(self.table, 1)
        box.addLayout(row)
        box.addWidget(self.message)

    def refresh(self, entries: Sequence[JournalEntry] | None = None) -> None:
        """Re-read the list (``runtime.alarms_shelved()`` + ``alarms_out_of_service()``);
        shelves and removals in ``entries`` (the batch that caused the refresh) give
        who/when/why at once, others are looked up in the journal."""
        if self._closed:
            return
        for e in entries or ():
            if e.kind != "alarm":
                continue
            if e.state in _MASKED and not (e.user is None and e.previous is e.state):
                self.shelved_model.set_info(e.alarm_id, e)
            elif e.previous in _MASKED or e.state in LISTED:
                self.shelved_model.forget(e.alarm_id)
        shelved = self.runtime.alarms_shelved()
        out = self.runtime.alarms_out_of_service()
        views = [*shelved, *out]
        self._set_alarms(views)
        for view in views:
            info = self.shelved_model.info(view.alarm_id)
            if info is not None and info.state is not view.state:  # shelved, then taken out
                self.shelved_model.forget(view.alarm_id)
            if not self.shelved_model.knows(view.alarm_id) and view.alarm_id not in self._looking:
                self._looking.add(view.alarm_id)
                if self._tasks.spawn(self._look_up(view.alarm_id, view.state)) is None:
                    self._looking.discard(view.alarm_id)
        if out:
            text = tr("shelved.count_oos", self.lang, n=len(shelved), m=len(out))
        else:
            text = tr("shelved.count", self.lang, n=len(shelved))
        self.count.setText(text)
        self._update_buttons()

    async def _look_up(self, alarm_id: str, state: AlarmState) -> None:
        """Who shelved ``alarm_id`` or took it out of service, when and why: its latest
        journal entry into that state by a person (a shelve is at most 8 h old; out of
        service has no age limit, and a restart's record of it names no user, so the
        operator's own entry is preferred and the restart's taken when it is all there is)."""
        oos = state is AlarmState.OUT_OF_SERVICE
        try:
            now = getattr(self.runtime, "now", time.time)()
            since = None if oos else now - MAX_SHELVE_S - 60.0
            found = await self.runtime.alarm_history(
                since=since, text=alarm_id, limit=2000 if oos else 500
            )
        except Exception as exc:
            log.warning("shelve lookup of %s failed: %s", alarm_id, exc)
            found = []
        finally:
            self._looking.discard(alarm_id)
        if self._closed or self.shelved_model.knows(alarm_id):
            return
        into = [e for e in found if e.alarm_id == alarm_id and e.state is state]
        by_person = [e for e in into if e.user is not None]
        best = by_person or into
        self.shelved_model.set_info(alarm_id, best[-1] if best else None)

    def _update_buttons(self) -> None:
        selected = self.selected()
        one = selected[0].state if len(selected) == 1 and not self.busy else None
        self.unshelve_button.setEnabled(SHELVE in self.permissions and one is AlarmState.SHELVED)
        self.return_button.setEnabled(
            EDIT_ALARMS in self.permissions and one is AlarmState.OUT_OF_SERVICE
        )

    def request_unshelve(self) -> None:
        """End the one selected shelve early, with a comment."""
        self._release(
            AlarmState.SHELVED,
            UnshelveDialog,
            self.runtime.unshelve_alarm,
            "shelved.unshelved_done",
        )

    def request_return_to_service(self) -> None:
        """Return the one selected out-of-service alarm to service, with a comment."""
        self._release(
            AlarmState.OUT_OF_SERVICE,
            ReturnToServiceDialog,
            self.runtime.return_alarm_to_service,
            "shelved.returned_done",
        )

    def _release(
        self,
        state: AlarmState,
        dialog: Callable[..., QDialog],
        call: Callable[[str, str, str], Coroutine[Any, Any, Any]],
        done_key: str,
    ) -> None:
        """Lift the operator's mask (``state``) of the one selected alarm, after asking."""
        selected = self.selected()
        if self.busy or len(selected) != 1 or selected[0].state is not state:
            return
        alarm_id = selected[0].alarm_id

        def send(comment: str) -> None:
            self.shelved_model.forget(alarm_id)
            self._run(
                lambda: call(alarm_id, self.user, comment),
                lambda: tr(done_key, self.lang, alarm=alarm_id),
            )

        self._ask(dialog(alarm_id, self.user, self.lang, self.window()), send)


_MASKED = (AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE)
