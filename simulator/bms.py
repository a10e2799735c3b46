"""The battery management system's view of the battery: what its registers report.

Cell extremes spread around the lumped model: the warmest cell sits a little above the mean
temperature (more under load), voltages spread by a few millivolts plus the I·R drop of a
cell. Alarm thresholds are those of a typical LFP container.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.battery import Battery


@dataclass(frozen=True)
class BmsParams:
    soc_low: float = 0.10
    soc_high: float = 0.95
    t_high_c: float = 45.0
    t_low_c: float = 5.0
    cell_v_high: float = 3.60
    cell_v_low: float = 2.90
    cell_spread_v: float = 0.008
    cell_r_ohm: float = 0.0004


class Bms:
    def __init__(self, params: BmsParams, battery: Battery, connected: bool = True) -> None:
        self.params = params
        self.battery = battery
        self.contactor_closed = connected

    def reading(self) -> dict[str, float]:
        b, prm = self.battery, self.params
        p = b.p_kw
        i = b.current_a()
        load = abs(p) / b.params.rated_kw if b.params.rated_kw else 0.0
        cell_ocv = b.cell_ocv_v()
        cell_drop = i * prm.cell_r_ohm
        cell_v_max = cell_ocv - cell_drop + prm.cell_spread_v
        cell_v_min = cell_ocv - cell_drop - prm.cell_spread_v * (1.0 + load)
        t_max = b.temp_c + 1.5 + 2.0 * load
        t_min = b.temp_c - 1.0
        charge_max = b.charge_limit_kw()
        discharge_max = b.discharge_limit_kw()
        alarms = {
            "alarm_soc_low": b.soc < prm.soc_low,
            "alarm_soc_high": b.soc > prm.soc_high,
            "alarm_over_temp": t_max > prm.t_high_c,
            "alarm_under_temp": t_min < prm.t_low_c,
            "alarm_cell_over_v": cell_v_max > prm.cell_v_high,
            "alarm_cell_under_v": cell_v_min < prm.cell_v_low,
        }
        return {
            "soc": 100.0 * b.soc,
            "soh": 100.0 * b.soh,
            "v": b.voltage_v(),
            "i": i,
            "p": p,
            "cell_v_max": cell_v_max,
            "cell_v_min": cell_v_min,
            "cell_t_max": t_max,
            "cell_t_min": t_min,
            "p_charge_max": charge_max,
            "p_discharge_max": discharge_max,
            "e_remaining": b.stored_kwh,
            "contactor_closed": self.contactor_closed,
            "charging": p < -0.5,
            "discharging": p > 0.5,
            "full": charge_max < 0.5,
            "empty": discharge_max < 0.5,
            "warning": any(alarms.values()),
            "fault": False,
            **alarms,
            "cycles": b.equivalent_cycles,
            "e_charge_total": b.charged_kwh,
            "e_discharge_total": b.discharged_kwh,
        }
