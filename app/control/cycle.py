"""The compute part of one control cycle, as named and individually timed phases.

    run_strategies -> arbitrate -> protect -> export_guard

The runtime freezes the snapshot before and dispatches/records after (not here). Modes:

* auto: strategies run by priority; their constraints are arbitrated;
* manual: strategies do not run; the operator's setpoints are ``eq`` constraints at the
  operator band, points without one go to their neutral value (0 kW / 100 %);
* standby: strategies do not run; every PCS setpoint is 0 kW, PV limits neutral (100 %).

Protection clamps the result in every mode, and the export guard (app/control/export_guard.py)
holds the station's export limit after it, in every mode too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from app.control.arbiter import ArbitrationResult, arbitrate
from app.control.constraints import BAND_OPERATOR, BAND_SAFETY, Constraint
from app.control.export_guard import ExportGuard, ExportGuardReport
from app.control.protection import ProtectionParams, ProtectionResult, protect
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import Clock, ControlEvent, Strategy

T = TypeVar("T")


class ControlMode(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"
    STANDBY = "standby"


@dataclass(frozen=True)
class CycleReport:
    mode: ControlMode
    ts: float
    durations: dict[str, float]  # phase name -> seconds (perf_counter)
    constraints: tuple[Constraint, ...]
    arbitration: dict[str, ArbitrationResult]
    protection: ProtectionResult
    events: tuple[ControlEvent, ...] = ()
    export: ExportGuardReport | None = None  # None: the station has no export limit

    @property
    def total_s(self) -> float:
        return sum(self.durations.values())


@dataclass(frozen=True)
class CycleResult:
    setpoints: dict[str, float]  # protected value of every controlled point
    writes: dict[str, float]  # what to dispatch this cycle (one per point)
    report: CycleReport
    events: tuple[ControlEvent, ...] = field(default=())


def neutral_values(roles: SiteRoles) -> dict[str, float]:
    """What a point goes to when nothing asks for it: 0 kW for the PCS, 100 % for PV limits."""
    return {roles.pcs_setpoint: 0.0, **{pid: 100.0 for pid in roles.pv_limits}}


def run_strategies(
    strategies: Sequence[Strategy], snapshot: Snapshot, clock: Clock
) -> tuple[list[Constraint], list[ControlEvent]]:
    """Phase: every strategy by priority (highest first); a failing one is skipped, reported."""
    constraints: list[Constraint] = []
    events: list[ControlEvent] = []
    for strategy in sorted(strategies, key=lambda s: -s.priority):
        for pid in strategy.inputs:
            problem = snapshot.problem(pid)
            if problem is not None:
                events.append(
                    ControlEvent(
                        snapshot.ts,
                        strategy.name,
                        f"input {pid} {problem}: safe action",
                        pid,
                    )
                )
        try:
            constraints += strategy.compute(snapshot, clock)
            # strategies with events of their own (a held limit, an infeasible plan) queue them
            drain = getattr(strategy, "drain_events", None)
            if callable(drain):
                events += drain()
        except Exception as exc:  # a strategy's bug must not stop the cycle
            events.append(
                ControlEvent(
                    snapshot.ts,
                    strategy.name,
                    f"failed: {exc!r}; its requests dropped",
                    None,
                    "alarm",
                )
            )
    return constraints, events


def mode_constraints(
    mode: ControlMode, roles: SiteRoles, manual: Mapping[str, float]
) -> list[Constraint]:
    if mode is ControlMode.STANDBY:
        return [Constraint(roles.pcs_setpoint, "eq", 0.0, "standby", BAND_SAFETY, "standby mode")]
    return [
        Constraint(pid, "eq", float(v), "operator", BAND_OPERATOR, "manual setpoint")
        for pid, v in manual.items()
    ]


def _timed(durations: dict[str, float], name: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    try:
        return fn()
    finally:
        durations[name] = time.perf_counter() - start


class Cycle:
    def __init__(
        self,
        strategies: Sequence[Strategy],
        protection: ProtectionParams | None = None,
        neutral: Mapping[str, float] | None = None,
    ) -> None:
        self.strategies = tuple(strategies)
        self.protection = protection or ProtectionParams()
        self._neutral = dict(neutral) if neutral is not None else None
        guard = self.protection.export
        self.export_guard = ExportGuard(guard) if guard is not None else None

    def run(
        self,
        snapshot: Snapshot,
        clock: Clock,
        *,
        mode: ControlMode = ControlMode.AUTO,
        last_written: Mapping[str, float] | None = None,
        dt: float = 1.0,
        manual: Mapping[str, float] | None = None,
    ) -> CycleResult:
        roles = snapshot.roles
        neutral = self._neutral if self._neutral is not None else neutral_values(roles)
        durations: dict[str, float] = {}
        events: list[ControlEvent] = []
        if mode is ControlMode.AUTO:
            constraints, strategy_events = _timed(
                durations,
                "run_strategies",
                lambda: run_strategies(self.strategies, snapshot, clock),
            )
            events += strategy_events
        else:
            constraints = _timed(
                durations, "run_strategies", lambda: mode_constraints(mode, roles, manual or {})
            )
        arbitration = _timed(
            durations,
            "arbitrate",
            lambda: arbitrate(constraints, neutral, points=neutral.keys()),
        )
        requested = {pid: r.value for pid, r in arbitration.items()}
        protected = _timed(
            durations,
            "protect",
            lambda: protect(requested, snapshot, last_written or {}, self.protection, dt),
        )
        events += protected.events
        setpoints, writes = protected.setpoints, protected.writes
        export: ExportGuardReport | None = None
        if self.export_guard is not None:
            guard = self.export_guard
            floor = _charge_floor(mode, roles.pcs_setpoint, arbitration, protected)
            setpoints, export, guard_events = _timed(
                durations,
                "export_guard",
                lambda: guard.apply(
                    snapshot, protected.setpoints, last_written or {}, charge_floor=floor, dt=dt
                ),
            )
            events += guard_events
            setpoints, writes = _guarded_writes(
                protected, setpoints, last_written or {}, self.protection.pv_deadband_pct
            )
        report = CycleReport(
            mode,
            snapshot.ts,
            durations,
            tuple(constraints),
            arbitration,
            protected,
            tuple(events),
            export,
        )
        return CycleResult(setpoints, writes, report, tuple(events))


def _charge_floor(
    mode: ControlMode,
    pcs: str,
    arbitration: Mapping[str, ArbitrationResult],
    protected: ProtectionResult,
) -> float | None:
    """The most charge the export guard may ask of the battery: in auto mode what the
    arbiter's interval, protection's limits and the ramp leave; in manual and standby modes
    none (the operator's or standby's setpoint stands while PV can do the job)."""
    if mode is not ControlMode.AUTO or pcs not in protected.reach:
        return None
    lo = protected.reach[pcs][0]
    winner = arbitration.get(pcs)
    return lo if winner is None else max(lo, winner.lo)


def _guarded_writes(
    protected: ProtectionResult,
    guarded: Mapping[str, float],
    last_written: Mapping[str, float],
    pv_deadband_pct: float,
) -> tuple[dict[str, float], dict[str, float]]:
    """(setpoints, writes): protection's writes plus every point the export guard changed;
    a PV cap within the PV deadband of what was written stays as written."""
    setpoints, writes = dict(guarded), dict(protected.writes)
    for pid, value in guarded.items():
        if value == protected.setpoints.get(pid):
            continue
        last = last_written.get(pid)
        if pid in protected.limits or last is None or abs(value - last) >= pv_deadband_pct:
            writes[pid] = value
        else:
            writes.pop(pid, None)
            setpoints[pid] = last
    return setpoints, writes
