"""SOC management: min/max SOC, backup reserve, force-charge, hysteresis, calibration.

States (with ``hysteresis_pct`` between entering and leaving each, so they do not flap):

* force_charge: entered below ``force_charge_below_pct``, left at ``force_charge_until_pct``:
  ``pcs <= -force_charge_power_kw`` (charge at least that much);
* no_discharge: entered at/below the floor max(``soc_min_pct``, ``reserve_soc_pct``), left
  at floor + hysteresis: ``pcs <= 0``;
* no_charge: entered at/above ``soc_max_pct``, left at max - hysteresis: ``pcs >= 0``;
* calibration: a weekly window (local ``weekday``, ``start``, ``duration_h``) that lifts
  the max SOC and charges at ``power_kw`` until SOC reaches ``target_soc_pct`` (once per
  window), so the BMS can recalibrate at full charge.

Defaults follow OpenEMS's limiter: min 15 %, max 85 %, force-charge below 10 %.
Safe action on a bad/stale SOC: ``pcs == 0`` at this priority (states are kept).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.control.constraints import BAND_SOC_GUARDS, Constraint, Op
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import Clock, StrategyContext, StrategyParams


class CalibrationParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    weekday: int = Field(default=6, ge=0, le=6)  # 0 Monday .. 6 Sunday, station time
    start: dt.time = dt.time(0, 0)
    duration_h: float = Field(default=6.0, gt=0, le=24)
    power_kw: float = Field(default=100.0, gt=0)
    target_soc_pct: float = Field(default=100.0, gt=0, le=100)


class SocParams(StrategyParams):
    soc_min_pct: float = Field(default=15.0, ge=0, le=100)
    soc_max_pct: float = Field(default=85.0, ge=0, le=100)
    reserve_soc_pct: float = Field(default=0.0, ge=0, le=100)
    force_charge_below_pct: float = Field(default=10.0, ge=0, le=100)
    force_charge_until_pct: float = Field(default=15.0, ge=0, le=100)
    force_charge_power_kw: float = Field(default=50.0, gt=0)
    hysteresis_pct: float = Field(default=2.0, ge=0, le=20)
    calibration: CalibrationParams = Field(default_factory=CalibrationParams)

    @model_validator(mode="after")
    def _ordered(self) -> SocParams:
        if self.soc_min_pct > self.soc_max_pct:
            raise ValueError(
                f"soc_min_pct {self.soc_min_pct} is above soc_max_pct {self.soc_max_pct}"
            )
        if self.reserve_soc_pct > self.soc_max_pct:
            raise ValueError(
                f"reserve_soc_pct {self.reserve_soc_pct} is above soc_max_pct {self.soc_max_pct}"
            )
        if self.force_charge_below_pct > self.force_charge_until_pct:
            raise ValueError(
                f"force_charge_below_pct {self.force_charge_below_pct} is above "
                f"force_charge_until_pct {self.force_charge_until_pct}"
            )
        return self


class SocManagement:
    kind: ClassVar[str] = "soc_management"
    default_priority: ClassVar[int] = BAND_SOC_GUARDS
    params_model: ClassVar[type[StrategyParams]] = SocParams

    def __init__(
        self,
        params: SocParams,
        roles: SiteRoles | None = None,
        priority: int = BAND_SOC_GUARDS,
        timezone: str = "Asia/Shanghai",
        name: str = "soc_management",
    ) -> None:
        self.params = params
        self.roles = roles or SiteRoles()
        self.priority = priority
        self.name = name
        self.zone = ZoneInfo(timezone)
        self.force_charge = False
        self.no_discharge = False
        self.no_charge = False
        self.calibrated_window: float | None = None  # start of the window already completed

    @classmethod
    def create(cls, params: object, context: StrategyContext, priority: int) -> SocManagement:
        assert isinstance(params, SocParams)
        return cls(params, context.roles, priority, context.timezone)

    @property
    def inputs(self) -> Sequence[str]:
        return (self.roles.soc,)

    @property
    def state(self) -> str:
        for flag, name in (
            (self.force_charge, "force_charge"),
            (self.no_discharge, "no_discharge"),
            (self.no_charge, "no_charge"),
        ):
            if flag:
                return name
        return "normal"

    def calibration_window(self, ts: float) -> float | None:
        """Start (epoch s) of the calibration window containing ``ts``, or None."""
        cal = self.params.calibration
        if not cal.enabled:
            return None
        local = dt.datetime.fromtimestamp(ts, self.zone)
        for back in range(0, 8):
            day = local.date() - dt.timedelta(days=back)
            if day.weekday() != cal.weekday:
                continue
            start = dt.datetime.combine(day, cal.start, self.zone)
            if start.timestamp() <= ts < start.timestamp() + cal.duration_h * 3600:
                return start.timestamp()
        return None

    def _c(self, op: Op, value: float, reason: str) -> Constraint:
        return Constraint(self.roles.pcs_setpoint, op, value, self.name, self.priority, reason)

    def _update(self, soc: float) -> None:
        p, h = self.params, self.params.hysteresis_pct
        floor = max(p.soc_min_pct, p.reserve_soc_pct)
        if soc < p.force_charge_below_pct:
            self.force_charge = True
        elif soc >= p.force_charge_until_pct:
            self.force_charge = False
        if soc <= floor:
            self.no_discharge = True
        elif soc >= floor + h:
            self.no_discharge = False
        if soc >= p.soc_max_pct:
            self.no_charge = True
        elif soc <= p.soc_max_pct - h:
            self.no_charge = False

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]:
        p = self.params
        soc = snapshot.soc()
        if soc is None:
            return [self._c("eq", 0.0, "SOC unusable: 0 kW")]
        self._update(soc)
        now = clock.now()
        window = self.calibration_window(now)
        calibrating = window is not None and self.calibrated_window != window
        if calibrating and soc >= p.calibration.target_soc_pct:
            self.calibrated_window = window
            calibrating = False
        out: list[Constraint] = []
        if self.force_charge:
            out.append(
                self._c(
                    "max",
                    -p.force_charge_power_kw,
                    f"SOC {soc:g} % < {p.force_charge_below_pct:g} %: force charge",
                )
            )
        elif calibrating:
            out.append(
                self._c(
                    "max",
                    -p.calibration.power_kw,
                    f"calibration: charge to {p.calibration.target_soc_pct:g} %",
                )
            )
        if self.no_discharge and not self.force_charge:
            out.append(self._c("max", 0.0, f"SOC {soc:g} % at floor: no discharge"))
        if self.no_charge and not calibrating:
            out.append(self._c("min", 0.0, f"SOC {soc:g} % >= {p.soc_max_pct:g} %: no charge"))
        return out
