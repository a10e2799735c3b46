"""Trend panel: pyqtgraph curves of chosen points over the last 15 min / 1 h / 24 h.

Live values from the bus go into each series' ring buffer; history for the visible span is
fetched with ``await runtime.query_history(...)`` (a worker thread under the hood) and joined
in front of the live samples when it arrives. The GUI thread never waits for it: the curve
shows live data at once and fills in to the left when history lands.

Curves use peak-mode auto downsampling and clip-to-view (set after the item is added to the
plot, see docs/field-notes), which keeps a day of 1 s samples cheap to redraw.

Each unit has its own value axis (ui/trend_axes.py). A legend click hides or shows a pen;
removing is explicit and can be undone, and *Default pens* brings the site balance back.
Colours, hidden pens and removals are remembered per session (ui/trend_memory.py), so the
panel a language switch rebuilds looks as it did.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from app.points import PointValue
from ui import theme
from ui.format import zone_label
from ui.i18n import tr
from ui.tasks import TaskGroup
from ui.trend_axes import UnitAxes
from ui.trend_legend import TrendLegend
from ui.trend_memory import DEFAULT_PENS, memory_for
from ui.trend_series import TrendSeries

log = logging.getLogger(__name__)

SPANS = (("trend.span.15m", 15 * 60), ("trend.span.1h", 3600), ("trend.span.24h", 24 * 3600))
DEFAULT_SPAN_S = 15 * 60  # a live view; 1 h and 24 h are one click away
MAX_SERIES = len(theme.TREND_PENS)


def _axis_offset(zone: ZoneInfo, now: float) -> int:
    """pyqtgraph's DateAxisItem wants seconds *west* of UTC (like time.timezone)."""
    offset = datetime.fromtimestamp(now, zone).utcoffset()
    return -int(offset.total_seconds()) if offset is not None else 0


