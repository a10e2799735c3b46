"""Export limit / anti-backflow (防逆流): keep export at or below a limit, zero by default.

Battery first: ``pcs <= base_import + limit_kw - margin_kw`` (max constraint; when the site
would export more than the limit with the battery idle, the battery must charge the excess).
When the battery cannot take it all (BMS allowed charge power, ``max_charge_kw``, SOC at or
above ``charge_stop_soc_pct``) the rest is curtailed through the PV inverters' ``p_limit``
points (same % on every inverter). The PV limit moves at most ``max_step_down_kw`` per cycle
down and ``release_step_kw`` per cycle up; it is released only while there is headroom
(import above ``-limit + release_margin_kw`` plus charge power the battery has to spare), so
a release overshoot is at most one step and the battery or the next cycle absorbs it.

Safe action on a bad/stale grid or BESS power: the PV limit is held where it is (releasing it
blind could push export over the limit), no battery request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from app.control.constraints import BAND_GRID_LIMITS, Constraint
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import Clock, StrategyContext, StrategyParams


class ExportLimitParams(StrategyParams):
    limit_kw: float = Field(default=0.0, ge=0)
    margin_kw: float = Field(default=5.0, ge=0)
    max_charge_kw: float = Field(default=500.0, ge=0)
    charge_stop_soc_pct: float = Field(default=95.0, ge=0, le=100)
    max_step_down_kw: float = Field(default=200.0, gt=0)
    release_step_kw: float = Field(default=20.0, gt=0)
    release_margin_kw: float = Field(default=10.0, ge=0)


class ExportLimit:
    kind: ClassVar[str] = "export_limit"
    default_priority: ClassVar[int] = BAND_GRID_LIMITS
    params_model: ClassVar[type[StrategyParams]] = ExportLimitParams

    def __init__(
        self,
        params: ExportLimitParams,
        roles: SiteRoles | None = None,
        priority: int = BAND_GRID_LIMITS,
        name: str = "export_limit",
    ) -> None:
        self.params = params
        self.roles = roles or SiteRoles()
        self.priority = priority
        self.name = name
        self.pv_limit_kw: float | None = None  # None: not curtailing

    @classmethod
    def create(cls, params: object, context: StrategyContext, priority: int) -> ExportLimit:
        assert isinstance(params, ExportLimitParams)
        return cls(params, context.roles, priority)

    @property
    def inputs(self) -> Sequence[str]:
        return (self.roles.grid_p, self.roles.bess_p, self.roles.pv_p)

    def _charge_available(self, snapshot: Snapshot) -> float:
        p = self.params
        soc = snapshot.soc()
        bms = snapshot.bms_charge_max()
        if soc is None or bms is None or soc >= p.charge_stop_soc_pct:
            return 0.0
        return max(0.0, min(bms, p.max_charge_kw, self.roles.pcs_rating_kw))

    def _pv_constraints(self, reason: str) -> list[Constraint]:
        total = self.roles.pv_rating_total_kw
        if self.pv_limit_kw is None or total <= 0:
            return []
        pct = max(0.0, min(100.0, self.pv_limit_kw / total * 100.0))
        return [
            Constraint(pid, "max", round(pct, 2), self.name, self.priority, reason)
            for pid in self.roles.pv_limits
        ]

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]:
        p = self.params
        grid = snapshot.grid_p()
        base = snapshot.base_import()
        bess = snapshot.bess_p()
        if grid is None or base is None or bess is None:
            return self._pv_constraints("input unusable: PV limit held")
        ceiling = base + p.limit_kw - p.margin_kw  # pcs may not discharge above this
        out = [
            Constraint(
                self.roles.pcs_setpoint,
                "max",
                ceiling,
                self.name,
                self.priority,
                f"export <= {p.limit_kw:g} kW (import without battery {base:.0f} kW)",
            )
        ]
        available = self._charge_available(snapshot)
        excess = -ceiling - available  # kW the battery cannot absorb
        pv = snapshot.pv_p()
        if excess > 0:
            current = self.pv_limit_kw
            now_output = pv if pv is not None else (current or self.roles.pv_rating_total_kw)
            start = min(current, now_output) if current is not None else now_output
            wanted = max(0.0, now_output - excess)
            self.pv_limit_kw = max(wanted, start - p.max_step_down_kw)
            reason = f"battery can take {available:.0f} kW, {excess:.0f} kW more to curtail"
        elif self.pv_limit_kw is not None:
            headroom = (grid + p.limit_kw - p.release_margin_kw) + max(
                0.0, available - max(0.0, -bess)
            )
            if headroom > 0:
                self.pv_limit_kw += min(p.release_step_kw, headroom)
            if self.pv_limit_kw >= self.roles.pv_rating_total_kw:
                self.pv_limit_kw = None
            reason = f"releasing PV curtailment (headroom {headroom:.0f} kW)"
        else:
            reason = ""
        return out + self._pv_constraints(reason)
