"""The point table of the selected device: id, name, value with unit, quality, time.

A QAbstractTableModel over the device's point specs and their latest values. A point batch
touches only the rows it contains: ``dataChanged`` is emitted per run of adjacent changed
rows, for the value/quality/time columns, so the view repaints just those cells.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from app.model import PointSpec
from app.points import PointValue
from ui import theme
from ui.format import format_time, format_value, quality_text, zone_label
from ui.i18n import tr

POINT_ID_ROLE = Qt.ItemDataRole.UserRole
QUALITY_ROLE = Qt.ItemDataRole.UserRole + 1  # the Quality enum, for tests and delegates

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    ID = 0
    NAME = 1
    VALUE = 2
    QUALITY = 3
    TIME = 4


class PointTableModel(QAbstractTableModel):
    def __init__(self, zone: ZoneInfo, lang: str, now: float | None = None) -> None:
        super().__init__()
        self._zone = zone
        self._lang = lang
        self._specs: list[PointSpec] = []
        self._row_of: dict[str, int] = {}
        self._values: dict[str, PointValue | None] = {}
        self._headers = [
            tr("col.id", lang),
            tr("col.name", lang),
            tr("col.value", lang),
            tr("col.quality", lang),
            # the zone's offset at station time (``runtime.now()``), which a demo may shift
            tr("col.time", lang, zone=zone_label(zone, time.time() if now is None else now)),
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

    def point_id(self, row: int) -> str | None:
        return self._specs[row].id if 0 <= row < len(self._specs) else None

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


class PointTableView(QTableView):
    """Read-only, row-selecting view; double-click emits ``activated_point(point_id)``."""

    activated_point = Signal(str)

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
        widths = ((Column.ID, 190), (Column.VALUE, 130), (Column.QUALITY, 150), (Column.TIME, 250))
        for col, width in widths:
            self.setColumnWidth(col, width)
        self.doubleClicked.connect(self._on_double_click)

    def _on_double_click(self, index: QModelIndex) -> None:
        point_id = index.data(POINT_ID_ROLE)
        if point_id:
            self.activated_point.emit(point_id)
