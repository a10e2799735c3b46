"""The console's look in one place: ISA-101 style greys, colour only for abnormal states.

Normal values are dark grey on light grey; nothing is coloured unless an operator should
look at it (bad quality, uncertain quality, link down). Trend pens are muted so that they
stay distinguishable without shouting. Fonts list a CJK-capable fallback so Chinese never
renders as boxes.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

# --- greys (normal operation) ---
WINDOW_BG = "#D6D6D6"
PANEL_BG = "#E4E4E4"
TILE_BG = "#EEEEEE"
TABLE_BG = "#F2F2F2"
TABLE_ALT_BG = "#EAEAEA"
BORDER = "#AFAFAF"
TEXT = "#1F1F1F"
TEXT_MUTED = "#5C5C5C"
TEXT_FAINT = "#8E8E8E"  # a value that cannot be trusted: present, but visibly not live
SELECTION_BG = "#B9C2CC"
PLOT_BG = "#F4F4F4"
GRID = "#C8C8C8"

# --- abnormal (the only colours on screen) ---
ALARM = "#C0262D"  # bad quality, link down
ALARM_BG = "#F6DADB"
UNCERTAIN = "#94620A"  # uncertain quality (substituted, stale)

# Alarm priorities (ISA-101: colour is reserved for alarms; each priority keeps one hue
# everywhere, and the shape/text says it too so colour is never the only cue).
PRIORITY_COLOURS = {
    "critical": "#B0007A",  # magenta: above red, unmistakable
    "high": "#C0262D",  # red (the ALARM colour)
    "medium": "#D9822B",  # orange
    "low": "#C9B400",  # yellow, dark enough to read on grey
}
PRIORITY_TEXT_ON = {"critical": "#FFFFFF", "high": "#FFFFFF", "medium": "#1F1F1F", "low": "#1F1F1F"}


def priority_colour(priority: str) -> str:
    """The fill colour of an alarm of ``priority`` ('critical'/'high'/'medium'/'low')."""
    return PRIORITY_COLOURS.get(priority, ALARM)


# Trend pens: muted, distinguishable hues; none of them reads as an alarm colour.
TREND_PENS = ("#9A7420", "#2F5F8F", "#6B4E3D", "#3E7F5E", "#7A3E6E", "#2E7D8A", "#5A5A5A")

FONT_FAMILIES = [
    "Segoe UI",
    "Noto Sans",
    "Noto Sans CJK SC",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "Source Han Sans SC",
    "DejaVu Sans",
]
BASE_POINT_SIZE = 10


def font(point_size: float = BASE_POINT_SIZE, bold: bool = False, italic: bool = False) -> QFont:
    f = QFont()
    f.setFamilies(FONT_FAMILIES)
    f.setPointSizeF(point_size)
    f.setBold(bold)
    f.setItalic(italic)
    return f


def quality_colour(quality_status: str) -> str | None:
    """Text colour for a quality status ('good' / 'uncertain' / 'bad'); None means normal."""
    return {"bad": ALARM, "uncertain": UNCERTAIN}.get(quality_status)


STYLESHEET = f"""
QMainWindow, QWidget#central {{ background: {WINDOW_BG}; }}
QWidget {{ color: {TEXT}; }}
QSplitter::handle {{ background: {WINDOW_BG}; }}
QFrame#panel {{ background: {PANEL_BG}; border: 1px solid {BORDER}; border-radius: 2px; }}
QLabel#panelTitle {{ color: {TEXT_MUTED}; font-weight: bold; padding: 2px 4px; }}
QFrame#tile {{ background: {TILE_BG}; border: 1px solid {BORDER}; border-radius: 2px; }}
QFrame#tile[abnormal="true"] {{ border: 1px solid {ALARM}; }}
QLabel#tileTitle {{ color: {TEXT_MUTED}; }}
QLabel#tileUnit {{ color: {TEXT_MUTED}; }}
QLabel#tileDetail {{ color: {TEXT_MUTED}; }}
QTreeView, QTableView {{
    background: {TABLE_BG}; alternate-background-color: {TABLE_ALT_BG};
    border: 1px solid {BORDER}; selection-background-color: {SELECTION_BG};
    selection-color: {TEXT}; gridline-color: {GRID};
}}
QHeaderView::section {{
    background: {PANEL_BG}; color: {TEXT_MUTED}; border: none;
    border-right: 1px solid {BORDER}; border-bottom: 1px solid {BORDER}; padding: 3px 6px;
}}
QStatusBar {{ background: {PANEL_BG}; border-top: 1px solid {BORDER}; }}
QStatusBar::item {{ border: none; }}
QLabel#linkOk {{ color: {TEXT_MUTED}; padding: 1px 6px; }}
QLabel#linkUnknown {{ color: {TEXT_FAINT}; padding: 1px 6px; }}
QLabel#linkDown {{
    color: {ALARM}; background: {ALARM_BG}; border: 1px solid {ALARM};
    font-weight: bold; padding: 1px 6px;
}}
QLabel#stats {{ color: {TEXT_MUTED}; padding: 1px 6px; }}
QLabel#statsAlarm {{ color: {ALARM}; font-weight: bold; padding: 1px 6px; }}
QPushButton {{
    background: {TILE_BG}; border: 1px solid {BORDER}; padding: 3px 10px; border-radius: 2px;
}}
QPushButton:checked {{ background: {SELECTION_BG}; }}
QPushButton:hover {{ border-color: {TEXT_MUTED}; }}
QWidget:disabled {{ color: {TEXT_FAINT}; }}
QPushButton:disabled {{ color: {TEXT_FAINT}; background: {PANEL_BG}; border-color: {GRID}; }}
QToolButton#legendChip {{ border: 1px solid transparent; padding: 0px 4px; }}
QToolButton#legendChip:hover {{ border: 1px solid {BORDER}; background: {TILE_BG}; }}
QProgressBar {{
    background: {TABLE_BG}; border: 1px solid {BORDER}; border-radius: 1px; max-height: 6px;
}}
QProgressBar::chunk {{ background: {TEXT_MUTED}; }}
QMenuBar {{ background: {PANEL_BG}; }}
QMenuBar::item:selected, QMenu::item:selected {{ background: {SELECTION_BG}; color: {TEXT}; }}
"""


def apply_theme(app: QApplication) -> None:
    """Fusion style with the grey palette and the CJK-capable font on the whole application."""
    app.setStyle("Fusion")
    app.setFont(font())
    pal = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, WINDOW_BG),
        (QPalette.ColorRole.Base, TABLE_BG),
        (QPalette.ColorRole.AlternateBase, TABLE_ALT_BG),
        (QPalette.ColorRole.Button, TILE_BG),
        (QPalette.ColorRole.Text, TEXT),
        (QPalette.ColorRole.WindowText, TEXT),
        (QPalette.ColorRole.ButtonText, TEXT),
        (QPalette.ColorRole.Highlight, SELECTION_BG),
        (QPalette.ColorRole.HighlightedText, TEXT),
        (QPalette.ColorRole.ToolTipBase, TILE_BG),
        (QPalette.ColorRole.ToolTipText, TEXT),
    ):
        pal.setColor(role, QColor(colour))
    # what is disabled must look it, in widgets the style sheet does not reach too
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(TEXT_FAINT))
    app.setPalette(pal)
    app.setStyleSheet(STYLESHEET)
