"""The points catalogue: dotted point ids <-> the small integers that samples store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from app.model import PointSpec

COUNTER = "counter"


@dataclass(frozen=True)
class CataloguedPoint:
    id: int
    point_id: str
    unit: str
    kind: str

    @property
    def is_counter(self) -> bool:
        return self.kind == COUNTER


class Catalogue:
    """The writer's copy of the catalogue. Not thread-safe: the writer thread owns it."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.by_id: dict[int, CataloguedPoint] = {}

    def load(self, conn: sqlite3.Connection) -> None:
        self.ids.clear()
        self.by_id.clear()
        for row in conn.execute("SELECT id, point_id, unit, kind FROM points"):
            self._remember(CataloguedPoint(*row))

    def register(self, conn: sqlite3.Connection, specs: Iterable[PointSpec]) -> None:
        """Add new points and update the unit and kind of known ones (the config changed)."""
        for spec in specs:
            known = self.by_id.get(self.ids.get(spec.id, -1))
            if known is None:
                self.add(conn, spec.id, spec.unit, spec.kind)
            elif (known.unit, known.kind) != (spec.unit, spec.kind):
                conn.execute(
                    "UPDATE points SET unit = ?, kind = ? WHERE id = ?",
                    (spec.unit, spec.kind, known.id),
                )
                self._remember(CataloguedPoint(known.id, spec.id, spec.unit, spec.kind))

    def add(self, conn: sqlite3.Connection, point_id: str, unit: str = "", kind: str = "") -> int:
        """Catalogue a point first seen in data (not in the station): an analog, no unit."""
        kind = kind or "analog"
        cur = conn.execute(
            "INSERT INTO points (point_id, unit, kind) VALUES (?, ?, ?)", (point_id, unit, kind)
        )
        pid = int(cur.lastrowid or 0)
        self._remember(CataloguedPoint(pid, point_id, unit, kind))
        return pid

    def is_counter(self, pid: int) -> bool:
        point = self.by_id.get(pid)
        return point is not None and point.is_counter

    def _remember(self, point: CataloguedPoint) -> None:
        self.ids[point.point_id] = point.id
        self.by_id[point.id] = point


def read_catalogue(conn: sqlite3.Connection) -> list[CataloguedPoint]:
    return [
        CataloguedPoint(*row)
        for row in conn.execute("SELECT id, point_id, unit, kind FROM points ORDER BY point_id")
    ]
