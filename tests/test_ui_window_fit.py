"""The console on a laptop screen and across a language switch (issue 10 items 1, 2, 5):
the window fits 1366x768 and 1280x720 with every panel reachable, what is disabled looks
disabled, and "Last command" keeps its result when the language changes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QPushButton, QScrollArea

from app.dispatcher import COMMAND, CommandResult
from tests import ui_support as support
from ui import theme
from ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def themed(qapp):
    theme.apply_theme(qapp)
    yield qapp
    qapp.setStyleSheet("")


def window(qtbot, lang: str = "en") -> MainWindow:
    rt = support.FakeRuntime(control=SimpleNamespace(mode="manual", manual={}))
    win = MainWindow(rt, lang)
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_the_window_fits_a_laptop_screen_with_every_panel_reachable(qtbot, themed, lang, size):
    win = window(qtbot, lang)
    hint = win.minimumSizeHint()
    # the screen less a 40 px task bar: the window may be made that small
    assert hint.width() <= size[0] and hint.height() <= size[1] - 40, hint
    win.resize(size[0], size[1] - 40)
    qtbot.waitUntil(lambda: win.size().toTuple() == (size[0], size[1] - 40))
    inside = QRect(QPoint(0, 0), win.size())
    assert inside.contains(win.statusBar().geometry())  # the status bar is on screen
    trend = win.trend
    assert trend.height() >= 100  # the trend keeps room to read
    # the Control panel scrolls: its last button can be brought into view, not clipped
    area = win.control_panel.parentWidget().parentWidget()
    assert isinstance(area, QScrollArea)
    area.ensureWidgetVisible(win.control_panel.tune_button)
    qtbot.waitUntil(lambda: not win.control_panel.tune_button.visibleRegion().isEmpty())
    button = win.control_panel.tune_button
    assert button.visibleRegion().boundingRect().height() == button.height()  # whole


def _text_colour(button: QPushButton) -> QColor:
    """The darkest pixel of the button's rendering: its text."""
    image = button.grab().toImage()
    darkest = QColor("white")
    for y in range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if c.lightness() < darkest.lightness():
                darkest = c
    return darkest


def test_a_disabled_button_looks_disabled(qtbot, themed):
    enabled, disabled = QPushButton("Acknowledge selected…"), QPushButton("Acknowledge selected…")
    disabled.setEnabled(False)
    for b in (enabled, disabled):
        qtbot.addWidget(b)
        b.resize(200, 30)
        b.show()
    on, off = _text_colour(enabled), _text_colour(disabled)
    # the theme's QWidget {color} rule painted both in the same dark grey
    assert off.lightness() - on.lightness() > 60, (on.name(), off.name())


def test_the_alarm_buttons_are_disabled_and_look_it_with_nothing_selected(qtbot, themed):
    win = window(qtbot)
    panel = win.alarm_list
    for b in (panel.ack_selected_button, panel.shelve_button):
        assert not b.isEnabled()
        assert _text_colour(b).lightness() > QColor(theme.TEXT).lightness() + 60


def test_last_command_survives_a_language_switch(qtbot):
    win = window(qtbot)
    rt = win.runtime
    panel = win.control_panel
    point = panel.current_point()
    assert point is not None
    result = CommandResult(point.id, 120.0, True, "ok", 119.6, 1, rt.now())
    rt.bus.publish(COMMAND, result)
    qtbot.waitUntil(lambda: panel.written.text() != "—")
    written, read_back = panel.written.text(), panel.read_back.text()
    win.set_language("zh")
    again = win.control_panel
    assert again is not panel
    assert (again.written.text(), again.read_back.text()) == (written, read_back)
    assert again.result.text() not in ("", "—")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_table_headers_show_their_whole_text(qtbot, themed, lang):
    win = window(qtbot, lang)
    for view in (win.table_view, win.alarm_list.table):
        header = view.horizontalHeader()
        model = view.model()
        for col in range(model.columnCount()):
            if header.sectionResizeMode(col) == header.ResizeMode.Stretch:
                continue
            text = str(model.headerData(col, Qt.Orientation.Horizontal))
            needed = header.fontMetrics().horizontalAdvance(text)
            assert header.sectionSize(col) >= needed, (text, header.sectionSize(col), needed)
