"""The trend's legend: a row of chips above the plot, one per pen.

Above the plot rather than inside it, so it never hides a curve. Each chip shows the pen's
colour and the point's name with its unit. A click toggles the pen (hide / show, as in SCADA
trend tools): one stray click must not lose a pen. Removing is explicit: the chip's small ×,
or *Remove pen* in its right-click menu; the panel keeps removals for undo.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from ui import theme
from ui.i18n import tr


def swatch(colour: str, hidden: bool = False) -> QIcon:
    """A short thick line in the pen's colour; a thin dotted one while the pen is hidden."""
    pixmap = QPixmap(22, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    pen = QPen(QColor(colour), 1 if hidden else 3)
    if hidden:
        pen.setStyle(Qt.PenStyle.DotLine)
    painter.setPen(pen)
    painter.drawLine(1, 6, 21, 6)
    painter.end()
    return QIcon(pixmap)


class LegendChip(QWidget):
    """A pen's toggle (checked while shown) with its × beside it."""

    def __init__(self, point_id: str, label: str, colour: str, lang: str) -> None:
        super().__init__()
        self.point_id, self.label, self.colour, self._lang = point_id, label, colour, lang
        self.toggle = QToolButton()
        self.toggle.setObjectName("legendChip")
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip(tr("trend.chip.tip", lang, point=point_id))
        self.toggle.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.remove = QToolButton()
        self.remove.setObjectName("legendChip")
        self.remove.setText("×")
        self.remove.setAutoRaise(True)
        self.remove.setToolTip(tr("trend.remove_pen.tip", lang, label=label))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.toggle)
        row.addWidget(self.remove)
        self.show_as(visible=True)

    def show_as(self, visible: bool) -> None:
        self.toggle.setChecked(visible)
        self.toggle.setIcon(swatch(self.colour, hidden=not visible))
        self.toggle.setText(
            self.label if visible else tr("trend.chip.hidden", self._lang, label=self.label)
        )
        # hidden reads as muted; the app's stylesheet still styles the rest of the chip
        self.toggle.setStyleSheet("" if visible else f"color: {theme.TEXT_MUTED};")


class TrendLegend(QWidget):
    visibility_requested = Signal(str, bool)  # point id, shown
    remove_requested = Signal(str)  # point id

    def __init__(self, lang: str) -> None:
        super().__init__()
        self._lang = lang
        self.chips: dict[str, LegendChip] = {}
        self.empty = QLabel(tr("trend.empty", lang))
        self.empty.setObjectName("tileDetail")
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(2)
        self._row.addWidget(self.empty)
        self._row.addStretch(1)

    def add(self, point_id: str, label: str, colour: str, visible: bool = True) -> None:
        chip = LegendChip(point_id, label, colour, self._lang)
        chip.show_as(visible)
        chip.toggle.clicked.connect(
            lambda checked: self.visibility_requested.emit(point_id, checked)
        )
        chip.remove.clicked.connect(lambda: self.remove_requested.emit(point_id))
        chip.toggle.customContextMenuRequested.connect(
            lambda pos: self._popup_menu(point_id, chip.toggle.mapToGlobal(pos))
        )
        self._row.insertWidget(self._row.count() - 1, chip)  # before the stretch
        self.chips[point_id] = chip
        self.empty.setVisible(False)

    def set_visible(self, point_id: str, visible: bool) -> None:
        chip = self.chips.get(point_id)
        if chip is not None:
            chip.show_as(visible)

    def remove(self, point_id: str) -> None:
        chip = self.chips.pop(point_id, None)
        if chip is not None:
            chip.deleteLater()
        self.empty.setVisible(not self.chips)

    def context_menu(self, point_id: str) -> QMenu:
        """The chip's menu: *Hide* / *Show* and *Remove pen*."""
        chip = self.chips[point_id]
        shown = chip.toggle.isChecked()
        menu = QMenu(self)
        toggle = menu.addAction(tr("trend.hide" if shown else "trend.show", self._lang))
        toggle.triggered.connect(
            lambda _=False: self.visibility_requested.emit(point_id, not shown)
        )
        remove = menu.addAction(tr("trend.remove_pen", self._lang))
        remove.setObjectName("removePenAction")
        remove.triggered.connect(lambda _=False: self.remove_requested.emit(point_id))
        return menu

    def _popup_menu(self, point_id: str, where: QPoint) -> None:
        if point_id not in self.chips:
            return
        menu = self.context_menu(point_id)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(where)  # not exec(): the asyncio loop keeps running
