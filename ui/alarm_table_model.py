"""The table model of the alarm lists: AlarmView rows, sorted and filtered.

Rows are sorted by priority (critical first), then the newest activation first, then the
alarm id, whatever order the runtime gives. The filter (device, priority, state) is the
model's own: the model holds every alarm and shows the ones that pass, so a refresh or a
filter change is one ``beginResetModel``/``endResetModel`` however many alarms there are (an
alarm storm of thousands costs one reset, not thousands of row inserts).

ISA-101: the priority cell is the only coloured one, in the priority's colour and with the
priority's word (colour is never the only cue); an unacknowledged alarm reads bold; a
chattering alarm says so in its state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.alarms.engine import AlarmView
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import AlarmState, Priority
from ui import theme
from ui.format import format_time
from ui.i18n import tr

COLUMNS = ("priority", "time", "source", "message", "state", "point")
ALARM_ROLE = Qt.ItemDataRole.UserRole + 1  # the AlarmView of a row
ACKABLE = frozenset({AlarmState.UNACK, AlarmState.RTN_UNACK})

_Index = QModelIndex | QPersistentModelIndex


def sort_key(view: AlarmView) -> tuple[int, float, str]:
    """Priority first, then the newest activation, then the id (a stable total order)."""
    return (view.priority.rank, -(view.activated_ts or 0.0), view.alarm_id)


def priority_text(priority: Priority | str, lang: str) -> str:
    return tr(f"alarms.priority.{priority}", lang)


def state_text(state: AlarmState | str, lang: str) -> str:
    return tr(f"alarms.state.{state}", lang)


@dataclass(frozen=True)
class AlarmFilter:
    """None means any."""

    device: str | None = None
    priority: Priority | None = None
    state: AlarmState | None = None

    def accepts(self, view: AlarmView) -> bool:
        return (
            (self.device is None or view.source == self.device)
            and (self.priority is None or view.priority is self.priority)
            and (self.state is None or view.state is self.state)
        )


class AlarmTableModel(QAbstractTableModel):
    columns: tuple[str, ...] = COLUMNS

    def __init__(self, lang: str, zone: ZoneInfo, parent: Any = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.zone = zone
        self._all: list[AlarmView] = []
        self._rows: list[AlarmView] = []
        self._filter = AlarmFilter()
        self._bold = theme.font(bold=True)

    # -- content -----------------------------------------------------------------------
    def set_alarms(self, views: Iterable[AlarmView]) -> None:
        """Replace every alarm (one model reset)."""
        self._all = sorted(views, key=sort_key)
        self._apply()

    def set_filter(self, flt: AlarmFilter) -> None:
        if flt != self._filter:
            self._filter = flt
            self._apply()

    @property
    def filter(self) -> AlarmFilter:
        return self._filter

    def _apply(self) -> None:
        self.beginResetModel()
        flt = self._filter
        self._rows = [v for v in self._all if flt.accepts(v)]
        self.endResetModel()

    @property
    def all_alarms(self) -> Sequence[AlarmView]:
        return self._all

    @property
    def visible(self) -> Sequence[AlarmView]:
        """The rows shown (after the filter), in display order."""
        return self._rows

    def view_at(self, row: int) -> AlarmView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, alarm_id: str) -> int:
        for row, view in enumerate(self._rows):
            if view.alarm_id == alarm_id:
                return row
        return -1

    def rows_of(self, alarm_ids: set[str]) -> list[int]:
        return [row for row, view in enumerate(self._rows) if view.alarm_id in alarm_ids]

    # -- Qt model ------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._header(self.columns[section])

    def _header(self, name: str) -> str:
        if name == "time":
            return tr("alarms.col.time", self.lang, zone=self.zone.key)
        return tr(f"alarms.col.{name}", self.lang)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        view = self.view_at(index.row())
        if view is None:
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(view, column)
        if role == ALARM_ROLE:
            return view
        if column == "priority":
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(theme.priority_colour(view.priority.value)))
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(theme.PRIORITY_TEXT_ON.get(view.priority.value, theme.TEXT)))
        if role == Qt.ItemDataRole.FontRole and view.state is AlarmState.UNACK:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "state" and view.chattering:
                return tr("alarms.chattering_tip", self.lang)
            if column == "message":
                return view.text(self.lang)
        return None

    def _text(self, view: AlarmView, column: str) -> str:
        if column == "priority":
            return priority_text(view.priority, self.lang)
        if column == "time":
            return format_time(view.activated_ts, self.zone)
        if column == "source":
            return view.source
        if column == "message":
            return view.text(self.lang)
        if column == "state":
            text = state_text(view.state, self.lang)
            if view.chattering:
                text = f"{text} · {tr('alarms.chattering', self.lang)}"
            return text
        if column == "point":
            return view.point_id or ""
        if column == "alarm":
            return view.alarm_id
        return ""


SHELVED_COLUMNS = (
    "priority",
    "alarm",
    "state",
    "source",
    "message",
    "by",
    "at",
    "until",
    "reason",
)


class ShelvedTableModel(AlarmTableModel):
    """Shelved and out-of-service alarms (the state column says which) with who masked
    them, when and why: from the journal entry that did it (``set_info``); unknown until
    the journal has answered. A shelve ends at ``until``; out of service lasts until
    someone returns the alarm."""

    columns = SHELVED_COLUMNS

    def __init__(self, lang: str, zone: ZoneInfo, parent: Any = None) -> None:
        super().__init__(lang, zone, parent)
        self._info: dict[str, JournalEntry | None] = {}

    def info(self, alarm_id: str) -> JournalEntry | None:
        return self._info.get(alarm_id)

    def knows(self, alarm_id: str) -> bool:
        return alarm_id in self._info

    def set_info(self, alarm_id: str, entry: JournalEntry | None) -> None:
        """The shelve's or removal's journal entry (None: looked up, not found)."""
        self._info[alarm_id] = entry
        row = self.row_of(alarm_id)
        if row >= 0:
            first = self.index(row, self.columns.index("by"))
            last = self.index(row, self.columns.index("reason"))
            self.dataChanged.emit(first, last)

    def forget(self, alarm_id: str) -> None:
        self._info.pop(alarm_id, None)

    def _header(self, name: str) -> str:
        if name in ("at", "until"):
            return tr(f"shelved.col.{name}", self.lang, zone=self.zone.key)
        if name in ("by", "reason"):
            return tr(f"shelved.col.{name}", self.lang)
        return super()._header(name)

    def _text(self, view: AlarmView, column: str) -> str:
        if column == "until":
            if view.state is AlarmState.OUT_OF_SERVICE:
                return tr("shelved.until_returned", self.lang)
            until = view.shelved_until
            return format_time(until, self.zone) if until is not None else ""
        if column in ("by", "at", "reason"):
            if view.alarm_id not in self._info:
                return ""
            entry = self._info[view.alarm_id]
            if entry is None:
                return tr("shelved.unknown", self.lang) if column == "by" else ""
            if column == "by":
                return entry.user or ""
            if column == "at":
                return format_time(entry.ts, self.zone)
            return entry.comment
        return super()._text(view, column)
