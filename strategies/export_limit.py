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
from strategies.export_cap import ExportCap, ExportCapParams, HoldsExportCap


class ExportLimitParams(ExportCapParams):
    limit_kw: float = Field(default=0.0, ge=0)


class ExportLimit(HoldsExportCap):
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
        self._cap = ExportCap(params, self.roles, name, priority)

    @classmethod
    def create(cls, params: object, context: StrategyContext, priority: int) -> ExportLimit:
        assert isinstance(params, ExportLimitParams)
        return cls(params, context.roles, priority)

    @property
    def inputs(self) -> Sequence[str]:
        return (self.roles.grid_p, self.roles.bess_p, self.roles.pv_p)

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]:
        limit = self.params.limit_kw
        base = snapshot.base_import()
        reason = f"export <= {limit:g} kW (import without battery {base or 0:.0f} kW)"
        out = self._cap.enforce(snapshot, limit, reason, "")
        return self._cap.pv_constraints("input unusable: PV limit held") if out is None else out
