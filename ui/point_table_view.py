"""The point table of the selected device: id, name, value with unit, quality, time.

A QAbstractTableModel over the device's point specs and their latest values. A point batch
touches only the rows it contains: ``dataChanged`` is emitted per run of adjacent changed
rows, for the value/quality/time columns, so the view repaints just those cells.

Alarm marks: the last column, *Alarm*, reads the most urgent listed alarm of the point as
its priority word and state ("HIGH · unack", "(+1)" when the point has more alarms, e.g. H
and HH), on that priority's colour, bold while unacknowledged; the tooltip lists every
alarm of the point. It is empty when the point has no listed alarm (normal, or acknowledged
after it returned to normal). ``set_alarms(active)`` takes the runtime's active list and
emits ``dataChanged`` for the Alarm cells of the rows whose mark changed, nothing else.

Context menu (right click on a row): *Add to trend* for every point, and *Alarm limits…*
for a point that can carry an alarm rule (analog, counter, digital), which emits
``edit_alarm_rule_requested(point_id)``; the main window opens the rule editor
(ui/alarm_rule_dialog.py) on it. The menu pops up with ``popup()``, never ``exec()``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView

from app.alarms.rules import ANALOG_KINDS, DIGITAL_KINDS
from app.alarms.states import AlarmState
from app.model import PointSpec
from app.points import PointValue
from ui import theme
from ui.format import format_time, format_value, quality_text, zone_label
from ui.i18n import tr

POINT_ID_ROLE = Qt.ItemDataRole.UserRole
QUALITY_ROLE = Qt.ItemDataRole.UserRole + 1  # the Quality enum, for tests and delegates
ALARM_ROLE = Qt.ItemDataRole.UserRole + 2  # the point's most urgent AlarmView, or None

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    ID = 0
    NAME = 1
    VALUE = 2
    QUALITY = 3
    TIME = 4
    ALARM = 5


class _Mark:
    """One point's alarm cell, computed once per alarm batch (data() only reads it)."""

    __slots__ = ("background", "foreground", "text", "tip", "view")

    def __init__(self, views: list[Any], lang: str) -> None:
        top = views[0]
        self.view = top
        priority = str(top.priority)
        word = tr(f"mark.priority.{priority}", lang)
        state = tr(f"mark.state.{top.state}", lang)
        more = len(views) - 1
        self.text = (
            tr("mark.cell_more", lang, priority=word, state=state, n=more)
            if more
            else tr("mark.cell", lang, priority=word, state=state)
        )
        self.tip = "\n".join(
            tr(
                "mark.line",
                lang,
                priority=tr(f"mark.priority.{v.priority}", lang),
                state=tr(f"mark.state.{v.state}", lang),
                message=v.text(lang),
            )
            for v in views
        )
        self.background = QColor(theme.priority_colour(priority))
        self.foreground = QColor(theme.PRIORITY_TEXT_ON.get(priority, theme.TEXT))

    def key(self) -> tuple[str, str]:
        return (self.text, self.tip)


