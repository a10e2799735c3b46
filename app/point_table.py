"""The live point table: the latest value of every point, and the one way values enter.

Drivers deliver batches through ``update``; calculated points that depend on changed
inputs are recomputed in dependency order and join the same batch, which is then
published once on the bus (topic ``points``) for history, alarms and the screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from app.calc import calculation_order, compile_expression
from app.events import POINTS, EventBus
from app.model import Station
from app.points import PointValue, Quality


class PointTable:
    def __init__(
        self, station: Station, bus: EventBus, clock: Callable[[], float] = time.time
    ) -> None:
        self.station = station
        self._bus = bus
        self._clock = clock
        self._values: dict[str, PointValue] = {}
        exprs = {p.id: compile_expression(p.expr) for p in station.calculated if p.expr}
        self._calc_order = calculation_order({pid: e.refs for pid, e in exprs.items()})
        self._exprs = exprs
        self._derivers: list[Callable[[Mapping[str, PointValue]], Mapping[str, PointValue]]] = []

    def add_deriver(
        self, deriver: Callable[[Mapping[str, PointValue]], Mapping[str, PointValue]]
    ) -> None:
        """Add a function that derives more values from each batch (e.g. today's energy)."""
        self._derivers.append(deriver)

    def get(self, point_id: str) -> PointValue | None:
        return self._values.get(point_id)

    def snapshot(self) -> dict[str, PointValue]:
        """A consistent copy of every point's latest value (the cycle's process image)."""
        return dict(self._values)

    def update(self, values: Mapping[str, PointValue]) -> None:
        if not values:
            return
        batch = dict(values)
        self._values.update(batch)
        changed = set(batch)
        now = self._clock()
        for pid in self._calc_order:
            expr = self._exprs[pid]
            if expr.refs & changed:
                result = expr.evaluate(self._values, now)
                self._values[pid] = result
                batch[pid] = result
                changed.add(pid)
        for derive in self._derivers:
            derived = derive(batch)
            self._values.update(derived)
            batch.update(derived)
        self._bus.publish(POINTS, batch)

    def mark_device(self, device_id: str, quality: Quality, ts: float | None = None) -> None:
        """Mark every point of a device with ``quality``, keeping its last value (comm loss)."""
        device = self.station.devices[device_id]
        ts = self._clock() if ts is None else ts
        batch = {}
        for spec in device.points:
            old = self._values.get(spec.id)
            batch[spec.id] = PointValue(old.value if old else None, ts, quality)
        self.update(batch)
