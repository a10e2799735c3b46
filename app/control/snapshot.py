"""A frozen view of the point table at one instant, with the station's roles resolved.

Strategies read the station only through this: ``value()`` gives a float or None when the
point is missing, has no value, is not of good quality or is older than the stale limit, so a
strategy cannot mistake a bad input for a number and must take its fallback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from app.model import Station
from app.points import PointValue, Quality


@dataclass(frozen=True)
class SiteRoles:
    """Which point plays which part in control. Defaults match the demo station."""

    grid_p: str = "site.grid_p"  # kW, > 0 import
    bess_p: str = "site.bess_p"  # kW, > 0 discharge
    pv_p: str = "site.pv_p"  # kW
    load_p: str = "site.load_p"  # kW
    soc: str = "site.bess_soc"  # %
    pcs_setpoint: str = "pcs1.p_set"  # kW, > 0 discharge
    pcs_rating_kw: float = 500.0
    bms_charge_max: str = "bms1.p_charge_max"  # kW >= 0
    bms_discharge_max: str = "bms1.p_discharge_max"  # kW >= 0
    cell_t_max: str = "bms1.cell_t_max"  # °C
    pv_limits: tuple[str, ...] = ("pv1.p_limit", "pv2.p_limit")  # % of rating
    pv_ratings_kw: tuple[float, ...] = (500.0, 500.0)

    @classmethod
    def from_station(
        cls, station: Station, pcs_rating_kw: float = 500.0, pv_rating_kw: float = 500.0
    ) -> SiteRoles:
        """Resolve roles by device category: the first PCS and BMS, every PV inverter.

        Ratings are not in the templates yet: ``pcs_rating_kw`` falls back to the setpoint's
        upper limit, ``pv_rating_kw`` applies to every inverter.
        """
        pcs = [d for d in station.devices.values() if d.template.category == "pcs"]
        bms = [d for d in station.devices.values() if d.template.category == "bms"]
        pvs = [d for d in station.devices.values() if d.template.category == "pv_inverter"]
        base = cls()
        kw: dict[str, object] = {}
        if pcs:
            kw["pcs_setpoint"] = f"{pcs[0].id}.p_set"
            spec = station.points.get(f"{pcs[0].id}.p_set")
            if spec is not None and spec.limits is not None and spec.limits.max is not None:
                pcs_rating_kw = spec.limits.max
        if bms:
            kw["bms_charge_max"] = f"{bms[0].id}.p_charge_max"
            kw["bms_discharge_max"] = f"{bms[0].id}.p_discharge_max"
            kw["cell_t_max"] = f"{bms[0].id}.cell_t_max"
            if base.soc not in station.points:
                kw["soc"] = f"{bms[0].id}.soc"
        kw["pv_limits"] = tuple(f"{d.id}.p_limit" for d in pvs)
        kw["pv_ratings_kw"] = tuple(pv_rating_kw for _ in pvs)
        kw["pcs_rating_kw"] = pcs_rating_kw
        return cls(**kw)  # type: ignore[arg-type]

    @property
    def pv_rating_total_kw(self) -> float:
        return float(sum(self.pv_ratings_kw))


@dataclass(frozen=True)
class Snapshot:
    """The cycle's process image: every point's value at ``ts`` (UTC epoch seconds)."""

    values: Mapping[str, PointValue]
    ts: float
    roles: SiteRoles = field(default_factory=SiteRoles)
    stale_after_s: float = 10.0

    def __post_init__(self) -> None:
        # a private copy, read-only: a later change of the point table cannot leak in
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def get(self, point_id: str) -> PointValue | None:
        return self.values.get(point_id)

    def quality(self, point_id: str) -> Quality | None:
        pv = self.values.get(point_id)
        return None if pv is None else pv.quality

    def age(self, point_id: str) -> float | None:
        pv = self.values.get(point_id)
        return None if pv is None else self.ts - pv.ts

    def fresh(self, point_id: str, max_age_s: float | None = None) -> bool:
        """Present, good and no older than ``max_age_s`` (default: the snapshot's limit)."""
        pv = self.values.get(point_id)
        if pv is None or not pv.is_good or pv.value is None:
            return False
        limit = self.stale_after_s if max_age_s is None else max_age_s
        return self.ts - pv.ts <= limit

    def value(self, point_id: str, max_age_s: float | None = None) -> float | None:
        """The value as a float, or None when missing, not good, stale or not a number."""
        if not self.fresh(point_id, max_age_s):
            return None
        number = self.values[point_id].as_float()
        return None if math.isnan(number) else number

    def problem(self, point_id: str, max_age_s: float | None = None) -> str | None:
        """Why ``value()`` is None (for events), or None when the input is usable."""
        pv = self.values.get(point_id)
        if pv is None:
            return "missing"
        if not pv.is_good:
            return str(pv.quality)
        if pv.value is None or math.isnan(pv.as_float()):
            return "no value"
        limit = self.stale_after_s if max_age_s is None else max_age_s
        if self.ts - pv.ts > limit:
            return f"stale ({self.ts - pv.ts:.1f} s old)"
        return None

    # capability accessors (evcc style): what strategies need, by role
    def grid_p(self) -> float | None:
        return self.value(self.roles.grid_p)

    def bess_p(self) -> float | None:
        return self.value(self.roles.bess_p)

    def pv_p(self) -> float | None:
        return self.value(self.roles.pv_p)

    def load_p(self) -> float | None:
        return self.value(self.roles.load_p)

    def soc(self) -> float | None:
        return self.value(self.roles.soc)

    def bms_charge_max(self) -> float | None:
        return self.value(self.roles.bms_charge_max)

    def bms_discharge_max(self) -> float | None:
        return self.value(self.roles.bms_discharge_max)

    def cell_t_max(self) -> float | None:
        return self.value(self.roles.cell_t_max)

    def base_import(self) -> float | None:
        """Grid import the site would have with the battery idle.

        load_p - pv_p where both are usable: neither moves when the PCS does, so a PCS read
        fresher than the grid meter (its device is re-polled after each write) cannot make
        the controller chase its own step. Else grid_p + bess_p (equal by the balance).
        None unless grid_p and bess_p are usable.
        """
        grid, bess = self.grid_p(), self.bess_p()
        if grid is None or bess is None:
            return None  # the site's own measurements are needed: the strategy falls back
        load, pv = self.value(self.roles.load_p), self.value(self.roles.pv_p)
        if load is not None and pv is not None:
            return load - pv
        return grid + bess
