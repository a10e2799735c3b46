"""Power / energy schedule: a day plan of PCS setpoints at 15-minute resolution.

The plan is 96 values (kW, > 0 discharging), one per quarter hour of the station's local day
(``00:00`` .. ``23:45``), the same every day. It comes from one of:

* ``file``: a CSV or Excel (.xlsx) file with columns ``time,kw`` (strategies/schedule_file.py),
  read once at construction; a relative path is taken from the station file's folder when the
  context names one (``StrategyContext.base_dir``), else as given;
* ``energy_targets``: kWh to charge (< 0) or discharge (> 0) between two quarter-hour times,
  spread evenly (kW = kWh / hours); quarter hours outside every target are 0 kW.

A file with gaps, duplicates, bad numbers or values beyond the PCS rating raises ConfigError
naming the file, the line and the value (the loader keeps the running configuration).

Request: ``pcs == plan[current quarter hour]`` at the schedules band (200), so every other
strategy overrides it. The schedule needs no input; it has no fallback of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, model_validator

from app.control.constraints import BAND_SCHEDULES, Constraint
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import Clock, StrategyContext, StrategyParams
from strategies.schedule_file import QUARTERS, STEP_MIN, load_schedule, quarter_text


def _quarter(t: dt.time, what: str) -> int:
    if t.second or t.microsecond or t.minute % STEP_MIN:
        raise ValueError(f"{what} {t.isoformat()} is not on a quarter hour (:00/:15/:30/:45)")
    return (t.hour * 60 + t.minute) // STEP_MIN


class EnergyTarget(BaseModel):
    """``kwh`` (> 0 discharge, < 0 charge) between ``start`` and ``end`` (local; end exclusive,
    ``end: "00:00"`` is midnight at the end of the day)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: dt.time
    end: dt.time
    kwh: float

    @model_validator(mode="after")
    def _times(self) -> EnergyTarget:
        first, last = self.quarters()
        if last <= first:
            raise ValueError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}"
            )
        return self

    def quarters(self) -> tuple[int, int]:
        """First quarter hour and the one after the last (0..96)."""
        first = _quarter(self.start, "start")
        last = _quarter(self.end, "end") or QUARTERS
        return first, last

    @property
    def kw(self) -> float:
        first, last = self.quarters()
        return self.kwh / ((last - first) * STEP_MIN / 60.0)


class ScheduleParams(StrategyParams):
    file: str | None = None
    energy_targets: tuple[EnergyTarget, ...] = ()

    @model_validator(mode="after")
    def _one_source(self) -> ScheduleParams:
        if (self.file is None) == (not self.energy_targets):
            raise ValueError("give either file or energy_targets (exactly one)")
        taken: dict[int, int] = {}
        for i, target in enumerate(self.energy_targets):
            first, last = target.quarters()
            for q in range(first, last):
                if q in taken:
                    raise ValueError(
                        f"energy_targets[{i}] overlaps energy_targets[{taken[q]}] "
                        f"at {quarter_text(q)}"
                    )
                taken[q] = i
        return self


def plan_from_targets(targets: Sequence[EnergyTarget], rating_kw: float) -> tuple[float, ...]:
    plan = [0.0] * QUARTERS
    for i, target in enumerate(targets):
        kw = target.kw
        if abs(kw) > rating_kw:
            raise ValueError(
                f"energy_targets[{i}]: {target.kwh:g} kWh in "
                f"{target.start.isoformat('minutes')}-{target.end.isoformat('minutes')} needs "
                f"{kw:g} kW, beyond the PCS rating ±{rating_kw:g} kW"
            )
        first, last = target.quarters()
        plan[first:last] = [kw] * (last - first)
    return tuple(plan)


class Schedule:
    kind: ClassVar[str] = "schedule"
    default_priority: ClassVar[int] = BAND_SCHEDULES
    params_model: ClassVar[type[StrategyParams]] = ScheduleParams

    def __init__(
        self,
        plan: Sequence[float],
        roles: SiteRoles | None = None,
        priority: int = BAND_SCHEDULES,
        timezone: str = "Asia/Shanghai",
        name: str = "schedule",
        origin: str = "",
    ) -> None:
        if len(plan) != QUARTERS:
            raise ValueError(f"a day plan has {QUARTERS} quarter hours, got {len(plan)}")
        self.plan = tuple(float(v) for v in plan)
        self.roles = roles or SiteRoles()
        self.priority = priority
        self.name = name
        self.zone = ZoneInfo(timezone)
        self.origin = origin  # the file, or "energy targets" (for the reason text)

    @classmethod
    def create(cls, params: object, context: StrategyContext, priority: int) -> Schedule:
        assert isinstance(params, ScheduleParams)
        rating = context.roles.pcs_rating_kw
        if params.file is not None:
            path = Path(params.file)
            base = getattr(context, "base_dir", None)  # the station file's folder, if known
            if not path.is_absolute() and base is not None:
                path = Path(base) / path
            plan = load_schedule(path, rating)  # ConfigError naming file, line and value
            origin = path.name
        else:
            plan = plan_from_targets(params.energy_targets, rating)
            origin = "energy targets"
        return cls(plan, context.roles, priority, context.timezone, origin=origin)

    @property
    def inputs(self) -> Sequence[str]:
        return ()

    def quarter(self, ts: float) -> int:
        """Index (0..95) of the station-local quarter hour containing ``ts``."""
        local = dt.datetime.fromtimestamp(ts, self.zone)
        return (local.hour * 60 + local.minute) // STEP_MIN

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]:
        q = self.quarter(clock.now())
        why = f"schedule {quarter_text(q)} ({self.origin})" if self.origin else quarter_text(q)
        return [
            Constraint(self.roles.pcs_setpoint, "eq", self.plan[q], self.name, self.priority, why)
        ]
