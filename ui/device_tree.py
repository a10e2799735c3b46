"""The station's devices as a tree, plus a 'Site / calculated' node for the site points.

Selecting a node emits ``selected(key)``: a device id, or ``SITE`` for calculated points.
A device whose link is down is drawn in the alarm colour (the status bar says it in words).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from app.drivers_api import LinkState
from app.model import PointSpec, Station
from ui import theme
from ui.i18n import tr

SITE = "site"
_KEY = Qt.ItemDataRole.UserRole


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
        self.setColumnCount(2)
        self.setHeaderHidden(True)  # the panel title says what this is
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)

        for device in station.devices.values():
            self._add(device.id, device.name.text(lang), len(device.points))
        self._add(SITE, tr("tree.site", lang), len(points_for(station, SITE)))
        self.currentItemChanged.connect(self._on_current)

    def _add(self, key: str, label: str, n_points: int) -> None:
        item = QTreeWidgetItem([label, key])
        item.setData(0, _KEY, key)
        item.setToolTip(0, f"{label} ({key}) — {tr('tree.points', self._lang, n=n_points)}")
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

    def _on_current(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.selected.emit(current.data(0, _KEY))