class PointTableModel(QAbstractTableModel):
    def __init__(self, zone: ZoneInfo, lang: str, now: float | None = None) -> None:
        super().__init__()
        self._zone = zone
        self._lang = lang
        self._specs: list[PointSpec] = []
        self._row_of: dict[str, int] = {}
        self._values: dict[str, PointValue | None] = {}
        self._marks: dict[str, _Mark] = {}  # point id -> alarm mark, for every point
        self._headers = [
            tr("col.id", lang),
            tr("col.name", lang),
            tr("col.value", lang),
            tr("col.quality", lang),
            # the zone's offset at station time (``runtime.now()``), which a demo may shift
            tr("col.time", lang, zone=zone_label(zone, time.time() if now is None else now)),
            tr("mark.col.alarm", lang),
        ]
        # built once: data() runs for every visible cell on every repaint
        self._faint = QColor(theme.TEXT_FAINT)
        self._muted = QColor(theme.TEXT_MUTED)
        self._colours = {
            s: QColor(c) for s in ("bad", "uncertain") if (c := theme.quality_colour(s))
        }
        self._italic = theme.font(italic=True)
        self._bold = theme.font(bold=True)
        self._mono = theme.font()

    def set_points(self, specs: Sequence[PointSpec], snapshot: Mapping[str, PointValue]) -> None:
        self.beginResetModel()
        self._specs = list(specs)
        self._row_of = {spec.id: row for row, spec in enumerate(self._specs)}
        self._values = {spec.id: snapshot.get(spec.id) for spec in self._specs}
        self.endResetModel()

    def apply(self, batch: Mapping[str, PointValue]) -> list[tuple[int, int]]:
        """Take the rows' new values; returns the (first, last) row runs that were signalled."""
        rows = []
        for point_id, pv in batch.items():
            row = self._row_of.get(point_id)
            if row is not None:
                self._values[point_id] = pv
                rows.append(row)
        runs = _runs(sorted(rows))
        for first, last in runs:
            self.dataChanged.emit(self.index(first, Column.VALUE), self.index(last, Column.TIME))
        return runs

    def set_alarms(self, active: Iterable[Any]) -> list[tuple[int, int]]:
        """Take the active alarm list (``AlarmView``s, most urgent first); returns the
        (first, last) row runs whose Alarm cell changed and were signalled."""
        per_point: dict[str, list[Any]] = {}
        for view in active:
            if view.point_id is not None:
                per_point.setdefault(view.point_id, []).append(view)
        for views in per_point.values():
            views.sort(key=lambda v: v.priority.rank)  # stable: newest first within a rank
        marks = {pid: _Mark(views, self._lang) for pid, views in per_point.items()}
        old = self._marks
        self._marks = marks
        rows = []
        for point_id in set(old) | set(marks):
            row = self._row_of.get(point_id)
            if row is None:
                continue
            before, after = old.get(point_id), marks.get(point_id)
            if (before.key() if before else None) != (after.key() if after else None):
                rows.append(row)
        runs = _runs(sorted(rows))
        for first, last in runs:
            self.dataChanged.emit(self.index(first, Column.ALARM), self.index(last, Column.ALARM))
        return runs

    def point_id(self, row: int) -> str | None:
        return self._specs[row].id if 0 <= row < len(self._specs) else None

    def spec(self, row: int) -> PointSpec | None:
        return self._specs[row] if 0 <= row < len(self._specs) else None

    @property
    def lang(self) -> str:
        return self._lang

    def row_of(self, point_id: str) -> int | None:
        return self._row_of.get(point_id)

    # Qt model interface
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._specs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            side = (
                Qt.AlignmentFlag.AlignRight
                if section == Column.VALUE
                else Qt.AlignmentFlag.AlignLeft
            )
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        spec = self._specs[index.row()]
        pv = self._values.get(spec.id)
        col = index.column()
        if col == Column.ALARM:
            return self._alarm_data(spec.id, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(spec, pv, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(pv, col)
        if role == Qt.ItemDataRole.FontRole:
            if pv is not None and pv.quality.is_bad and col == Column.VALUE:
                return self._italic
            if pv is not None and not pv.quality.is_good and col == Column.QUALITY:
                return self._bold
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == Column.VALUE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col in (Column.ID, Column.NAME):
            return _describe(spec, self._lang)
        if role == POINT_ID_ROLE:
            return spec.id
        if role == QUALITY_ROLE:
            return pv.quality if pv is not None else None
        return None

    def _alarm_data(self, point_id: str, role: int) -> Any:
        if role == POINT_ID_ROLE:
            return point_id
        mark = self._marks.get(point_id)
        if mark is None:
            return "" if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return mark.text
        if role == Qt.ItemDataRole.BackgroundRole:
            return mark.background
        if role == Qt.ItemDataRole.ForegroundRole:
            return mark.foreground
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if mark.view.state in _UNACKED else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return mark.tip
        if role == ALARM_ROLE:
            return mark.view
        return None

    def _display(self, spec: PointSpec, pv: PointValue | None, col: int) -> str:
        if col == Column.ID:
            return spec.id
        if col == Column.NAME:
            return spec.name.text(self._lang)
        if col == Column.VALUE:
            return format_value(spec, pv, self._lang)
        if pv is None:
            return ""
        if col == Column.QUALITY:
            return quality_text(pv.quality, self._lang)
        return format_time(pv.ts, self._zone)

    def _foreground(self, pv: PointValue | None, col: int) -> QColor | None:
        if col == Column.ID or col == Column.TIME:
            return self._muted
        if pv is None:
            return self._faint if col == Column.VALUE else None
        status = pv.quality.status
        if col == Column.VALUE and status == "bad":
            return self._faint  # the last value is kept but must not read as live
        if col == Column.QUALITY:
            return self._colours.get(status)
        return None


_UNACKED = frozenset({AlarmState.UNACK, AlarmState.RTN_UNACK})


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 9, 10] -> [(1, 3), (7, 7), (9, 10)]."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and row <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], max(row, runs[-1][1]))
        else:
            runs.append((row, row))
    return runs


def _describe(spec: PointSpec, lang: str) -> str:
    lines = [f"{spec.id} — {spec.name.text(lang)}", f"{spec.kind}, {spec.unit or '-'}"]
    if spec.limits is not None:
        lines.append(f"[{spec.limits.min}, {spec.limits.max}]")
    if spec.expr:
        lines.append(f"= {spec.expr}")
    return "\n".join(lines)


ALARM_KINDS = ANALOG_KINDS | DIGITAL_KINDS
"""The point kinds that can carry an alarm rule (and get the *Alarm limits…* entry)."""


class PointTableView(QTableView):
    """Read-only, row-selecting view; double-click emits ``activated_point(point_id)``; the
    context menu's *Alarm limits…* emits ``edit_alarm_rule_requested(point_id)``."""

    activated_point = Signal(str)
    edit_alarm_rule_requested = Signal(str)

    def __init__(self, model: PointTableModel) -> None:
        super().__init__()
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(Column.ID, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        # fixed widths: resize-to-contents would re-measure every row on each update
        widths = (
            (Column.ID, 150),
            (Column.VALUE, 110),
            (Column.QUALITY, 100),
            (Column.TIME, 165),
            (Column.ALARM, 130),
        )
        for col, width in widths:
            # never narrower than the header's own text ("Time (Asia/Shanghai, UTC+08:00)")
            self.setColumnWidth(col, max(width, header.sectionSizeHint(col)))
        self.doubleClicked.connect(self._on_double_click)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._show_context_menu)

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The menu for the row of ``index`` (None off the rows): *Add to trend*, and
        *Alarm limits…* for a point whose kind can carry an alarm rule."""
        model = self.model()
        if not isinstance(model, PointTableModel) or not index.isValid():
            return None
        spec = model.spec(index.row())
        if spec is None:
            return None
        point_id, lang = spec.id, model.lang
        menu = QMenu(self)
        trend = menu.addAction(tr("table.menu.trend", lang))
        trend.triggered.connect(lambda _=False: self.activated_point.emit(point_id))
        if spec.kind in ALARM_KINDS:
            rule = menu.addAction(tr("table.menu.alarm_rule", lang))
            rule.setObjectName("alarmRuleAction")
            rule.triggered.connect(lambda _=False: self.edit_alarm_rule_requested.emit(point_id))
        return menu

    def _show_context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(self.indexAt(pos))
        if menu is None:
            return
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.viewport().mapToGlobal(pos))  # not exec(): the loop keeps running

    def _on_double_click(self, index: QModelIndex) -> None:
        point_id = index.data(POINT_ID_ROLE)
        if point_id:
            self.activated_point.emit(point_id)
