"""Protection: hard limits applied after arbitration. Nothing can override them.

A pure function of (requested setpoints, snapshot, last written values, params, dt). For the
PCS active-power setpoint (kW, > 0 discharges), in this order:

1. PCS rating: |p| <= rating.
2. BMS allowed power, read from the BMS: -p_charge_max <= p <= p_discharge_max.
3. SOC bounds: no discharge at/below ``soc_min_pct``, no charge at/above ``soc_max_pct``.
4. Cell temperature: |p| <= rating x f, f falling linearly from 1 at ``temp_derate_start_c``
   to 0 at ``temp_stop_c``; at/above the stop temperature p = 0 (an alarm event).
5. Ramp: |p - last written| <= ramp_kw_per_s x dt (the start is the last written value,
   else the measured BESS power, else 0). The hard limits of steps 1-4 are applied again
   after the ramp, so a limit that falls is followed at once and never waits for a ramp.
6. Deadband: no rewrite when |p - last written| < deadband_kw, unless the last written value
   is now outside the hard limits (then the limit is written at once).

Safe actions on an unusable input (missing, not good or stale) — each raises an event:

* SOC, BMS allowed power or cell temperature unusable -> 0 kW (we cannot know the limit);
* BESS power unusable -> only the ramp's start falls back to 0 kW when nothing was written.

PV power limits (% of rating) are clamped into [0, 100] and deadbanded
(``pv_deadband_pct``); they need no input. A point that is neither is passed through only
when it is listed in ``passthrough``, otherwise dropped with an event (the cycle only writes
what protection knows how to check).

At most one write per point per cycle: requests are (point, value) pairs; a point given twice
keeps the last and raises an event.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.control.export_guard import ExportGuardParams
from app.control.snapshot import Snapshot
from app.control.strategy import ControlEvent

SOURCE = "protection"


class ProtectionParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pcs_rating_kw: float = Field(default=500.0, gt=0)
    soc_min_pct: float = Field(default=5.0, ge=0, le=100)
    soc_max_pct: float = Field(default=100.0, ge=0, le=100)
    temp_derate_start_c: float = Field(default=45.0, ge=-40, le=100)
    temp_stop_c: float = Field(default=55.0, ge=-40, le=100)
    ramp_kw_per_s: float | None = Field(default=100.0, gt=0)  # None: no ramp limit
    deadband_kw: float = Field(default=2.0, ge=0)
    pv_deadband_pct: float = Field(default=0.5, ge=0)
    stale_after_s: float = Field(default=5.0, gt=0)
    passthrough: tuple[str, ...] = ()
    # the station's export limit, enforced after everything else (app/control/export_guard.py)
    export: ExportGuardParams | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ProtectionParams:
        if self.soc_min_pct >= self.soc_max_pct:
            raise ValueError(
                f"soc_min_pct {self.soc_min_pct} must be below soc_max_pct {self.soc_max_pct}"
            )
        if self.temp_derate_start_c >= self.temp_stop_c:
            raise ValueError(
                f"temp_derate_start_c {self.temp_derate_start_c} must be below "
                f"temp_stop_c {self.temp_stop_c}"
            )
        return self


@dataclass(frozen=True)
class Clamp:
    point_id: str
    stage: str  # rating | bms | soc | temperature | ramp | input | pv_range
    before: float
    after: float
    reason: str


@dataclass(frozen=True)
class ProtectionResult:
    setpoints: dict[str, float]  # the protected value of every requested point
    writes: dict[str, float]  # the subset to write this cycle (past the deadband)
    clamps: list[Clamp] = field(default_factory=list)
    events: list[ControlEvent] = field(default_factory=list)
    limits: dict[str, tuple[float, float]] = field(default_factory=dict)
    # the range the PCS setpoint may take this cycle: the hard limits and the ramp
    reach: dict[str, tuple[float, float]] = field(default_factory=dict)


def _clip(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def pcs_limits(
    snapshot: Snapshot, params: ProtectionParams, events: list[ControlEvent]
) -> tuple[float, float, list[tuple[str, float, float, str]]]:
    """The hard [lo, hi] for the PCS setpoint now, and the stages that narrowed it."""
    roles = snapshot.roles
    rating = min(params.pcs_rating_kw, roles.pcs_rating_kw)
    lo, hi = -rating, rating
    stages: list[tuple[str, float, float, str]] = [("rating", lo, hi, f"PCS rating {rating:g} kW")]
    age = params.stale_after_s

    def unusable(point_id: str, what: str) -> bool:
        problem = snapshot.problem(point_id, age)
        if problem is None:
            return False
        events.append(
            ControlEvent(snapshot.ts, SOURCE, f"{what} {point_id} {problem}: 0 kW", point_id)
        )
        return True

    charge_max = snapshot.value(roles.bms_charge_max, age)
    discharge_max = snapshot.value(roles.bms_discharge_max, age)
    if unusable(roles.bms_charge_max, "BMS charge limit") or unusable(
        roles.bms_discharge_max, "BMS discharge limit"
    ):
        return 0.0, 0.0, [*stages, ("input", 0.0, 0.0, "BMS limits unusable")]
    assert charge_max is not None and discharge_max is not None
    lo, hi = max(lo, -max(charge_max, 0.0)), min(hi, max(discharge_max, 0.0))
    stages.append(("bms", lo, hi, f"BMS allows -{charge_max:g}..{discharge_max:g} kW"))

    soc = snapshot.value(roles.soc, age)
    if unusable(roles.soc, "SOC"):
        return 0.0, 0.0, [*stages, ("input", 0.0, 0.0, "SOC unusable")]
    assert soc is not None
    if soc <= params.soc_min_pct:
        hi = min(hi, 0.0)
        stages.append(("soc", lo, hi, f"SOC {soc:g} % <= {params.soc_min_pct:g} %: no discharge"))
    if soc >= params.soc_max_pct:
        lo = max(lo, 0.0)
        stages.append(("soc", lo, hi, f"SOC {soc:g} % >= {params.soc_max_pct:g} %: no charge"))

    temp = snapshot.value(roles.cell_t_max, age)
    if unusable(roles.cell_t_max, "cell temperature"):
        return 0.0, 0.0, [*stages, ("input", 0.0, 0.0, "cell temperature unusable")]
    assert temp is not None
    if temp >= params.temp_stop_c:
        events.append(
            ControlEvent(
                snapshot.ts,
                SOURCE,
                f"cell temperature {temp:g} °C >= stop {params.temp_stop_c:g} °C: 0 kW",
                roles.cell_t_max,
                "alarm",
            )
        )
        return 0.0, 0.0, [*stages, ("temperature", 0.0, 0.0, f"cell {temp:g} °C: stop")]
    if temp > params.temp_derate_start_c:
        span = params.temp_stop_c - params.temp_derate_start_c
        factor = (params.temp_stop_c - temp) / span
        cap = rating * factor
        lo, hi = max(lo, -cap), min(hi, cap)
        stages.append(("temperature", lo, hi, f"cell {temp:g} °C: derate to {factor:.0%}"))
    if lo > hi:  # cannot happen with sane inputs; be safe rather than clever
        return 0.0, 0.0, [*stages, ("input", 0.0, 0.0, "empty feasible range")]
    return lo, hi, stages


def _protect_pcs(
    point_id: str,
    requested: float,
    snapshot: Snapshot,
    last: float | None,
    params: ProtectionParams,
    dt: float,
    clamps: list[Clamp],
    events: list[ControlEvent],
) -> tuple[float, bool, tuple[float, float], tuple[float, float]]:
    lo, hi, stages = pcs_limits(snapshot, params, events)
    value = requested
    for stage, s_lo, s_hi, reason in stages:
        clipped = _clip(value, s_lo, s_hi)
        if clipped != value:
            clamps.append(Clamp(point_id, stage, value, clipped, reason))
            value = clipped
    start = last
    if start is None:
        measured = snapshot.value(snapshot.roles.bess_p, params.stale_after_s)
        start = measured if measured is not None else 0.0
    reach = (lo, hi)
    if params.ramp_kw_per_s is not None and dt > 0:
        step = params.ramp_kw_per_s * dt
        reach = (_clip(start - step, lo, hi), _clip(start + step, lo, hi))
        ramped = _clip(value, start - step, start + step)
        ramped = _clip(ramped, lo, hi)  # hard limits beat the ramp
        if ramped != value:
            clamps.append(
                Clamp(point_id, "ramp", value, ramped, f"ramp {params.ramp_kw_per_s:g} kW/s")
            )
            value = ramped
    if last is None:
        return value, True, (lo, hi), reach
    outside = not (lo <= last <= hi)
    write = outside or abs(value - last) >= params.deadband_kw
    if not write:
        value = last
    return value, write, (lo, hi), reach


def _protect_pv(
    point_id: str,
    requested: float,
    last: float | None,
    params: ProtectionParams,
    clamps: list[Clamp],
) -> tuple[float, bool]:
    value = _clip(requested, 0.0, 100.0)
    if value != requested:
        clamps.append(Clamp(point_id, "pv_range", requested, value, "PV limit is 0..100 %"))
    if last is None or abs(value - last) >= params.pv_deadband_pct:
        return value, True
    return last, False


def protect(
    requested: Mapping[str, float] | Iterable[tuple[str, float]],
    snapshot: Snapshot,
    last_written: Mapping[str, float],
    params: ProtectionParams,
    dt: float,
) -> ProtectionResult:
    """Clamp requested setpoints to the hard limits; decide which to write this cycle."""
    pairs = list(requested.items()) if isinstance(requested, Mapping) else list(requested)
    events: list[ControlEvent] = []
    clamps: list[Clamp] = []
    unique: dict[str, float] = {}
    for pid, value in pairs:
        if pid in unique:
            events.append(
                ControlEvent(
                    snapshot.ts, SOURCE, f"{pid} requested twice: one write, the last", pid
                )
            )
        unique[pid] = float(value)
    roles = snapshot.roles
    setpoints: dict[str, float] = {}
    writes: dict[str, float] = {}
    limits: dict[str, tuple[float, float]] = {}
    reach: dict[str, tuple[float, float]] = {}
    for pid, value in unique.items():
        last = last_written.get(pid)
        if math.isnan(value):
            events.append(ControlEvent(snapshot.ts, SOURCE, f"{pid} requested NaN: dropped", pid))
            continue
        if pid == roles.pcs_setpoint:
            out, write, limits[pid], reach[pid] = _protect_pcs(
                pid, value, snapshot, last, params, dt, clamps, events
            )
        elif pid in roles.pv_limits:
            out, write = _protect_pv(pid, value, last, params, clamps)
        elif pid in params.passthrough:
            out, write = value, last is None or value != last
        else:
            events.append(
                ControlEvent(snapshot.ts, SOURCE, f"{pid} is not a protected point: dropped", pid)
            )
            continue
        setpoints[pid] = out
        if write:
            writes[pid] = out
    return ProtectionResult(setpoints, writes, clamps, events, limits, reach)
