"""A PV array and its inverter: pvlib's PVWatts DC and inverter models, with curtailment.

Per step: module temperature relaxes toward pvlib's Faiman steady state (a module takes
minutes to warm up), DC power follows PVWatts at that temperature, the inverter's part-load
efficiency and AC rating follow pvlib's PVWatts inverter, and the writable active power
limit (% of the AC rating) curtails the result. Below a few W/m² the inverter stands by.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pvlib

from simulator.errors import WriteRejected
from simulator.grid import Bus


@dataclass(frozen=True)
class PvInverterParams:
    dc_kwp: float = 500.0
    ac_kw: float = 500.0
    gamma_pdc_per_k: float = -0.0037
    eta_nominal: float = 0.985
    v_mpp_stc: float = 720.0
    v_temp_coeff_per_k: float = -0.0029
    module_tau_s: float = 300.0
    wake_poa_w_m2: float = 8.0
    # the same cloud reaches this array this much later (arrays are metres apart)
    cloud_lag_s: float = 0.0


class PvInverter:
    def __init__(self, params: PvInverterParams, e_total_kwh: float = 0.0) -> None:
        self.params = params
        self.p_limit_pct = 100.0
        self.e_total_kwh = e_total_kwh
        self.e_today_kwh = 0.0
        self.t_module_c: float | None = None
        self.t_internal_c: float | None = None
        self.p_kw = 0.0
        self.p_available_kw = 0.0
        self.dc_kw = 0.0
        self.dc_v = 0.0
        self.standby = True
        self.grid_lost = False
        self.curtailed = False
        self._day: date | None = None

    # ---- control -----------------------------------------------------------------------
    def settings(self) -> dict[str, float]:
        return {"p_limit": self.p_limit_pct}

    def write(self, point: str, value: float) -> None:
        if point != "p_limit":
            raise WriteRejected(f"{point} is not writable")
        if not 0.0 <= value <= 100.0:
            raise WriteRejected(f"p_limit {value} is outside 0..100 %")
        self.p_limit_pct = value

    # ---- physics -----------------------------------------------------------------------
    def step(
        self, dt_s: float, poa: float, t_amb: float, wind: float, connected: bool, day: date
    ) -> float:
        prm = self.params
        if self._day != day:
            self._day, self.e_today_kwh = day, 0.0
        target = float(pvlib.temperature.faiman(poa, t_amb, wind))
        self.t_module_c = _relax(self.t_module_c, target, dt_s, prm.module_tau_s)
        dc_avail = max(
            0.0,
            float(pvlib.pvsystem.pvwatts_dc(poa, self.t_module_c, prm.dc_kwp, prm.gamma_pdc_per_k)),
        )
        pdc0 = prm.ac_kw / prm.eta_nominal
        ac_avail = max(0.0, float(pvlib.inverter.pvwatts(dc_avail, pdc0, prm.eta_nominal)))
        self.grid_lost = not connected
        self.standby = (not connected) or poa < prm.wake_poa_w_m2 or ac_avail <= 0.0
        self.p_available_kw = 0.0 if self.standby else ac_avail
        limit_kw = prm.ac_kw * self.p_limit_pct / 100.0
        self.p_kw = min(self.p_available_kw, limit_kw)
        self.curtailed = self.p_available_kw > limit_kw + 0.5
        eff = ac_avail / dc_avail if dc_avail > 0 else prm.eta_nominal
        self.dc_kw = self.p_kw / eff if self.p_kw > 0 else 0.0
        self._dc_voltage(poa, limit_kw)
        internal = t_amb + 8.0 + 25.0 * self.p_kw / prm.ac_kw
        self.t_internal_c = _relax(self.t_internal_c, internal, dt_s, 600.0)
        kwh = self.p_kw * dt_s / 3600.0
        self.e_total_kwh += kwh
        self.e_today_kwh += kwh
        return self.p_kw

    def _dc_voltage(self, poa: float, limit_kw: float) -> None:
        prm = self.params
        if poa < 1.0:
            self.dc_v = 0.0
            return
        t = self.t_module_c if self.t_module_c is not None else 25.0
        v_mpp = prm.v_mpp_stc * (1.0 + prm.v_temp_coeff_per_k * (t - 25.0))
        if self.standby:
            v_mpp *= 1.2  # open circuit: no current drawn
        elif self.curtailed and self.p_available_kw > 0:
            # curtailing moves the operating point off the MPP toward open circuit
            v_mpp *= 1.0 + 0.2 * (1.0 - limit_kw / self.p_available_kw)
        # very weak light lowers the voltage a little (log of irradiance)
        self.dc_v = v_mpp * (1.0 + 0.05 * math.log10(max(poa, 1.0) / 1000.0))

    def reading(self, bus: Bus) -> dict[str, float]:
        u_ab, u_bc, u_ca = bus.line_voltages()
        i_a, i_b, i_c = bus.phase_currents(self.p_kw)
        running = not self.standby
        return {
            "running": running,
            "standby": self.standby,
            "curtailed": self.curtailed,
            "fault": False,
            "grid_lost": self.grid_lost,
            "dc_v": self.dc_v,
            "dc_i": self.dc_kw * 1000.0 / self.dc_v if self.dc_v > 0 else 0.0,
            "dc_p": self.dc_kw,
            "u_ab": u_ab,
            "u_bc": u_bc,
            "u_ca": u_ca,
            "i_a": i_a,
            "i_b": i_b,
            "i_c": i_c,
            "p": self.p_kw,
            "q": 0.0,
            "pf": 1.0,
            "freq": bus.freq,
            "efficiency": 100.0 * self.p_kw / self.dc_kw if self.dc_kw > 0 else 0.0,
            "temp": self.t_internal_c if self.t_internal_c is not None else 25.0,
            "e_total": self.e_total_kwh,
            "e_today": self.e_today_kwh,
            "p_limit": self.p_limit_pct,
        }


def _relax(current: float | None, target: float, dt_s: float, tau_s: float) -> float:
    """First-order lag toward ``target``; starts at the target."""
    if current is None:
        return target
    return target + (current - target) * math.exp(-max(dt_s, 0.0) / tau_s)
