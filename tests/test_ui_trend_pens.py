"""The trend's pens: a legend click hides and shows, removing is explicit and undoable, the
default pens come back, colours stay with their point (issue 10, item 4)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests import ui_support as support
from ui import main_window
from ui.main_window import MainWindow
from ui.trend import TrendPanel
from ui.trend_memory import DEFAULT_PENS, UNDO_DEPTH, TrendMemory, memory_for

pytestmark = pytest.mark.timeout(60)


def drawn_colour(panel: TrendPanel, point_id: str) -> str:
    """The colour the curve is drawn in, read off the curve itself."""
    return panel.curves[point_id].opts["pen"].color().name()


def chip_click(qtbot, panel: TrendPanel, point_id: str, part: str = "toggle") -> None:
    qtbot.mouseClick(getattr(panel.legend.chips[point_id], part), Qt.MouseButton.LeftButton)


@pytest.fixture
def panel(qtbot) -> TrendPanel:
    trend = TrendPanel(support.FakeRuntime(), "en")
    qtbot.addWidget(trend)
    trend.show()
    for point_id in DEFAULT_PENS:
        assert trend.add_point(point_id)
    return trend


def test_a_chip_click_hides_the_pen_and_a_second_shows_it_again(qtbot, panel):
    colour = drawn_colour(panel, "site.grid_p")
    chip_click(qtbot, panel, "site.grid_p")
    assert "site.grid_p" in panel.series and "site.grid_p" in panel.legend.chips  # not removed
    assert not panel.is_visible("site.grid_p")
    assert not panel.curves["site.grid_p"].isVisible()
    assert not panel.legend.chips["site.grid_p"].toggle.isChecked()
    assert panel.legend.chips["site.grid_p"].toggle.text() == "Grid power (kW) — hidden"
    assert not panel.undo_button.isEnabled()  # hiding is no removal
    chip_click(qtbot, panel, "site.grid_p")
    assert panel.is_visible("site.grid_p") and panel.curves["site.grid_p"].isVisible()
    assert panel.legend.chips["site.grid_p"].toggle.text() == "Grid power (kW)"
    assert drawn_colour(panel, "site.grid_p") == colour


def test_adding_a_hidden_pen_again_shows_it(panel):
    panel.set_visible("site.bess_p", False)
    assert not panel.add_point("site.bess_p")  # no second curve...
    assert panel.is_visible("site.bess_p")  # ...but the one there is shown
    assert panel.legend.chips["site.bess_p"].toggle.isChecked()


def test_the_cross_removes_and_undo_brings_the_pen_back_in_its_colour(qtbot, panel):
    colours = {p: drawn_colour(panel, p) for p in DEFAULT_PENS}
    assert not panel.undo_button.isEnabled()
    chip_click(qtbot, panel, "site.load_p", part="remove")
    assert "site.load_p" not in panel.series and "site.load_p" not in panel.legend.chips
    assert panel.undo_button.isEnabled()
    chip_click(qtbot, panel, "site.pv_p", part="remove")
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)  # the last removal first
    assert "site.pv_p" in panel.series and "site.load_p" not in panel.series
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert set(panel.series) == set(DEFAULT_PENS) and not panel.undo_button.isEnabled()
    assert {p: drawn_colour(panel, p) for p in DEFAULT_PENS} == colours


def test_the_chip_menu_hides_shows_and_removes(panel):
    menu = panel.legend.context_menu("site.pv_p")
    assert [action.text() for action in menu.actions()] == ["Hide", "Remove pen"]
    menu.actions()[0].trigger()
    assert not panel.is_visible("site.pv_p")
    menu = panel.legend.context_menu("site.pv_p")
    assert menu.actions()[0].text() == "Show"
    menu.actions()[1].trigger()
    assert "site.pv_p" not in panel.series and panel.undo_button.isEnabled()


def test_remove_and_restore_default_pens_gives_back_the_default_set(qtbot, panel):
    colours = {p: drawn_colour(panel, p) for p in DEFAULT_PENS}
    panel.remove_point("site.pv_p")
    chip_click(qtbot, panel, "site.grid_p", part="remove")
    chip_click(qtbot, panel, "site.bess_p")  # hidden
    panel.add_point("bms1.soc")
    qtbot.mouseClick(panel.defaults_button, Qt.MouseButton.LeftButton)
    assert set(panel.series) == set(DEFAULT_PENS)
    assert all(panel.is_visible(p) for p in DEFAULT_PENS)
    assert {p: drawn_colour(panel, p) for p in DEFAULT_PENS} == colours
    # what the restore took off is one undo away
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert set(panel.series) == {*DEFAULT_PENS, "bms1.soc"}


def test_clear_is_undone_in_one_step(qtbot, panel):
    panel.clear()
    assert panel.series == {}
    qtbot.keyClick(panel, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert list(panel.series) == list(DEFAULT_PENS)


@pytest.fixture
def window(qtbot):
    win = MainWindow(support.FakeRuntime(), "en")
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_pen_colours_survive_a_language_switch(window):
    # free the first colour and give it to another point: a rebuild that re-deals colours
    # in list order would now paint the load in pv's old colour
    window.trend.remove_point("site.pv_p")
    window.trend.add_point("bms1.soc")
    before = {p: drawn_colour(window.trend, p) for p in window.trend.series}
    assert len(set(before.values())) == len(before)
    window.set_language("zh")
    assert {p: drawn_colour(window.trend, p) for p in window.trend.series} == before


def test_hidden_pens_and_undo_survive_a_language_switch(window):
    window.trend.remove_point("site.pv_p")
    window.trend.set_visible("site.grid_p", False)
    window.set_language("zh")
    assert not window.trend.is_visible("site.grid_p") and window.trend.is_visible("site.load_p")
    assert window.trend.legend.chips["site.grid_p"].toggle.text() == "电网功率 (kW)（已隐藏）"
    assert window.trend.undo_button.isEnabled()  # the removal of pv can still be undone
    window.trend.undo_remove()
    assert "site.pv_p" in window.trend.series


def test_the_main_window_opens_with_the_default_pens():
    # restore must give back what the console opens with
    assert main_window.DEFAULT_TREND == DEFAULT_PENS


# ---- the memory itself (no Qt) -----------------------------------------------------------
def test_a_point_keeps_its_colour_unless_another_pen_holds_it():
    memory = TrendMemory(palette_size=3)
    assert [memory.colour_for(p, used) for p, used in (("a", []), ("b", [0]))] == [0, 1]
    assert memory.colour_for("a", [1]) == 0  # a again, after it was removed
    assert memory.colour_for("c", [1]) == 0  # 0 is free: c gets it, and remembers it
    assert memory.colour_for("a", [0, 1]) == 2  # a's colour is taken now
    with pytest.raises(ValueError, match="no free trend colour for d: 3 pens shown"):
        memory.colour_for("d", [0, 1, 2])


def test_undo_keeps_the_last_removals_only():
    memory = TrendMemory(palette_size=7)
    memory.hidden.add("p0")
    for i in range(UNDO_DEPTH + 5):
        memory.removed([f"p{i}"])
    memory.removed([])  # nothing removed: nothing to undo
    assert "p0" not in memory.hidden  # a removed pen comes back shown
    popped = [memory.pop_removal() for _ in range(UNDO_DEPTH)]
    assert popped[0] == (f"p{UNDO_DEPTH + 4}",) and popped[-1] == ("p5",)
    assert not memory.can_undo() and memory.pop_removal() == ()


def test_one_memory_per_runtime():
    first, second = support.FakeRuntime(), support.FakeRuntime()
    assert memory_for(first, 7) is memory_for(first, 7)
    assert memory_for(first, 7) is not memory_for(second, 7)
