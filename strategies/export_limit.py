"""Export limit / anti-backflow (防逆流), the economic half: store the surplus first.

``pcs <= base_import + limit_kw - margin_kw`` (a max constraint): when the site would export
more than the limit with the battery idle, the battery must charge the excess, and a
discharge never exports. The hard half — PV curtailment and less discharge when the battery
cannot or may not take it, in every mode and through every fault — is protection's export
guard (app/control/export_guard.py), which runs after the arbiter and protection and so
sees the charge they actually allow. Its limit is ``protection.export.limit_kw``; a station
that gives none takes this strategy's ``limit_kw`` and ``margin_kw`` (even with the strategy
disabled: docs/decisions.md).

Safe action on a bad/stale grid or BESS power: no request (the guard's fail-safe holds PV).
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

    @classmethod
    def create(cls, params: object, context: StrategyContext, priority: int) -> ExportLimit:
        assert isinstance(params, ExportLimitParams)
        return cls(params, context.roles, priority)

    @property
    def inputs(self) -> Sequence[str]:
        return (self.roles.grid_p, self.roles.bess_p, self.roles.pv_p)

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]:
        base = snapshot.base_import()
        if base is None:
            return []
        limit = self.params.limit_kw
        ceiling = base + limit - self.params.margin_kw
        reason = f"export <= {limit:g} kW (import without battery {base:.0f} kW)"
        return [
            Constraint(self.roles.pcs_setpoint, "max", ceiling, self.name, self.priority, reason)
        ]
