"""The backtest's plant: the shared battery model behind a ramping PCS, and curtailable PV.

Per control step of ``dt`` seconds (values held over the step):

* PV: the available power is split over the inverters by rating; each delivers
  ``min(available share, p_limit % x rating)`` (the inverters' limit points);
* PCS: the power moves from its last value toward the setpoint at ``ramp_kw_per_s``
  (the simulator's PCS default, 100 kW/s); the battery runs the step at the ramp's
  average power through ``app.battery.Battery.step`` (which clamps to the BMS limits and
  the stored energy);
* grid = load - pv_used - bess (> 0 importing, architecture rule 7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.battery import Battery
from app.control.snapshot import SiteRoles, Snapshot
from app.points import PointValue


@dataclass
class StepResult:
    pv_kw: float  # PV delivered after curtailment
    bess_kw: float  # battery average over the step (> 0 discharging)
    grid_kw: float


class BacktestPlant:
    def __init__(
        self,
        battery: Battery,
        roles: SiteRoles,
        ramp_kw_per_s: float = 100.0,
        ambient_c: float = 25.0,
    ) -> None:
        self.battery = battery
        self.roles = roles
        self.ramp_kw_per_s = ramp_kw_per_s
        self.ambient_c = ambient_c
        self.pcs_kw = 0.0  # the PCS's power at the end of the last step
        n = len(roles.pv_limits)
        self.pv_limits_pct = [100.0] * n
        total = sum(roles.pv_ratings_kw)
        self._shares = [r / total if total > 0 else 1.0 / max(n, 1) for r in roles.pv_ratings_kw]

    def pv_delivered(self, available_kw: float) -> float:
        """PV after the inverters' limits (all of it when the station has no inverters)."""
        if not self.roles.pv_limits:
            return available_kw
        out = 0.0
        for share, rating, pct in zip(
            self._shares, self.roles.pv_ratings_kw, self.pv_limits_pct, strict=True
        ):
            out += min(available_kw * share, rating * pct / 100.0)
        return out

    def snapshot(self, ts: float, load_kw: float, pv_available_kw: float) -> Snapshot:
        """What the meters and the BMS read at ``ts`` (before this step's setpoints)."""
        r, b = self.roles, self.battery
        pv = self.pv_delivered(pv_available_kw)
        values = {
            r.grid_p: PointValue(load_kw - pv - self.pcs_kw, ts),
            r.bess_p: PointValue(self.pcs_kw, ts),
            r.pv_p: PointValue(pv, ts),
            r.load_p: PointValue(load_kw, ts),
            r.soc: PointValue(b.soc * 100.0, ts),
            r.bms_charge_max: PointValue(b.charge_limit_kw(), ts),
            r.bms_discharge_max: PointValue(b.discharge_limit_kw(), ts),
            r.cell_t_max: PointValue(b.temp_c, ts),
        }
        return Snapshot(values, ts, r)

    def apply(self, setpoints: dict[str, float]) -> None:
        for i, pid in enumerate(self.roles.pv_limits):
            if pid in setpoints:
                self.pv_limits_pct[i] = setpoints[pid]

    def step(
        self, setpoint_kw: float, dt_s: float, load_kw: float, pv_available_kw: float
    ) -> StepResult:
        start, delta = self.pcs_kw, setpoint_kw - self.pcs_kw
        reach = self.ramp_kw_per_s * dt_s
        if abs(delta) <= reach:
            t_ramp = abs(delta) / self.ramp_kw_per_s if self.ramp_kw_per_s > 0 else 0.0
            average = setpoint_kw - delta * t_ramp / (2.0 * dt_s)
            end = setpoint_kw
        else:
            end = start + math.copysign(reach, delta)
            average = start + math.copysign(reach, delta) / 2.0
        actual = self.battery.step(average, dt_s, self.ambient_c)
        self.pcs_kw = end if actual == average else actual
        pv = self.pv_delivered(pv_available_kw)
        return StepResult(pv, actual, load_kw - pv - actual)
