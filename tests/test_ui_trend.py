"""Trend data: ring buffer, live joined to history, gaps for bad quality; the panel end to end."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.points import PointValue, Quality
from tests import ui_support as support
from ui.trend import TrendPanel
from ui.trend_series import RingBuffer, TrendSeries, with_gaps

pytestmark = pytest.mark.timeout(60)


# ---- series (no Qt) ----------------------------------------------------------------------
def test_ring_buffer_keeps_the_newest_in_order():
    ring = RingBuffer(capacity=4)
    for i in range(6):
        ring.append(float(i), float(i * 10))
    ts, v = ring.arrays()
    assert ts.tolist() == [2.0, 3.0, 4.0, 5.0]
    assert v.tolist() == [20.0, 30.0, 40.0, 50.0]
    assert ring.last() == (5.0, 50.0)


def test_live_joined_after_history_without_overlap():
    series = TrendSeries("site.pv_p")
    series.set_history(support.HistoryResult(np.arange(0.0, 100.0, 10.0), np.full(10, 1.0)))
    for t in (85.0, 95.0, 105.0):
        series.add(PointValue(2.0, t))
    ts, v = series.joined()
    # history up to the first live sample (80 and before), then every live sample
    assert ts.tolist() == [0, 10, 20, 30, 40, 50, 60, 70, 80, 85, 95, 105]
    assert v.tolist() == [1.0] * 9 + [2.0] * 3


def test_bad_quality_becomes_a_gap_live_and_in_history():
    series = TrendSeries("site.grid_p")
    quality = np.array([0, 0, int(Quality.BAD_COMM_LOST), 0])
    series.set_history(support.HistoryResult(np.arange(4.0), np.full(4, 5.0), quality=quality))
    assert np.isnan(series.hist_v[2]) and series.hist_v[3] == 5.0
    series.add(PointValue(7.0, 10.0))
    series.add(PointValue(7.0, 11.0, Quality.BAD_COMM_LOST))
    series.add(PointValue(None, 12.0, Quality.BAD_TIMEOUT))
    series.add(PointValue(8.0, 13.0, Quality.UNCERTAIN_SUBSTITUTED))  # uncertain is drawn
    _, v = series.joined()
    assert v[-4] == 7.0 and math.isnan(v[-3]) and math.isnan(v[-2]) and v[-1] == 8.0


def test_out_of_order_live_samples_are_ignored():
    series = TrendSeries("x.y")
    series.add(PointValue(1.0, 10.0))
    series.add(PointValue(2.0, 9.0))
    series.add(PointValue(3.0, 10.0))
    assert len(series.live) == 1


def test_long_silence_is_not_bridged():
    ts = np.array([0.0, 1.0, 2.0, 3.0, 500.0, 501.0])
    out_ts, out_v = with_gaps(ts, np.ones(6))
    assert len(out_ts) == 7 and math.isnan(out_v[4]) and 3.0 < out_ts[4] < 500.0


def test_last_live_value_is_held_to_now_but_history_is_not():
    series = TrendSeries("x.y")
    series.set_history(support.HistoryResult(np.array([0.0, 1.0]), np.array([1.0, 1.0])))
    ts, _ = series.joined(now=50.0)
    assert ts[-1] == 1.0  # history only: no line invented after it
    series.add(PointValue(4.0, 2.0))
    ts, v = series.joined(now=50.0)
    assert ts[-1] == 50.0 and v[-1] == 4.0


# ---- panel -------------------------------------------------------------------------------
def curve_data(panel: TrendPanel, point_id: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = panel.curves[point_id].getData()
    return (np.array([]), np.array([])) if x is None else (x, y)


def test_live_updates_reach_the_plot(qtbot):
    runtime = support.FakeRuntime()
    panel = TrendPanel(runtime, "en")
    qtbot.addWidget(panel)
    panel.show()
    assert panel.add_point("site.pv_p")
    assert not panel.add_point("site.pv_p")  # once only
    assert not panel.add_point("no.such_point")
    t0 = time.time() - 5
    for k in range(5):
        runtime.points.update(
            {"pv1.p": PointValue(100.0 + k, t0 + k), "pv2.p": PointValue(1.0, t0 + k)}
        )
        panel.apply(runtime.points.snapshot())
    qtbot.waitUntil(lambda: len(curve_data(panel, "site.pv_p")[0]) >= 5)
    _, y = curve_data(panel, "site.pv_p")
    assert y[0] == 101.0 and y[4] == 105.0


def test_history_is_loaded_off_the_gui_thread_and_joined(qtbot, qapp):
    runtime = support.FakeRuntime()
    now = time.time()
    runtime.history["site.grid_p"] = [(now - 800 + 5 * i, 40.0 + i % 7) for i in range(150)]
    with support.running_qasync_loop(qapp):
        panel = TrendPanel(runtime, "en")
        qtbot.addWidget(panel)
        panel.show()
        runtime.points.update({"meter_grid.p": PointValue(95.2, now)})
        panel.add_point("site.grid_p")
        # the call returns at once: live data is drawn, history is still on its way
        assert len(panel.series["site.grid_p"].hist_ts) == 0
        assert panel.status.text() == "loading history…"
        qtbot.waitUntil(lambda: len(panel.series["site.grid_p"].hist_ts) == 150)
        qtbot.waitUntil(lambda: len(curve_data(panel, "site.grid_p")[0]) >= 151)
        # the "loading" count drops in the task's done callback, a loop turn after the data
        qtbot.waitUntil(lambda: panel.status.text() == "")
        x, y = curve_data(panel, "site.grid_p")
        assert x[0] == pytest.approx(now - 800) and y[0] == 40.0
        assert 95.2 in y.tolist()  # the live sample after the history
        point_id, start, end, _ = runtime.queries[-1]
        assert point_id == "site.grid_p" and end - start == pytest.approx(15 * 60)

        panel.set_span(24 * 3600)
        qtbot.waitUntil(lambda: runtime.queries[-1][2] - runtime.queries[-1][1] == 24 * 3600)
        qtbot.waitUntil(lambda: panel.status.text() == "")
        panel.close_tasks()


def test_failed_history_query_is_reported_not_raised(qtbot, qapp):
    runtime = support.FakeRuntime()

    async def broken(*_args, **_kwargs):
        raise OSError("database is locked")

    runtime.query_history = broken  # type: ignore[method-assign]
    with support.running_qasync_loop(qapp):
        panel = TrendPanel(runtime, "en")
        qtbot.addWidget(panel)
        panel.add_point("site.pv_p")
        qtbot.waitUntil(lambda: panel.status.text() == "history unavailable")
        assert "site.pv_p" in panel.series  # live data keeps flowing


def test_rollup_buckets_with_data_are_kept_despite_worst_quality():
    series = TrendSeries("site.pv_p")
    worst = np.array([0, int(Quality.BAD_COMM_LOST)])
    result = support.HistoryResult(
        np.array([0.0, 60.0]), np.array([3.0, 4.0]), resolution="1m", quality=worst
    )
    series.set_history(result)
    assert series.hist_v.tolist() == [3.0, 4.0]


def test_legend_chip_names_the_curve_and_its_cross_removes_it(qtbot):
    runtime = support.FakeRuntime()
    panel = TrendPanel(runtime, "zh")
    qtbot.addWidget(panel)
    panel.show()
    panel.add_point("site.bess_p")
    panel.add_point("site.pv_p")
    chip = panel.legend.chips["site.bess_p"]
    assert chip.toggle.text() == "储能功率 (kW)"
    qtbot.mouseClick(chip.remove, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "site.bess_p" not in panel.series)
    assert list(panel.curves) == ["site.pv_p"]
    panel.add_point("site.grid_p")  # takes the freed pen, not a clash with pv's
    assert panel._pen_of["site.grid_p"] != panel._pen_of["site.pv_p"]
    panel.clear()
    assert panel.series == {} and panel.legend.chips == {}
    assert panel.legend.empty.isVisibleTo(panel)


def test_an_eighth_curve_is_refused_with_a_message(qtbot):
    runtime = support.FakeRuntime()
    panel = TrendPanel(runtime, "en")
    qtbot.addWidget(panel)
    ids = [p for p in runtime.station.points if p.startswith("pv1.")]
    added = [panel.add_point(p) for p in ids[:8]]
    assert added == [True] * 7 + [False]
    assert panel.status.text() == "At most 7 curves: remove one first"
