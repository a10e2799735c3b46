"""The trend's value axes: one per unit, each scaled to its own pens (issue 10, item 3)."""

from __future__ import annotations

import time

import pytest

from app.points import PointValue
from tests import ui_support as support
from ui.trend import TrendPanel

pytestmark = pytest.mark.timeout(60)

GRID_KW = (-500.0, 800.0)  # the site's grid power swings over this
CELL_C = (28.0, 59.0)  # a cell warming up


def trend_with_power_and_temperature(qtbot, *extra: str) -> TrendPanel:
    """A shown panel with grid power (kW) and cell temperature (°C), a minute of samples in."""
    runtime = support.FakeRuntime()
    panel = TrendPanel(runtime, "en")
    qtbot.addWidget(panel)
    panel.resize(900, 400)
    panel.show()
    for point_id in ("site.grid_p", "bms1.t_cell_max", *extra):
        assert panel.add_point(point_id)
    t0 = time.time() - 60
    for k in range(61):
        share = k / 60
        runtime.points.update(
            {
                "meter_grid.p": PointValue(GRID_KW[0] + share * (GRID_KW[1] - GRID_KW[0]), t0 + k),
                "bms1.t_cell_max": PointValue(CELL_C[0] + share * (CELL_C[1] - CELL_C[0]), t0 + k),
                "bms1.soc": PointValue(50.0 + share * 10, t0 + k),
            }
        )
        panel.apply(runtime.points.snapshot())
    return panel


def spans(axis, low: float, high: float) -> bool:
    return axis.range[0] <= low and axis.range[1] >= high


def test_a_kw_pen_and_a_degc_pen_have_their_own_axes_and_scales(qtbot):
    panel = trend_with_power_and_temperature(qtbot)
    item = panel.plot.getPlotItem()
    kw = panel.axes.axis_of("site.grid_p")
    celsius = panel.axes.axis_of("bms1.t_cell_max")
    assert kw is item.getAxis("left") and celsius is item.getAxis("right")
    assert (kw.labelText, celsius.labelText) == ("kW", "°C")
    assert celsius.isVisible()
    # the °C curve is drawn in the view the °C axis shows, not in the kW one
    temperature_view = panel.curves["bms1.t_cell_max"].getViewBox()
    assert temperature_view is celsius.linkedView()
    assert temperature_view is not panel.curves["site.grid_p"].getViewBox()
    qtbot.waitUntil(lambda: spans(celsius, *CELL_C) and spans(kw, *GRID_KW))
    low, high = celsius.range
    assert high - low < 2 * (CELL_C[1] - CELL_C[0])  # its own range, not -500…800
    # both views show the same time span
    assert temperature_view.viewRange()[0] == pytest.approx(item.getViewBox().viewRange()[0])


def test_a_third_unit_is_stacked_and_an_all_hidden_unit_loses_its_axis(qtbot):
    panel = trend_with_power_and_temperature(qtbot, "bms1.soc")
    percent = panel.axes.axis_of("bms1.soc")
    item = panel.plot.getPlotItem()
    assert percent.labelText == "%"
    assert percent not in (item.getAxis("left"), item.getAxis("right"))
    qtbot.waitUntil(lambda: spans(percent, 50.0, 60.0) and percent.range[1] < 100)

    panel.set_visible("bms1.t_cell_max", False)
    assert panel.axes.axis_of("bms1.t_cell_max") is None
    assert [a.labelText for a in panel.axes.axes.values()] == ["kW", "%"]
    assert panel.axes.axis_of("bms1.soc") is item.getAxis("right")  # moves in, no gap
    assert not percent.isVisible()
    panel.set_visible("bms1.t_cell_max", True)
    assert panel.axes.axis_of("bms1.t_cell_max") is item.getAxis("right")


def test_removing_the_last_pen_of_a_unit_removes_its_axis_and_view(qtbot):
    panel = trend_with_power_and_temperature(qtbot)
    view = panel.axes.view_of("bms1.t_cell_max")
    panel.remove_point("bms1.t_cell_max")
    assert list(panel.axes.axes) == ["kW"]
    assert not panel.plot.getPlotItem().getAxis("right").isVisible()
    assert view.scene() is None  # not left behind in the plot


def test_a_span_click_rescales_an_axis_the_operator_zoomed(qtbot):
    panel = trend_with_power_and_temperature(qtbot)
    view = panel.axes.view_of("bms1.t_cell_max")
    view.setYRange(0.0, 1000.0)  # as a wheel over the axis does: auto scaling off
    assert not view.autoRangeEnabled()[1]
    panel.set_span(3600)
    assert view.autoRangeEnabled()[1]
    qtbot.waitUntil(lambda: view.viewRange()[1][1] < 100)
