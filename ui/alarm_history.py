"""The alarm history: search the journal by time, device and text; export CSV or Excel.

    Period [Last 24 h ▾]  From [..] to [..]  Device [All ▾]  Text [......]  [Search]
    | Time (zone) | Alarm | Device | Priority | State | Message | User | Comment | Kind |
    [Export CSV…] [Export Excel…]            1,234 entries
    message line

The search runs ``runtime.alarm_history`` (the journal, read on its own thread) as a
background task; the newest ``LIMIT`` entries of the selection come back and the table shows
them newest first. A search started while another runs replaces it (the older answer is
dropped). Exports write what the table holds, oldest first like ``main.py alarms --csv``,
on a worker thread (``asyncio.to_thread``): the file dialog opens with ``open()`` and the
GUI never waits for the disk.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTime,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.alarms.export import write_csv, write_xlsx
from app.alarms.journal_entry import JournalEntry
from ui import theme
from ui.alarm_table_model import priority_text, state_text
from ui.format import format_time
from ui.i18n import tr
from ui.tasks import TaskGroup

log = logging.getLogger(__name__)

LIMIT = 5000  # newest entries per search: enough for a week of a healthy station
PRESETS = (("1h", 3600.0), ("24h", 86400.0), ("7d", 7 * 86400.0))
COLUMNS = ("time", "alarm", "source", "priority", "state", "message", "user", "comment", "kind")

_Index = QModelIndex | QPersistentModelIndex


class HistoryTableModel(QAbstractTableModel):
    """Journal entries, newest first; one model reset per search."""

    def __init__(self, lang: str, zone: ZoneInfo, parent: Any = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.zone = zone
        self._entries: list[JournalEntry] = []  # oldest first, as the journal answers

    def set_entries(self, entries: Sequence[JournalEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    @property
    def entries(self) -> list[JournalEntry]:
        """Oldest first."""
        return self._entries

    def entry_at(self, row: int) -> JournalEntry | None:
        n = len(self._entries)
        return self._entries[n - 1 - row] if 0 <= row < n else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        name = COLUMNS[section]
        return tr(f"history.col.{name}", self.lang, zone=self.zone.key)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self.entry_at(index.row())
        if e is None:
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(e, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in ("message", "comment"):
            return self._text(e, column) or None
        return None

    def _text(self, e: JournalEntry, column: str) -> str:
        if column == "time":
            return format_time(e.ts, self.zone)
        if column == "alarm":
            return e.alarm_id
        if column == "source":
            return e.source
        if column == "priority":
            return priority_text(e.priority, self.lang)
        if column == "state":
            if e.kind == "event":
                return ""
            return state_text(e.state, self.lang)
        if column == "message":
            return e.text(self.lang)
        if column == "user":
            return e.user or ""
        if column == "comment":
            return e.comment
        if column == "kind":
            return tr(f"history.kind.{e.kind}", self.lang)
        return ""


class AlarmHistoryPanel(QWidget):
    """``runtime`` needs ``station``, ``now()`` (optional) and ``await alarm_history(...)``."""

    def __init__(
        self, runtime: Any, lang: str, zone: ZoneInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.lang = lang
        self.zone = zone
        self.truncated = False
        self._exporting = False
        self.file_dialog: QFileDialog | None = None
        self._tasks = TaskGroup("alarm history")
        self._search: asyncio.Task[Any] | None = None
        self._closed = False
        self.model = HistoryTableModel(lang, zone)
        self._build()
        self._range_changed()

    # ---- construction ----------------------------------------------------------------
    def _build(self) -> None:
        lang = self.lang
        self.range_combo = QComboBox()
        for key, seconds in PRESETS:
            self.range_combo.addItem(tr(f"history.range.{key}", lang), seconds)
        self.range_combo.addItem(tr("history.range.custom", lang), None)
        self.range_combo.setCurrentIndex(1)  # last 24 h
        self.range_combo.currentIndexChanged.connect(self._range_changed)
        self.from_edit = QDateTimeEdit()
        self.to_edit = QDateTimeEdit()
        for edit in (self.from_edit, self.to_edit):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
            edit.setCalendarPopup(True)
        self.device_combo = QComboBox()
        self.device_combo.addItem(tr("history.all_devices", lang), None)
        for source in [*self.runtime.station.devices, "site", "control"]:
            self.device_combo.addItem(source, source)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText(tr("history.text_hint", lang))
        self.text_edit.setClearButtonEnabled(True)
        self.text_edit.returnPressed.connect(self.search)
        self.search_button = QPushButton(tr("history.search", lang))
        self.search_button.clicked.connect(self.search)

        query = QHBoxLayout()
        for key, widget in (
            ("history.range", self.range_combo),
            ("history.from", self.from_edit),
            ("history.to", self.to_edit),
            ("history.device", self.device_combo),
            ("history.text", self.text_edit),
        ):
            label = QLabel(tr(key, lang))
            label.setObjectName("tileTitle")
            query.addWidget(label)
            query.addWidget(widget, 2 if widget is self.text_edit else 0)
        query.addWidget(self.search_button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((150, 180, 90, 70, 150, 340, 90, 200, 60)):
            header.resizeSection(column, width)

        self.csv_button = QPushButton(tr("history.export_csv", lang))
        self.xlsx_button = QPushButton(tr("history.export_xlsx", lang))
        self.csv_button.clicked.connect(lambda: self.request_export("csv"))
        self.xlsx_button.clicked.connect(lambda: self.request_export("xlsx"))
        self.count = QLabel("")
        self.count.setObjectName("tileDetail")
        bottom = QHBoxLayout()
        bottom.addWidget(self.csv_button)
        bottom.addWidget(self.xlsx_button)
        bottom.addStretch(1)
        bottom.addWidget(self.count)
        self.message = QLabel("")
        self.message.setWordWrap(True)

        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addLayout(query)
        box.addWidget(self.table, 1)
        box.addLayout(bottom)
        box.addWidget(self.message)
        self._update_buttons()

    # ---- the time range --------------------------------------------------------------
    def _now(self) -> float:
        return float(getattr(self.runtime, "now", time.time)())

    def _to_qt(self, ts: float) -> QDateTime:
        local = datetime.fromtimestamp(ts, self.zone)
        return QDateTime(
            QDate(local.year, local.month, local.day),
            QTime(local.hour, local.minute, local.second),
        )

    def _from_qt(self, value: QDateTime) -> float:
        d, t = value.date(), value.time()
        local = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second())
        return local.replace(tzinfo=self.zone).timestamp()

    def _range_changed(self, _index: int = 0) -> None:
        span = self.range_combo.currentData()
        custom = span is None
        self.from_edit.setEnabled(custom)
        self.to_edit.setEnabled(custom)
        if not custom:
            now = self._now()
            self.from_edit.setDateTime(self._to_qt(now - span))
            self.to_edit.setDateTime(self._to_qt(now))

    def set_range(self, since: float, until: float) -> None:
        """Choose 'from … to' with these UTC times (whole seconds in the station zone)."""
        self.range_combo.setCurrentIndex(self.range_combo.count() - 1)
        self.from_edit.setDateTime(self._to_qt(since))
        self.to_edit.setDateTime(self._to_qt(until))

    def time_range(self) -> tuple[float, float | None]:
        """(since, until) for the search: a preset is 'the last N up to now' (no end, so
        entries arriving while the search runs are included)."""
        span = self.range_combo.currentData()
        if span is not None:
            return self._now() - span, None
        since = self._from_qt(self.from_edit.dateTime())
        # the 'to' second is inclusive: everything up to its end
        until = self._from_qt(self.to_edit.dateTime()) + 0.999
        return since, until

    # ---- search ----------------------------------------------------------------------
    def search(self) -> asyncio.Task[Any] | None:
        """Start a search with the current choices; returns its task (tests await it)."""
        since, until = self.time_range()
        if until is not None and until < since:
            self.say(tr("history.bad_range", self.lang), alarm=True)
            return None
        source = self.device_combo.currentData()
        text = self.text_edit.text().strip() or None
        if self._search is not None and not self._search.done():
            self._search.cancel()  # the newer question replaces the older one
        self.say(tr("history.searching", self.lang))
        self._search = self._tasks.spawn(self._run_search(since, until, source, text))
        return self._search

    async def _run_search(
        self, since: float, until: float | None, source: str | None, text: str | None
    ) -> None:
        try:
            found = await self.runtime.alarm_history(
                since=since, until=until, source=source, text=text, limit=LIMIT
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("alarm history search failed: %s", exc)
            if not self._closed:
                self.say(tr("history.failed", self.lang, error=str(exc)), alarm=True)
            return
        if self._closed:
            return
        self.model.set_entries(found)
        self.table.scrollToTop()
        self.truncated = len(found) >= LIMIT
        self.count.setText(tr("history.found", self.lang, n=f"{len(found):,}"))
        if self.truncated:
            self.say(tr("history.truncated", self.lang, n=f"{LIMIT:,}"), alarm=True)
        else:
            self.say("")
        self._update_buttons()

    # ---- export ----------------------------------------------------------------------
    def request_export(self, kind: str) -> None:
        """Ask where to save (non-blocking file dialog), then ``export_to`` that path."""
        if not self.model.entries:
            self.say(tr("history.nothing", self.lang))
            return
        if self.file_dialog is not None:
            self.file_dialog.reject()
        stamp = datetime.fromtimestamp(self._now(), self.zone).strftime("%Y%m%d-%H%M")
        dialog = QFileDialog(self.window(), tr("history.export_title", self.lang))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilter("Excel (*.xlsx)" if kind == "xlsx" else "CSV (*.csv)")
        dialog.setDefaultSuffix(kind)
        dialog.selectFile(f"alarms-{stamp}.{kind}")
        dialog.fileSelected.connect(self.export_to)
        dialog.finished.connect(lambda _r, d=dialog: self._file_dialog_closed(d))
        self.file_dialog = dialog
        dialog.open()  # window-modal, not exec(): the asyncio loop keeps running

    def _file_dialog_closed(self, dialog: QFileDialog) -> None:
        if self.file_dialog is dialog:
            self.file_dialog = None
        dialog.deleteLater()

    def export_to(self, path: str | Path) -> asyncio.Task[Any] | None:
        """Write the entries shown to ``path`` (.xlsx: Excel, anything else: CSV) on a
        worker thread; returns the task (None without an event loop)."""
        target = Path(path)
        entries = list(self.model.entries)  # what the operator sees now, oldest first
        writer = write_xlsx if target.suffix.lower() == ".xlsx" else write_csv
        self.say(tr("history.exporting", self.lang, path=str(target)))
        self._set_exporting(True)
        task = self._tasks.spawn(self._export(writer, entries, target))
        if task is None:
            self._set_exporting(False)
        return task

    async def _export(self, writer: Any, entries: list[JournalEntry], target: Path) -> None:
        try:
            n = await asyncio.to_thread(writer, entries, target, self.zone)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # ExportError names the path; anything else: say it too
            log.warning("alarm history export failed: %s", exc)
            if not self._closed:
                self.say(tr("history.export_failed", self.lang, error=str(exc)), alarm=True)
        else:
            if not self._closed:
                self.say(tr("history.exported", self.lang, n=f"{n:,}", path=str(target)))
        finally:
            if not self._closed:
                self._set_exporting(False)

    # ---- state -----------------------------------------------------------------------
    def _set_exporting(self, exporting: bool) -> None:
        self._exporting = exporting
        self._update_buttons()

    def _update_buttons(self) -> None:
        can = bool(self.model.entries) and not self._exporting
        self.csv_button.setEnabled(can)
        self.xlsx_button.setEnabled(can)

    def say(self, text: str, alarm: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {theme.ALARM};" if alarm else "")

    def refresh(self, entries: Sequence[JournalEntry] | None = None) -> None:
        """Nothing to do on new alarms: the history is a search, run on request."""

    def close_panel(self) -> None:
        self._closed = True
        self._tasks.cancel_all()
        if self.file_dialog is not None:
            self.file_dialog.reject()
            self.file_dialog = None
