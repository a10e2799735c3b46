"""Demand control (需量控制): keep grid import at or below a demand limit by discharging.

The monthly demand charge is set by the highest 15-minute average import, so the strategy
tracks the current window (aligned to :00/:15/:30/:45 UTC, as meters integrate) and budgets
what is left of it:

    target = (limit x 900 s - energy imported so far in the window) / time left in the window

clamped to [limit x min_target_pct/100, limit x (1 + spike_allowance_pct/100)]. With the
default allowance of 0 the instantaneous target never exceeds the limit; an overshoot (a step
before the battery followed) lowers the target for the rest of the window by its energy
spread over the time left, so a 2-second spike barely matters while a sustained one tightens
the target noticeably, and the window's average still ends at or below the limit.

Request: ``pcs >= base_import - target`` (min constraint; base_import = grid_p + bess_p, so
the required discharge is grid_p - target + bess_p). The same bound stops any lower-priority
charging from pushing import above the target. Recharge: when import is below
``limit - recharge_margin_kw`` and SOC is below ``recharge_soc_pct``, ask to charge with the
room left (at ``recharge_priority``, below economics by default, so TOU may override).

Safe action on a bad/stale grid or BESS power: hold the last min constraint for ``hold_s``,
then ask nothing. A gap in samples integrates the last good import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from app.control.constraints import BAND_GRID_LIMITS, Constraint
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import Clock, StrategyContext, StrategyParams

WINDOW_S = 900.0


class DemandParams(StrategyParams):
    limit_kw: float = Field(default=600.0, gt=0)
    spike_allowance_pct: float = Field(default=0.0, ge=0, le=100)
    min_target_pct: float = Field(default=80.0, gt=0, le=100)
    recharge_margin_kw: float = Field(default=50.0, ge=0)
    recharge_power_kw: float = Field(default=100.0, ge=0)
    recharge_soc_pct: float = Field(default=80.0, ge=0, le=100)
    recharge_priority: int = Field(default=300, ge=0, le=10_000)
    hold_s: float = Field(default=10.0, ge=0)


class DemandWindow:
    """Energy imported so far in the current 15-minute window (kW·s)."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.energy_kws = 0.0
        self._last_ts: float | None = None
        self._last_p = 0.0

    def add(self, ts: float, import_kw: float | None) -> None:
        start = math.floor(ts / WINDOW_S) * WINDOW_S
        if self.start != start:
            # a new window; the part of the previous sample's step inside it counts here
            carried = 0.0
            if self._last_ts is not None and self.start is not None and self._last_ts < start:
                carried = self._last_p * (ts - start)
            self.start, self.energy_kws = start, carried
        elif self._last_ts is not None:
            self.energy_kws += self._last_p * max(0.0, ts - self._last_ts)
        self._last_ts = ts
        if import_kw is not None:
            self._last_p = max(0.0, import_kw)

    def average_kw(self, ts: float) -> float:
        if self.start is None or ts <= self.start:
            return 0.0
        return self.energy_kws / (ts - self.start)

    def target(self, ts: float, limit: float, floor: float, ceiling: float) -> float:
        if self.start is None:
            return limit
        left = max(self.start + WINDOW_S - ts, 1.0)
        budget = (limit * WINDOW_S - self.energy_kws) / left
        return min(max(budget, floor), ceiling)


class DemandControl:
    kind: ClassVar[str] = "demand_control"
    default_priority: ClassVar[int] = BAND_GRID_LIMITS
    params_model: ClassVar[type[StrategyParams]] = DemandParams

    def __init__(
        self,
        params: DemandParams,
        roles: SiteRoles | None = None,
        priority: int = BAND_GRID_LIMITS,
        name: str = "demand_control",
    ) -> None:
        self.params = params
        self.roles = roles or SiteRoles()
        self.priority = priority
        self.name = name
        self.window = DemandWindow()
        self._held: tuple[float, Constraint] | None = None  # (since, constraint)

    @classmethod
    def create(cls, params: object, context: StrategyContext, priority: int) -> DemandControl:
        assert isinstance(params, DemandParams)
        return cls(params, context.roles, priority)

    @property
    def inputs(self) -> Sequence[str]:
        return (self.roles.grid_p, self.roles.bess_p, self.roles.soc)

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]:
        p = self.params
        now = clock.now()
        grid = snapshot.grid_p()
        self.window.add(now, grid)
        base = snapshot.base_import()
        if grid is None or base is None:
            return self._hold(now)
        target = self.window.target(
            now,
            p.limit_kw,
            p.limit_kw * p.min_target_pct / 100.0,
            p.limit_kw * (1.0 + p.spike_allowance_pct / 100.0),
        )
        required = base - target  # > 0: must discharge at least this much
        why = (
            f"import {grid:.0f} kW, target {target:.0f} kW "
            f"(window avg {self.window.average_kw(now):.0f} kW, limit {p.limit_kw:g} kW)"
        )
        guard = Constraint(self.roles.pcs_setpoint, "min", required, self.name, self.priority, why)
        self._held = (now, guard)
        out = [guard]
        soc = snapshot.soc()
        room = p.limit_kw - p.recharge_margin_kw - base
        if soc is not None and soc < p.recharge_soc_pct and room > 0 and p.recharge_power_kw > 0:
            charge = min(p.recharge_power_kw, room)
            out.append(
                Constraint(
                    self.roles.pcs_setpoint,
                    "eq",
                    -charge,
                    self.name,
                    p.recharge_priority,
                    f"recharge: import {grid:.0f} kW < {p.limit_kw - p.recharge_margin_kw:g} kW",
                )
            )
        return out

    def _hold(self, now: float) -> list[Constraint]:
        if self._held is None or now - self._held[0] > self.params.hold_s:
            self._held = None
            return []
        return [self._held[1]]
