"""The station's devices as a tree, plus a 'Site / calculated' node for the site points.

Selecting a node emits ``selected(key)``: a device id, or ``SITE`` for calculated points.
A device whose link is down is drawn in the alarm colour (the status bar says it in words).

Alarm marks: ``set_alarms(active)`` takes the runtime's active alarm list (``AlarmView``s,
sorted by priority) and marks each device (by the alarm's source; ``site`` for calculated
points) that has listed alarms: a third column reads the most urgent priority's word and the
number of the device's active alarms ("HIGH · 2"), filled with that priority's colour; the
tooltip lists them. A device without alarms has an empty mark. Only devices whose mark
changes are touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from app.drivers_api import LinkState
from app.model import PointSpec, Station
from ui import theme
from ui.i18n import tr

SITE = "site"
_KEY = Qt.ItemDataRole.UserRole
ALARM_COLUMN = 2
ALARM_PRIORITY_ROLE = Qt.ItemDataRole.UserRole + 1  # on the mark: the most urgent priority
TIP_LINES = 15  # alarms listed in a device's tooltip (most urgent first), then "+N more"


def points_for(station: Station, key: str) -> list[PointSpec]:
    """The points shown for a tree node: a device's, or every point without a device."""
    if key == SITE:
        return [p for p in station.points.values() if p.device_id is None]
    device = station.devices.get(key)
    return list(device.points) if device is not None else []


class DeviceTree(QTreeWidget):
    selected = Signal(str)

    def __init__(self, station: Station, lang: str) -> None:
        super().__init__()
        self._station = station
        self._lang = lang
        self._items: dict[str, QTreeWidgetItem] = {}
        self._tips: dict[str, str] = {}  # each node's own tooltip, before alarm lines
        self._marks: dict[str, tuple[str, str, str]] = {}  # key -> (text, priority, tooltip)
        self.setColumnCount(3)
        self.setHeaderHidden(True)  # the panel title says what this is
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ALARM_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)

        for device in station.devices.values():
            self._add(device.id, device.name.text(lang), len(device.points))
        self._add(SITE, tr("tree.site", lang), len(points_for(station, SITE)))
        self.currentItemChanged.connect(self._on_current)

    def _add(self, key: str, label: str, n_points: int) -> None:
        item = QTreeWidgetItem([label, key, ""])
        item.setData(0, _KEY, key)
        tip = f"{label} ({key}) — {tr('tree.points', self._lang, n=n_points)}"
        self._tips[key] = tip
        item.setToolTip(0, tip)
        item.setForeground(1, QBrush(QColor(theme.TEXT_MUTED)))
        self.addTopLevelItem(item)
        self._items[key] = item

    def keys(self) -> list[str]:
        return list(self._items)

    def select(self, key: str) -> None:
        item = self._items.get(key)
        if item is not None:
            self.setCurrentItem(item)

    def current_key(self) -> str | None:
        item = self.currentItem()
        return item.data(0, _KEY) if item is not None else None

    def set_links(self, links: Mapping[str, LinkState]) -> None:
        for device_id, state in links.items():
            item = self._items.get(device_id)
            if item is None:
                continue
            colour = theme.TEXT if state.up else theme.ALARM
            item.setForeground(0, QBrush(QColor(colour)))
            font = item.font(0)
            font.setBold(not state.up)
            item.setFont(0, font)

    def set_alarms(self, active: Iterable[Any]) -> None:
        """Mark the devices that have active alarms (``AlarmView``s, most urgent first)."""
        lang = self._lang
        per_key: dict[str, list[Any]] = {}
        for view in active:
            if view.source in self._items:
                per_key.setdefault(view.source, []).append(view)
        marks: dict[str, tuple[str, str, str]] = {}
        for key, views in per_key.items():
            top = min(views, key=lambda v: v.priority.rank)
            priority = str(top.priority)
            word = tr(f"mark.priority.{priority}", lang)
            lines = [tr("mark.tree_tip", lang, n=len(views))]
            lines += [
                tr(
                    "mark.line",
                    lang,
                    priority=tr(f"mark.priority.{v.priority}", lang),
                    state=tr(f"mark.state.{v.state}", lang),
                    message=v.text(lang),
                )
                for v in views[:TIP_LINES]
            ]
            if len(views) > TIP_LINES:
                lines.append(tr("mark.more", lang, n=len(views) - TIP_LINES))
            marks[key] = (
                tr("mark.tree", lang, priority=word, n=len(views)),
                priority,
                "\n".join(lines),
            )
        for key in set(self._marks) | set(marks):
            mark = marks.get(key)
            if mark != self._marks.get(key):
                self._mark(key, mark)
        self._marks = marks

    def alarm_mark(self, key: str) -> str:
        """The mark's text of a node ('' without alarms)."""
        item = self._items.get(key)
        return item.text(ALARM_COLUMN) if item is not None else ""

    def _mark(self, key: str, mark: tuple[str, str, str] | None) -> None:
        item = self._items[key]
        if mark is None:
            item.setText(ALARM_COLUMN, "")
            item.setData(ALARM_COLUMN, ALARM_PRIORITY_ROLE, None)
            item.setData(ALARM_COLUMN, Qt.ItemDataRole.BackgroundRole, None)
            item.setData(ALARM_COLUMN, Qt.ItemDataRole.ForegroundRole, None)
            item.setToolTip(0, self._tips[key])
            item.setToolTip(ALARM_COLUMN, "")
            return
        text, priority, tip = mark
        item.setText(ALARM_COLUMN, text)
        item.setData(ALARM_COLUMN, ALARM_PRIORITY_ROLE, priority)
        item.setBackground(ALARM_COLUMN, QBrush(QColor(theme.priority_colour(priority))))
        item.setForeground(
            ALARM_COLUMN, QBrush(QColor(theme.PRIORITY_TEXT_ON.get(priority, theme.TEXT)))
        )
        font = item.font(ALARM_COLUMN)
        font.setBold(True)
        item.setFont(ALARM_COLUMN, font)
        item.setToolTip(0, f"{self._tips[key]}\n{tip}")
        item.setToolTip(ALARM_COLUMN, tip)

    def _on_current(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.selected.emit(current.data(0, _KEY))
