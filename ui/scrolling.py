"""Scroll areas that let the console fit a small screen (1366x768, 1280x720) without
clipping: a panel scrolls instead of forcing the window larger than the screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy, QStyle, QWidget


def vertical_scroll(widget: QWidget, min_height: int = 120) -> QScrollArea:
    """``widget`` in a frameless area that scrolls up and down when the window is short
    (the Control panel's buttons stay reachable instead of being clipped)."""
    area = QScrollArea()
    area.setObjectName("panelScroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(widget)
    area.setMinimumWidth(widget.minimumSizeHint().width() + _bar(area))
    area.setMinimumHeight(min_height)
    return area


def horizontal_strip(widget: QWidget) -> QScrollArea:
    """``widget`` as a strip of its own height that scrolls sideways when the window is
    narrower than it (the overview's tiles on a laptop screen)."""
    area = QScrollArea()
    area.setObjectName("stripScroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setWidget(widget)
    area.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    area.setFixedHeight(widget.sizeHint().height() + _bar(area))
    area.setMinimumWidth(0)
    return area


def _bar(area: QScrollArea) -> int:
    return area.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
