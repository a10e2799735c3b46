"""The machinery export_limit and curtailment_tracking share: hold export under a cap.

Battery first (``pcs <= base_import + cap - margin_kw``), then PV through every inverter's
``p_limit`` (same % of rating) for what the battery cannot take, at most ``max_step_down_kw``
per cycle down; released by at most ``release_step_kw`` per cycle and only with headroom
(import above ``-cap + release_margin_kw`` plus charge power the battery has to spare).
The two strategies differ only in where the cap comes from.
"""

from __future__ import annotations

from pydantic import Field

from app.control.constraints import Constraint
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import StrategyParams


class ExportCapParams(StrategyParams):
    margin_kw: float = Field(default=5.0, ge=0)
    max_charge_kw: float = Field(default=500.0, ge=0)
    charge_stop_soc_pct: float = Field(default=95.0, ge=0, le=100)
    max_step_down_kw: float = Field(default=200.0, gt=0)
    release_step_kw: float = Field(default=20.0, gt=0)
    release_margin_kw: float = Field(default=10.0, ge=0)


class ExportCap:
    """The PV limit this cap currently holds, and the constraints that enforce the cap."""

    def __init__(self, params: ExportCapParams, roles: SiteRoles, name: str, priority: int):
        self.params = params
        self.roles = roles
        self.name = name
        self.priority = priority
        self.pv_limit_kw: float | None = None  # None: not curtailing

    def charge_available(self, snapshot: Snapshot) -> float:
        p = self.params
        soc = snapshot.soc()
        bms = snapshot.bms_charge_max()
        if soc is None or bms is None or soc >= p.charge_stop_soc_pct:
            return 0.0
        return max(0.0, min(bms, p.max_charge_kw, self.roles.pcs_rating_kw))

    def pv_constraints(self, reason: str) -> list[Constraint]:
        total = self.roles.pv_rating_total_kw
        if self.pv_limit_kw is None or total <= 0:
            return []
        pct = max(0.0, min(100.0, self.pv_limit_kw / total * 100.0))
        return [
            Constraint(pid, "max", round(pct, 2), self.name, self.priority, reason)
            for pid in self.roles.pv_limits
        ]

    def release(self, step: float) -> None:
        if self.pv_limit_kw is None:
            return
        self.pv_limit_kw += step
        if self.pv_limit_kw >= self.roles.pv_rating_total_kw:
            self.pv_limit_kw = None

    def enforce(
        self, snapshot: Snapshot, cap_kw: float, pcs_reason: str, label: str
    ) -> list[Constraint] | None:
        """Constraints holding export <= ``cap_kw``; None when grid/BESS power is unusable
        (the caller then holds the PV limit where it is)."""
        p = self.params
        grid, base, bess = snapshot.grid_p(), snapshot.base_import(), snapshot.bess_p()
        if grid is None or base is None or bess is None:
            return None
        ceiling = base + cap_kw - p.margin_kw  # the PCS may not discharge above this
        out = [
            Constraint(
                self.roles.pcs_setpoint, "max", ceiling, self.name, self.priority, pcs_reason
            )
        ]
        available = self.charge_available(snapshot)
        excess = -ceiling - available  # kW the battery cannot absorb
        pv = snapshot.pv_p()
        if excess > 0:
            current = self.pv_limit_kw
            output = pv if pv is not None else (current or self.roles.pv_rating_total_kw)
            start = min(current, output) if current is not None else output
            self.pv_limit_kw = max(max(0.0, output - excess), start - p.max_step_down_kw)
            if current is not None:  # curtailing never raises the limit (a noisy PV reading)
                self.pv_limit_kw = min(self.pv_limit_kw, current)
            reason = f"{label}battery takes {available:.0f} kW, {excess:.0f} kW more to curtail"
        elif self.pv_limit_kw is not None:
            headroom = (grid + cap_kw - p.release_margin_kw) + max(0.0, available - max(0.0, -bess))
            if headroom > 0:
                self.release(min(p.release_step_kw, headroom))
            reason = f"{label}releasing PV curtailment (headroom {headroom:.0f} kW)"
        else:
            reason = ""
        return out + self.pv_constraints(reason)


class HoldsExportCap:
    """Mixin for a strategy that enforces its cap through ``self._cap``."""

    _cap: ExportCap

    @property
    def name(self) -> str:
        return self._cap.name

    @name.setter
    def name(self, value: str) -> None:  # the config may rename a strategy
        self._cap.name = value

    @property
    def pv_limit_kw(self) -> float | None:
        return self._cap.pv_limit_kw
