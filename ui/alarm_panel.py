"""What the alarm lists share (ui/alarm_list.py, ui/alarm_masked.py): a table over an
AlarmTableModel, the selection kept by alarm id across refreshes, the message line, the
questions (window-modal dialogs opened with ``open()``) and the runtime's audited calls run
as background tasks. Any exception the runtime raises is shown in the message line."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QTableView,
    QWidget,
)

from app.alarms.engine import AlarmView
from app.alarms.journal_entry import JournalEntry
from ui import theme
from ui.alarm_table_model import (
    AlarmTableModel,
)
from ui.confirm_dialog import current_user
from ui.format import format_time
from ui.i18n import tr
from ui.permissions import granted
from ui.tasks import TaskGroup

log = logging.getLogger(__name__)

MAX_SHELVE_S = 8 * 3600.0  # the engine's default maximum: how far back a shelve can start


def sources_of(runtime: Any, views: Iterable[AlarmView] = ()) -> list[str]:
    """The station's devices in file order, then other alarm sources (site, control) sorted."""
    devices = list(runtime.station.devices)
    extra = sorted({v.source for v in views} - set(devices))
    return devices + extra


class AlarmPanel(QWidget):
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
