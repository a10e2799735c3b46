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
from strategies.export_cap import ExportCap, ExportCapParams, HoldsExportCap


class CurtailmentParams(ExportCapParams):
    limit_point: str = Field(min_length=1)
    limit_pct_point: str | None = None
    limit_max_age_s: float | None = Field(default=None, gt=0)
    memory_s: float = Field(default=900.0, ge=0)


class CurtailmentTracking(HoldsExportCap):
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
        self._cap = ExportCap(params, self.roles, name, priority)
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

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]:
        p = self.params
        limit = self._limit(snapshot, clock.now())
        held_pv = self._cap.pv_constraints
        if limit is None:
            return held_pv("input unusable: PV limit held")
        held = " (held)" if self.holding else ""
        if limit >= self.roles.pv_rating_total_kw:
            self._cap.release(p.release_step_kw)
            return held_pv(f"limit {limit:g} kW{held} not active: releasing PV")
        base = snapshot.base_import()
        reason = (
            f"grid operator's export limit {limit:g} kW{held} "
            f"(import without battery {base or 0:.0f} kW)"
        )
        out = self._cap.enforce(snapshot, limit, reason, f"limit {limit:g} kW{held}: ")
        return held_pv("input unusable: PV limit held") if out is None else out
