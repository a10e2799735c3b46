"""The trend's value axes: one per unit among the shown pens, each scaled to its own pens.

On one shared axis a cell temperature of 28…59 °C beside a grid power of -500…800 kW is a
flat line. So each unit has its own ViewBox, laid over the plot's own view (same geometry,
kept in step on resize: a grid layout cell holds one item) and x-linked to it. The plot's
view keeps the time axis and the mouse (pan and zoom in time); each unit's view scales y to
its own visible pens. The first shown unit's axis is on the left (with the grid), the next
on the right, further ones stacked to the right of it. An axis whose pens are all hidden is
taken away, so every axis on screen belongs to a line on screen. Wheel or drag over an axis
zooms that unit alone (pyqtgraph forwards it to the axis's view).
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg

VIEW_ROW = 2  # the PlotItem's layout row of its ViewBox and its left and right axes
RIGHT_COLUMN = 2  # the PlotItem's right axis; stacked axes go in the columns after it


class UnitAxes:
    def __init__(
        self, item: pg.PlotItem, style: Callable[[pg.AxisItem], None], label_colour: str
    ) -> None:
        self._item = item
        self._label_colour = label_colour
        self._time_view = item.getViewBox()
        self._style = style
        self._views: dict[str, pg.ViewBox] = {}  # unit -> its view, in order of first pen
        self._unit_of: dict[str, str] = {}  # point id -> unit
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._shown: dict[str, bool] = {}  # point id -> visible
        self._stacked: list[pg.AxisItem] = []  # the third axis onwards, made when first needed
        self.axes: dict[str, pg.AxisItem] = {}  # unit -> its axis, for the units on screen
        self._item.getAxis("right").setGrid(False)  # one grid, the left axis's
        self._time_view.sigResized.connect(self._follow_geometry)
        self._layout()

    # ---- pens ------------------------------------------------------------------------
    def add(self, point_id: str, unit: str, curve: pg.PlotDataItem, visible: bool = True) -> None:
        view = self._views.get(unit)
        if view is None:
            view = self._views[unit] = self._new_view()
        view.addItem(curve)
        curve.setVisible(visible)
        self._unit_of[point_id], self._curves[point_id] = unit, curve
        self._shown[point_id] = visible
        self._layout()

    def remove(self, point_id: str) -> None:
        unit = self._unit_of.pop(point_id, None)
        if unit is None:
            return
        curve = self._curves.pop(point_id)
        self._shown.pop(point_id)
        view = self._views[unit]
        view.removeItem(curve)
        if unit not in self._unit_of.values():
            del self._views[unit]
            self._drop_view(view)
        self._layout()

    def set_visible(self, point_id: str, visible: bool) -> None:
        if point_id in self._curves:
            self._curves[point_id].setVisible(visible)
            self._shown[point_id] = visible
            self._layout()

    def view_of(self, point_id: str) -> pg.ViewBox:
        return self._views[self._unit_of[point_id]]

    def axis_of(self, point_id: str) -> pg.AxisItem | None:
        """The axis the pen is drawn against; None while the pen is hidden."""
        return self.axes.get(self._unit_of[point_id]) if self._shown.get(point_id) else None

    def rescale(self) -> None:
        """Every unit back to scaling to its pens (after the operator zoomed an axis)."""
        for view in self._views.values():
            view.enableAutoRange(axis=pg.ViewBox.YAxis)

    # ---- views and axes --------------------------------------------------------------
    def _new_view(self) -> pg.ViewBox:
        view = pg.ViewBox(enableMenu=False)
        # parented after construction: a ViewBox hooks the scene's prepare-for-paint (where
        # it applies auto range) in itemChange, which does not run inside its constructor
        view.setParentItem(self._item)
        view.setZValue(-1)  # under the time view, which takes the mouse
        view.setMouseEnabled(x=False, y=True)  # y through its axis; x follows the time view
        view.setXLink(self._time_view)
        view.setAutoVisible(y=True)  # y scales to what is on screen, not the whole buffer
        view.enableAutoRange(axis=pg.ViewBox.YAxis)
        view.setGeometry(self._time_view.geometry())
        return view

    def _follow_geometry(self, *_: object) -> None:
        for view in self._views.values():
            view.setGeometry(self._time_view.geometry())

    def _drop_view(self, view: pg.ViewBox) -> None:
        for axis in self._slots(len(self._stacked) + 2):
            if axis.linkedView() is view:
                axis.unlinkFromView()
        view.setXLink(None)
        scene = view.scene()
        if scene is not None:
            scene.removeItem(view)

    def _slots(self, n: int) -> list[pg.AxisItem]:
        """The first ``n`` axis places: left, right, then stacked further right."""
        while len(self._stacked) < n - 2:
            axis = pg.AxisItem("right", parent=self._item)
            axis.setZValue(0.5)  # as PlotItem places its own axes
            self._style(axis)
            self._item.layout.addItem(axis, VIEW_ROW, RIGHT_COLUMN + 1 + len(self._stacked))
            self._stacked.append(axis)
        return [self._item.getAxis("left"), self._item.getAxis("right"), *self._stacked][:n]

    def _layout(self) -> None:
        units = [
            u
            for u in self._views
            if any(self._shown[p] for p, pu in self._unit_of.items() if pu == u)
        ]
        places = self._slots(max(len(units), 2 + len(self._stacked)))
        self.axes = dict(zip(units, places, strict=False))
        for i, axis in enumerate(places):
            unit = units[i] if i < len(units) else None
            if unit is None:
                if i == 0:  # an empty trend still shows its left axis, on the time view
                    self._link(axis, self._time_view)
                    axis.setLabel("", color=self._label_colour)
                else:
                    axis.unlinkFromView()
                    axis.hide()
                continue
            self._link(axis, self._views[unit])
            axis.setLabel(unit, color=self._label_colour)
            axis.show()

    @staticmethod
    def _link(axis: pg.AxisItem, view: pg.ViewBox) -> None:
        if axis.linkedView() is not view:
            axis.linkToView(view)
            axis.linkedViewChanged(view)  # take the view's range now, not at its next change
