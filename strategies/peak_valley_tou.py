"""Peak/valley time-of-use arbitrage (削峰填谷): charge in valley, discharge in peak.

Per tariff period (from an injected ``PeriodSource``): in a charging period charge at
``charge_power_kw`` until SOC reaches the period's target, never pushing site import above
``grid_import_cap_kw``; in a discharging period discharge at ``discharge_power_kw`` down to
the period's SOC target, no more than the site's own import (no export for arbitrage).
Other periods ask nothing. Safe action on a bad SOC or tariff: ask nothing (0 kW neutral);
on a bad grid/BESS power while charging: ask nothing (the import cap cannot be checked).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field, model_validator

from app.control.constraints import BAND_ECONOMICS, Constraint
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import Clock, PeriodSource, StrategyContext, StrategyParams

PERIODS = ("critical_peak", "peak", "flat", "valley")


class PeakValleyParams(StrategyParams):
    charge_periods: tuple[str, ...] = ("valley",)
    discharge_periods: tuple[str, ...] = ("peak", "critical_peak")
    charge_power_kw: float = Field(default=250.0, gt=0)
    discharge_power_kw: float = Field(default=250.0, gt=0)
    # charge until SOC >= target (charging periods), discharge until SOC <= target
    soc_targets: dict[str, float] = Field(
        default_factory=lambda: {"valley": 85.0, "flat": 50.0, "peak": 30.0, "critical_peak": 15.0}
    )
    grid_import_cap_kw: float = Field(default=800.0, ge=0)
    discharge_to_load_only: bool = True

    @model_validator(mode="after")
    def _periods(self) -> PeakValleyParams:
        for name in (*self.charge_periods, *self.discharge_periods, *self.soc_targets):
            if name not in PERIODS:
                raise ValueError(f"unknown tariff period {name!r} (known: {', '.join(PERIODS)})")
        both = set(self.charge_periods) & set(self.discharge_periods)
        if both:
            raise ValueError(f"periods both charge and discharge: {sorted(both)}")
        for name, target in self.soc_targets.items():
            if not 0 <= target <= 100:
                raise ValueError(f"soc_targets.{name} {target} is outside 0..100 %")
        return self


class PeakValleyTou:
    kind: ClassVar[str] = "peak_valley_tou"
    default_priority: ClassVar[int] = BAND_ECONOMICS
    params_model: ClassVar[type[StrategyParams]] = PeakValleyParams

    def __init__(
        self,
        params: PeakValleyParams,
        tariff: PeriodSource,
        roles: SiteRoles | None = None,
        priority: int = BAND_ECONOMICS,
        name: str = "peak_valley_tou",
    ) -> None:
        self.params = params
        self.tariff = tariff
        self.roles = roles or SiteRoles()
        self.priority = priority
        self.name = name

    @classmethod
    def create(cls, params: object, context: StrategyContext, priority: int) -> PeakValleyTou:
        if context.tariff is None:
            raise ValueError("peak_valley_tou needs the station's tariff, and none is configured")
        assert isinstance(params, PeakValleyParams)
        return cls(params, context.tariff, context.roles, priority)

    @property
    def inputs(self) -> Sequence[str]:
        return (self.roles.soc, self.roles.grid_p, self.roles.bess_p)

    def _c(self, value: float, reason: str) -> Constraint:
        return Constraint(self.roles.pcs_setpoint, "eq", value, self.name, self.priority, reason)

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]:
        p = self.params
        soc = snapshot.soc()
        try:
            period = self.tariff.period(clock.now())
        except Exception:
            return []
        if soc is None:
            return []
        target = p.soc_targets.get(period)
        base = snapshot.base_import()
        if period in p.charge_periods:
            if target is not None and soc >= target:
                return []
            if base is None:
                return []
            room = max(0.0, p.grid_import_cap_kw - base)
            charge = min(p.charge_power_kw, room)
            why = f"{period}: charge to {target} %, import cap {p.grid_import_cap_kw:g} kW"
            return [self._c(-charge, why)]
        if period in p.discharge_periods:
            if target is not None and soc <= target:
                return []
            discharge = p.discharge_power_kw
            if p.discharge_to_load_only:
                if base is None:
                    return []
                discharge = min(discharge, max(0.0, base))
            return [self._c(discharge, f"{period}: discharge to {target} %")]
        return []
