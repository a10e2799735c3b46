"""The trend's legend: a row of chips above the plot, one per curve.

Above the plot rather than inside it, so it never hides a curve. Each chip shows the
curve's colour and the point's name with its unit; clicking it asks to remove the curve.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from ui.i18n import tr


def swatch(colour: str) -> QIcon:
    """A short thick line in the curve's colour."""
    pixmap = QPixmap(22, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QPen(QColor(colour), 3))
    painter.drawLine(1, 6, 21, 6)
    painter.end()
    return QIcon(pixmap)


class TrendLegend(QWidget):
    remove_requested = Signal(str)  # point id

    def __init__(self, lang: str) -> None:
        super().__init__()
        self._lang = lang
        self.chips: dict[str, QToolButton] = {}
        self.empty = QLabel(tr("trend.empty", lang))
        self.empty.setObjectName("tileDetail")
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(2)
        self._row.addWidget(self.empty)
        self._row.addStretch(1)

    def add(self, point_id: str, label: str, colour: str) -> None:
        chip = QToolButton()
        chip.setObjectName("legendChip")
        chip.setIcon(swatch(colour))
        chip.setText(label)
        chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        chip.setAutoRaise(True)
        chip.setToolTip(f"{point_id}\n{tr('trend.remove', self._lang)}")
        chip.clicked.connect(lambda: self.remove_requested.emit(point_id))
        self._row.insertWidget(self._row.count() - 1, chip)  # before the stretch
        self.chips[point_id] = chip
        self.empty.setVisible(False)

    def remove(self, point_id: str) -> None:
        chip = self.chips.pop(point_id, None)
        if chip is not None:
            chip.deleteLater()
        self.empty.setVisible(not self.chips)