class TrendPanel(QFrame):
    """``runtime`` needs ``station``, ``points.get(id)`` and ``async query_history(...)``;
    its ``now()`` (station time, shifted in a demo) places the x axis, else the wall clock.
    ``defaults``: the pens *Default pens* restores."""

    def __init__(
        self,
        runtime: Any,
        lang: str,
        clock: Callable[[], float] | None = None,
        defaults: Sequence[str] = DEFAULT_PENS,
    ) -> None:
        super().__init__()
        self.setObjectName("panel")
        self._runtime = runtime
        self._station = runtime.station
        self._lang = lang
        self._clock: Callable[[], float] = (
            clock if clock is not None else getattr(runtime, "now", time.time)
        )
        self._zone = ZoneInfo(self._station.info.timezone)
        self.span_s = DEFAULT_SPAN_S
        self.series: dict[str, TrendSeries] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._pen_of: dict[str, int] = {}  # point id -> index into theme.TREND_PENS
        self._memory = memory_for(runtime, MAX_SERIES)  # outlives a language switch's rebuild
        self.defaults = tuple(defaults)
        self._follow = True  # keep the right edge at 'now' until the user pans or zooms
        self._tasks = TaskGroup("trend")
        self._loading = 0  # history queries in flight
        self._failed = False  # the last batch of queries had a failure
        self._closed = False

        title = QLabel(tr("trend.title", lang))
        title.setObjectName("panelTitle")
        self.status = QLabel("")
        self.status.setObjectName("tileDetail")
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(title)
        bar.addStretch(1)
        bar.addWidget(self.status)
        self._span_buttons = QButtonGroup(self)
        for key, seconds in SPANS:
            button = QPushButton(tr(key, lang))
            button.setCheckable(True)
            button.setChecked(seconds == self.span_s)
            button.clicked.connect(lambda _=False, s=seconds: self.set_span(s))
            self._span_buttons.addButton(button, seconds)
            bar.addWidget(button)
        clear = QPushButton(tr("trend.clear", lang))
        clear.clicked.connect(self.clear)
        self.undo_button = QPushButton(tr("trend.undo", lang))
        self.undo_button.setToolTip(tr("trend.undo.tip", lang))
        self.undo_button.clicked.connect(self.undo_remove)
        self.defaults_button = QPushButton(tr("trend.defaults", lang))
        self.defaults_button.setToolTip(tr("trend.defaults.tip", lang))
        self.defaults_button.clicked.connect(self.restore_defaults)
        undo_key = QShortcut(QKeySequence.StandardKey.Undo, self)
        undo_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo_key.activated.connect(self.undo_remove)
        bar.addSpacing(12)
        for button in (clear, self.undo_button, self.defaults_button):
            bar.addWidget(button)

        self.legend = TrendLegend(lang)
        self.legend.visibility_requested.connect(self.set_visible)
        self.legend.remove_requested.connect(self.remove_point)

        self.plot = self._make_plot()
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 4, 6, 6)
        box.setSpacing(2)
        box.addLayout(bar)
        box.addWidget(self.legend)
        box.addWidget(self.plot, 1)
        self._update_buttons()

    def _make_plot(self) -> pg.PlotWidget:
        axis = pg.DateAxisItem(
            orientation="bottom", utcOffset=_axis_offset(self._zone, self._clock())
        )
        plot = pg.PlotWidget(axisItems={"bottom": axis}, background=theme.PLOT_BG)
        item = plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setMenuEnabled(False)
        item.hideButtons()
        for name in ("left", "right", "bottom"):
            _style_axis(item.getAxis(name))
        item.setLabel(
            "bottom",
            tr("trend.time_axis", self._lang, zone=zone_label(self._zone, self._clock())),
            color=theme.TEXT_MUTED,
        )
        view = item.getViewBox()
        view.setMouseEnabled(x=True, y=False)  # the plot pans time; each unit's y is its axis'
        view.sigRangeChangedManually.connect(self._on_manual_range)
        self.axes = UnitAxes(item, _style_axis, theme.TEXT_MUTED)
        return plot

    # ---- what is plotted -------------------------------------------------------------
    def add_point(self, point_id: str) -> bool:
        """Add a curve for ``point_id`` (once); returns whether it was added. Asking for a
        hidden pen again (a double-click in the table) shows it."""
        spec = self._station.points.get(point_id)
        if spec is None:
            return False
        if point_id in self.series:
            self.set_visible(point_id, True)
            return False
        if len(self.series) >= MAX_SERIES:
            self.status.setText(tr("trend.full", self._lang, n=MAX_SERIES))
            return False
        series = TrendSeries(point_id)
        current = self._runtime.points.get(point_id)
        if current is not None:
            series.add(current)
        self.series[point_id] = series
        # the colour this point had before in the session (a language switch, a hide, an undo)
        self._pen_of[point_id] = self._memory.colour_for(point_id, self._pen_of.values())
        colour = theme.TREND_PENS[self._pen_of[point_id]]
        visible = point_id not in self._memory.hidden
        name = spec.name.text(self._lang)
        label = f"{name} ({spec.unit})" if spec.unit else name
        curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=1.6), connect="finite")
        self.axes.add(point_id, spec.unit, curve, visible)
        # after it is in a view: downsampling needs the view to know its pixel width
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        self.curves[point_id] = curve
        self.legend.add(point_id, label, colour, visible)
        self._load_history(series)
        self.redraw()
        self._update_buttons()
        return True

    def colour_of(self, point_id: str) -> str:
        return theme.TREND_PENS[self._pen_of[point_id]]

    def is_visible(self, point_id: str) -> bool:
        return point_id in self.series and point_id not in self._memory.hidden

    def set_visible(self, point_id: str, visible: bool) -> None:
        """Hide or show a pen; it keeps its data, colour and place in the legend."""
        if point_id not in self.series:
            return
        if visible:
            self._memory.hidden.discard(point_id)
        else:
            self._memory.hidden.add(point_id)
        self.axes.set_visible(point_id, visible)
        self.legend.set_visible(point_id, visible)

    def remove_point(self, point_id: str) -> None:
        """Take a pen off the trend; *Undo remove* puts it back."""
        if point_id in self.series:
            self._drop(point_id)
            self._memory.removed([point_id])
            self._update_buttons()

    def clear(self) -> None:
        removed = list(self.series)
        for point_id in removed:
            self._drop(point_id)
        self._memory.removed(removed)  # one undo brings them all back
        self._update_buttons()

    def undo_remove(self) -> None:
        """Put back the pens of the last removal (a remove, Clear or Default pens)."""
        for point_id in self._memory.pop_removal():
            self.add_point(point_id)
        self._update_buttons()

    def restore_defaults(self) -> None:
        """Show the default pens again; the others are removed, as one undoable removal."""
        others = [p for p in self.series if p not in self.defaults]
        for point_id in others:
            self._drop(point_id)
        self._memory.removed(others)
        for point_id in self.defaults:
            if point_id in self.series:
                self.set_visible(point_id, True)
            else:
                self.add_point(point_id)
        self._update_buttons()

    def _drop(self, point_id: str) -> None:
        curve = self.curves.pop(point_id, None)
        self.series.pop(point_id, None)
        self._pen_of.pop(point_id, None)
        if curve is not None:
            self.axes.remove(point_id)
        self.legend.remove(point_id)

    def _update_buttons(self) -> None:
        self.undo_button.setEnabled(self._memory.can_undo())

    def set_span(self, seconds: int) -> None:
        self.span_s = seconds
        self._follow = True
        button = self._span_buttons.button(seconds)
        if button is not None:
            button.setChecked(True)
        self.axes.rescale()  # a span click is "back to the live view", y included
        for series in self.series.values():
            self._load_history(series)
        self.redraw()

    # ---- data in ---------------------------------------------------------------------
    def apply(self, batch: Mapping[str, PointValue]) -> None:
        touched = False
        for point_id, series in self.series.items():
            pv = batch.get(point_id)
            if pv is not None:
                series.add(pv)
                touched = True
        if touched:
            self.redraw()

    def _load_history(self, series: TrendSeries) -> None:
        series.generation += 1
        end = self._clock()
        task = self._tasks.spawn(self._fetch(series, end - self.span_s, end, series.generation))
        if task is not None:
            self._set_loading(+1)
            task.add_done_callback(lambda _: self._set_loading(-1))

    async def _fetch(self, series: TrendSeries, start: float, end: float, generation: int) -> None:
        try:
            result = await self._runtime.query_history(series.point_id, start, end)
        except Exception:
            log.warning("history of %s could not be loaded", series.point_id, exc_info=True)
            self._failed = True
            return
        if series.generation != generation or self.series.get(series.point_id) is not series:
            return  # superseded by a newer request, or the curve was removed meanwhile
        series.set_history(result)
        self.redraw()

    def _set_loading(self, delta: int) -> None:
        if self._closed:
            return  # a cancelled query finishing after the panel closed
        self._loading += delta
        if self._loading:
            self._failed = False
            text = tr("trend.loading", self._lang)
        else:
            text = tr("trend.history_failed", self._lang) if self._failed else ""
        self.status.setText(text)

    # ---- drawing ---------------------------------------------------------------------
    def redraw(self) -> None:
        now = self._clock()
        for point_id, series in self.series.items():
            ts, v = series.joined(now)
            self.curves[point_id].setData(ts, v, connect="finite")
        if self._follow:
            self.plot.getPlotItem().setXRange(now - self.span_s, now, padding=0.0)

    def _on_manual_range(self, *_: object) -> None:
        self._follow = False  # the operator is looking at something: stop scrolling it away

    def close_tasks(self) -> None:
        self._closed = True
        self._tasks.cancel_all()


def _style_axis(axis: pg.AxisItem) -> None:
    axis.setPen(pg.mkPen(theme.BORDER))
    axis.setTextPen(pg.mkPen(theme.TEXT_MUTED))
    axis.setTickFont(theme.font(theme.BASE_POINT_SIZE - 1))
