"""Curtailment tracking (限电跟踪): follow the export limit the grid operator sends.

The limit is a point the station receives (``limit_point``, kW of export at the point of
connection, e.g. a setpoint written by the dispatching centre over IEC 104), optionally with
``limit_pct_point`` (% of installed PV); with both, the lower applies. It is enforced like
``export_limit``:

* battery first: ``pcs <= base_import + limit - margin_kw`` (charge to absorb the surplus);
* then PV: what the battery cannot take (BMS allowed charge power, ``max_charge_kw``, SOC at
  or above ``charge_stop_soc_pct``) is curtailed through every inverter's ``p_limit`` (same %
  of rating), at most ``max_step_down_kw`` per cycle down;
* release: while the limit binds, at most ``release_step_kw`` per cycle and only with
  headroom (import above ``-limit + release_margin_kw`` plus spare charge power); when no limit
  is active (limit >= installed PV) the PV limit is released by ``release_step_kw`` per cycle
  regardless, then dropped.

Bad input: a limit point that is missing, not good, stale (older than ``limit_max_age_s``,
default the snapshot's stale limit) or negative does NOT release anything: the strategy holds
the most restrictive limit seen in the last ``memory_s`` seconds and raises an event (once
when the hold starts, once when the limit is usable again). Grid or BESS power unusable: the
PV limit is held where it is, nothing is asked of the battery (as export_limit).

Events are queued on the strategy; ``drain_events()`` hands them to the cycle.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from app.control.constraints import BAND_GRID_LIMITS, Constraint
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import Clock, ControlEvent, StrategyContext, StrategyParams


class CurtailmentParams(StrategyParams):
    limit_point: str = Field(min_length=1)
    limit_pct_point: str | None = None
    limit_max_age_s: float | None = Field(default=None, gt=0)
    memory_s: float = Field(default=900.0, ge=0)
    margin_kw: float = Field(default=5.0, ge=0)
    max_charge_kw: float = Field(default=500.0, ge=0)
    charge_stop_soc_pct: float = Field(default=95.0, ge=0, le=100)
    max_step_down_kw: float = Field(default=200.0, gt=0)
    release_step_kw: float = Field(default=20.0, gt=0)
    release_margin_kw: float = Field(default=10.0, ge=0)


class CurtailmentTracking:
    kind: ClassVar[str] = "curtailment_tracking"
    default_priority: ClassVar[int] = BAND_GRID_LIMITS
    params_model: ClassVar[type[StrategyParams]] = CurtailmentParams

    def __init__(
        self,
        params: CurtailmentParams,
        roles: SiteRoles | None = None,
        priority: int = BAND_GRID_LIMITS,
        name: str = "curtailment_tracking",
    ) -> None:
        self.params = params
        self.roles = roles or SiteRoles()
        self.priority = priority
        self.name = name
        self.pv_limit_kw: float | None = None  # None: not curtailing
        self.recent: deque[tuple[float, float]] = deque()  # (ts, good limit kW)
        self.held_kw: float | None = None  # the limit held while the input is bad
        self.holding = False
        self._events: list[ControlEvent] = []

    @classmethod
    def create(cls, params: object, context: StrategyContext, priority: int) -> CurtailmentTracking:
        assert isinstance(params, CurtailmentParams)
        return cls(params, context.roles, priority)

    @property
    def inputs(self) -> Sequence[str]:
        points = [self.params.limit_point]
        if self.params.limit_pct_point:
            points.append(self.params.limit_pct_point)
        return (*points, self.roles.grid_p, self.roles.bess_p, self.roles.pv_p)

    def drain_events(self) -> list[ControlEvent]:
        out, self._events = self._events, []
        return out

    # --- the limit ------------------------------------------------------------------------

    def _read_limit(self, snapshot: Snapshot) -> tuple[float | None, str]:
        """The operator's limit in kW, or None and why it is unusable."""
        p = self.params
        limits: list[float] = []
        sources = [(p.limit_point, 1.0)]
        if p.limit_pct_point:
            sources.append((p.limit_pct_point, self.roles.pv_rating_total_kw / 100.0))
        for pid, scale in sources:
            value = snapshot.value(pid, p.limit_max_age_s)
            if value is None:
                return None, f"{pid} {snapshot.problem(pid, p.limit_max_age_s)}"
            if value < 0 or not math.isfinite(value):
                return None, f"{pid} {value:g} is not a valid limit"
            limits.append(value * scale)
        return min(limits), ""

    def _limit(self, snapshot: Snapshot, now: float) -> float | None:
        value, problem = self._read_limit(snapshot)
        while self.recent and now - self.recent[0][0] > self.params.memory_s:
            self.recent.popleft()
        if value is not None:
            if self.holding:
                self._event(now, f"limit input usable again ({value:g} kW): hold ended", "info")
            self.holding, self.held_kw = False, None
            self.recent.append((now, value))
            return value
        if not self.holding:
            self.holding = True
            seen = [v for _, v in self.recent]
            self.held_kw = min(seen) if seen else None
            held = "no limit seen yet" if self.held_kw is None else f"{self.held_kw:g} kW"
            self._event(now, f"limit input unusable ({problem}): holding {held}", "warning")
        return self.held_kw

    def _event(self, now: float, message: str, severity: str) -> None:
        self._events.append(
            ControlEvent(now, self.name, message, self.params.limit_point, severity)
        )

    # --- control --------------------------------------------------------------------------

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

    def _release(self, step: float) -> None:
        if self.pv_limit_kw is None:
            return
        self.pv_limit_kw += step
        if self.pv_limit_kw >= self.roles.pv_rating_total_kw:
            self.pv_limit_kw = None

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]:
        p = self.params
        now = clock.now()
        limit = self._limit(snapshot, now)
        grid = snapshot.grid_p()
        base = snapshot.base_import()
        bess = snapshot.bess_p()
        if limit is None or grid is None or base is None or bess is None:
            return self._pv_constraints("input unusable: PV limit held")
        held = " (held)" if self.holding else ""
        if limit >= self.roles.pv_rating_total_kw:
            self._release(p.release_step_kw)
            return self._pv_constraints(f"limit {limit:g} kW{held} not active: releasing PV")
        ceiling = base + limit - p.margin_kw
        out = [
            Constraint(
                self.roles.pcs_setpoint,
                "max",
                ceiling,
                self.name,
                self.priority,
                f"grid operator's export limit {limit:g} kW{held} "
                f"(import without battery {base:.0f} kW)",
            )
        ]
        available = self._charge_available(snapshot)
        excess = -ceiling - available  # kW the battery cannot absorb
        pv = snapshot.pv_p()
        if excess > 0:
            current = self.pv_limit_kw
            output = pv if pv is not None else (current or self.roles.pv_rating_total_kw)
            start = min(current, output) if current is not None else output
            wanted = max(0.0, output - excess)
            self.pv_limit_kw = max(wanted, start - p.max_step_down_kw)
            if current is not None:  # curtailing never raises the limit (a noisy PV reading)
                self.pv_limit_kw = min(self.pv_limit_kw, current)
            reason = f"limit {limit:g} kW{held}: battery takes {available:.0f} kW, curtail PV"
        elif self.pv_limit_kw is not None:
            headroom = (grid + limit - p.release_margin_kw) + max(0.0, available - max(0.0, -bess))
            if headroom > 0:
                self._release(min(p.release_step_kw, headroom))
            reason = f"limit {limit:g} kW{held}: releasing PV (headroom {headroom:.0f} kW)"
        else:
            reason = ""
        return out + self._pv_constraints(reason)
