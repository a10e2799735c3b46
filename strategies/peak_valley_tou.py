"""Peak/valley time-of-use arbitrage (削峰填谷): charge in valley, discharge in peak.

Per tariff period (from an injected ``PeriodSource``): in a charging period charge at
``charge_power_kw`` until SOC reaches the period's target, never pushing site import above
``grid_import_cap_kw``; in a discharging period discharge at ``discharge_power_kw`` down to
the period's SOC target, no more than the site's own import (no export for arbitrage).
Other periods ask nothing. Safe action on a bad SOC or tariff: ask nothing (0 kW neutral);
on a bad grid/BESS power while charging: ask nothing (the import cap cannot be checked).

Reserve windows (``reserve_windows``, station-local times): inside one, discharging stops at
the window's ``soc_pct`` instead of the period's lower target. They keep energy for a later
demand peak (the evening after sunset) that demand control, at a higher priority, then
spends; the TOU strategy discharges what is left after the window. Charge windows
(``charge_windows``) do the converse: inside one, charging from the grid stops at the
window's ``soc_pct`` instead of the period's target, leaving room for PV surplus that would
otherwise be curtailed (the midday valley of a PV site).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.control.constraints import BAND_ECONOMICS, Constraint
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import Clock, PeriodSource, StrategyContext, StrategyParams

PERIODS = ("critical_peak", "peak", "flat", "valley")


class SocWindow(BaseModel):
    """An SOC level between ``start`` and ``end`` (local, end exclusive; an end at or before
    the start runs past midnight): the discharge floor of a reserve window, the grid-charging
    ceiling of a charge window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: dt.time
    end: dt.time
    soc_pct: float = Field(ge=0, le=100)
    # local weekdays the window applies on, 0 Monday .. 6 Sunday (a window past midnight
    # belongs to the day it starts on)
    weekdays: frozenset[int] = frozenset(range(7))

    @model_validator(mode="after")
    def _days(self) -> SocWindow:
        bad = sorted(d for d in self.weekdays if not 0 <= d <= 6)
        if bad:
            raise ValueError(f"weekdays {bad} outside 0 (Monday) .. 6 (Sunday)")
        return self

    def contains(self, local: dt.datetime) -> bool:
        t = local.time()
        if self.start < self.end:
            return self.start <= t < self.end and local.weekday() in self.weekdays
        if t >= self.start:
            return local.weekday() in self.weekdays
        return t < self.end and (local.weekday() - 1) % 7 in self.weekdays


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
    reserve_windows: tuple[SocWindow, ...] = ()
    charge_windows: tuple[SocWindow, ...] = ()

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
        timezone: str = "UTC",
    ) -> None:
        self.params = params
        self.tariff = tariff
        self.roles = roles or SiteRoles()
        self.priority = priority
        self.name = name
        self.zone = ZoneInfo(timezone)

    @classmethod
    def create(cls, params: object, context: StrategyContext, priority: int) -> PeakValleyTou:
        if context.tariff is None:
            raise ValueError("peak_valley_tou needs the station's tariff, and none is configured")
        assert isinstance(params, PeakValleyParams)
        return cls(params, context.tariff, context.roles, priority, timezone=context.timezone)

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
            ceiling = self._window_soc(p.charge_windows, clock.now(), min)
            if ceiling is not None:
                target = ceiling if target is None else min(target, ceiling)
            if target is not None and soc >= target:
                return []
            if base is None:
                return []
            room = max(0.0, p.grid_import_cap_kw - base)
            charge = min(p.charge_power_kw, room)
            why = f"{period}: charge to {target} %, import cap {p.grid_import_cap_kw:g} kW"
            return [self._c(-charge, why)]
        if period in p.discharge_periods:
            floor = self._window_soc(p.reserve_windows, clock.now(), max)
            if floor is not None:
                target = floor if target is None else max(target, floor)
            if target is not None and soc <= target:
                return []
            discharge = p.discharge_power_kw
            if p.discharge_to_load_only:
                if base is None:
                    return []
                discharge = min(discharge, max(0.0, base))
            return [self._c(discharge, f"{period}: discharge to {target} %")]
        return []

    def _window_soc(
        self, windows: Sequence[SocWindow], ts: float, pick: Callable[[list[float]], float]
    ) -> float | None:
        """``pick`` (max for floors, min for ceilings) of the windows open at ``ts``."""
        if not windows:
            return None
        local = dt.datetime.fromtimestamp(ts, self.zone)
        open_ = [w.soc_pct for w in windows if w.contains(local)]
        return pick(open_) if open_ else None
