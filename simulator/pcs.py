"""The power conversion system in front of the battery: setpoint, ramp and watchdog.

Remote mode (what an EMS uses): the PCS follows ``p_set`` (kW, > 0 discharging) at
``ramp`` kW/s, clamped to its rating and to what the battery allows now. If the heartbeat
register has not been written with a *changed* value for ``watchdog_timeout`` seconds it
reverts: ``p_set`` becomes 0 kW and it ramps there (SunSpec models 123/145 behave alike).
Timeout 0 switches the watchdog off.

Local mode: a built-in self-consumption program, so the demo battery works without an EMS:
charge from PV surplus, shave import above ``peak_limit_kw``, top up in the valley tariff
hours. Writing ``p_set`` in local mode is refused, so no write silently does nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.battery import Battery
from simulator.errors import WriteRejected
from simulator.grid import Bus

MODE_REMOTE = 0
MODE_LOCAL = 1


@dataclass(frozen=True)
class PcsParams:
    rating_kw: float = 500.0
    ramp_kw_per_s: float = 100.0
    watchdog_timeout_s: float = 10.0
    efficiency: float = 0.985  # AC/DC conversion, for the DC-side readings
    igbt_alarm_c: float = 85.0
    # local program
    peak_limit_kw: float = 450.0
    valley_hours: tuple[float, float] = (0.0, 8.0)
    valley_charge_kw: float = 200.0
    valley_soc_max: float = 0.9
    local_soc_min: float = 0.1


class Pcs:
    def __init__(self, params: PcsParams, now: float, mode: int = MODE_REMOTE) -> None:
        self.params = params
        self.mode = mode
        self.running = True
        self.p_set_kw = 0.0
        self.ramp_kw_per_s = params.ramp_kw_per_s
        self.watchdog_timeout_s = params.watchdog_timeout_s
        self.heartbeat = 0
        self.last_heartbeat_t = now
        self.watchdog_expired = False
        self.p_kw = 0.0
        self.target_kw = 0.0
        self.derated = False
        self.connected = True
        self.t_igbt_c: float | None = None
        self.e_charge_kwh = 0.0
        self.e_discharge_kwh = 0.0

    # ---- control -----------------------------------------------------------------------
    def settings(self) -> dict[str, float]:
        return {
            "p_set": self.p_set_kw,
            "heartbeat": float(self.heartbeat),
            "watchdog_timeout": self.watchdog_timeout_s,
            "mode": float(self.mode),
            "run": 1.0 if self.running else 0.0,
            "ramp": self.ramp_kw_per_s,
        }

    def write(self, point: str, value: float, now: float) -> None:
        prm = self.params
        if point == "p_set":
            if self.mode != MODE_REMOTE:
                raise WriteRejected("p_set is only accepted in remote mode (mode = 0)")
            if abs(value) > prm.rating_kw:
                raise WriteRejected(f"p_set {value} kW exceeds the rating {prm.rating_kw} kW")
            self.p_set_kw = value
        elif point == "heartbeat":
            if int(value) != self.heartbeat:
                self.heartbeat = int(value)
                self.last_heartbeat_t = now
                self.watchdog_expired = False
        elif point == "watchdog_timeout":
            if not 0 <= value <= 600:
                raise WriteRejected("watchdog_timeout must be 0..600 s")
            self.watchdog_timeout_s = value
            self.last_heartbeat_t = now
        elif point == "mode":
            if value not in (MODE_REMOTE, MODE_LOCAL):
                raise WriteRejected("mode must be 0 (remote) or 1 (local)")
            if int(value) != self.mode:
                self.mode = int(value)
                # a fresh grace period, and no stale setpoint from before
                self.last_heartbeat_t = now
                self.watchdog_expired = False
                self.p_set_kw = 0.0
        elif point == "run":
            if value not in (0, 1):
                raise WriteRejected("run must be 0 (stop) or 1 (run)")
            self.running = bool(value)
        elif point == "ramp":
            if not 1 <= value <= 10 * prm.rating_kw:
                raise WriteRejected(f"ramp must be 1..{10 * prm.rating_kw} kW/s")
            self.ramp_kw_per_s = value
        else:
            raise WriteRejected(f"{point} is not writable")

    # ---- physics -----------------------------------------------------------------------
    def _check_watchdog(self, now: float) -> None:
        if self.mode != MODE_REMOTE or self.watchdog_timeout_s <= 0:
            return
        if not self.watchdog_expired and now - self.last_heartbeat_t > self.watchdog_timeout_s:
            self.watchdog_expired = True
            self.p_set_kw = 0.0  # revert: the EMS must command again once it is back

    def _local_target(self, battery: Battery, net_load_kw: float, local_hour: float) -> float:
        prm = self.params
        if net_load_kw < 0:  # PV surplus: store it
            return net_load_kw
        if net_load_kw > prm.peak_limit_kw and battery.soc > prm.local_soc_min:
            return net_load_kw - prm.peak_limit_kw
        start, end = prm.valley_hours
        if start <= local_hour < end and battery.soc < prm.valley_soc_max:
            return -prm.valley_charge_kw
        return 0.0

    def step(
        self,
        now: float,
        dt_s: float,
        battery: Battery,
        ambient_c: float,
        connected: bool,
        net_load_kw: float,
        local_hour: float,
    ) -> float:
        prm = self.params
        self.connected = connected
        self._check_watchdog(now)
        if self.mode == MODE_LOCAL:
            target = self._local_target(battery, net_load_kw, local_hour)
        else:
            target = 0.0 if self.watchdog_expired else self.p_set_kw
        if not (self.running and connected):
            target = 0.0
        self.target_kw = max(-prm.rating_kw, min(prm.rating_kw, target))
        if connected:
            step_kw = self.ramp_kw_per_s * dt_s
            request = self.p_kw + max(-step_kw, min(step_kw, self.target_kw - self.p_kw))
        else:
            request = 0.0  # disconnected: no current at all, no ramp
        actual = battery.step(request, dt_s, ambient_c)
        # limited by the battery (SOC/temperature derating), not by our own ramp
        self.derated = abs(actual - request) > 0.5 or (
            self.target_kw > battery.discharge_limit_kw() + 0.5
            or -self.target_kw > battery.charge_limit_kw() + 0.5
        )
        self.p_kw = actual
        hours = dt_s / 3600.0
        if actual > 0:
            self.e_discharge_kwh += actual * hours
        else:
            self.e_charge_kwh += -actual * hours
        heat = ambient_c + 10.0 + 45.0 * abs(actual) / prm.rating_kw
        if self.t_igbt_c is None:
            self.t_igbt_c = heat
        else:
            self.t_igbt_c = heat + (self.t_igbt_c - heat) * math.exp(-dt_s / 120.0)
        return actual

    def dc_kw(self) -> float:
        eff = self.params.efficiency
        return self.p_kw / eff if self.p_kw > 0 else self.p_kw * eff

    def reading(self, bus: Bus, battery: Battery) -> dict[str, float]:
        u_ab, u_bc, u_ca = bus.line_voltages()
        i_a, i_b, i_c = bus.phase_currents(self.p_kw)
        dc_v = battery.voltage_v(self.p_kw)
        dc_p = self.dc_kw()
        t_igbt = self.t_igbt_c if self.t_igbt_c is not None else 25.0
        active = self.running and self.connected
        return {
            "running": active and abs(self.p_kw) > 0.5,
            "standby": active and abs(self.p_kw) <= 0.5,
            "fault": False,
            "remote": self.mode == MODE_REMOTE,
            "watchdog_expired": self.watchdog_expired,
            "derated": self.derated,
            "grid_ok": self.connected,
            "alarm_igbt_temp": t_igbt > self.params.igbt_alarm_c,
            "alarm_grid": not self.connected,
            "p": self.p_kw,
            "q": 0.0,
            "pf": 1.0,
            "u_ab": u_ab,
            "u_bc": u_bc,
            "u_ca": u_ca,
            "i_a": i_a,
            "i_b": i_b,
            "i_c": i_c,
            "freq": bus.freq,
            "dc_v": dc_v,
            "dc_i": dc_p * 1000.0 / dc_v if dc_v > 0 else 0.0,
            "dc_p": dc_p,
            "temp_igbt": t_igbt,
            "p_avail_charge": min(self.params.rating_kw, battery.charge_limit_kw()),
            "p_avail_discharge": min(self.params.rating_kw, battery.discharge_limit_kw()),
            "e_charge_total": self.e_charge_kwh,
            "e_discharge_total": self.e_discharge_kwh,
            **self.settings(),
        }
