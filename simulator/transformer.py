"""The site's dry-type transformer (10 kV / 0.4 kV) with its winding-temperature controller.

Losses are no-load plus load losses times the loading squared; the HV-side power is the LV
power plus the losses. Each winding's temperature relaxes toward ambient plus a rise that
grows with loading^1.6 (IEC 60076-12 style exponent), with a fan that cuts the rise when
hot; above the alarm threshold a bit is set, above the trip threshold the incomer trips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.errors import WriteRejected

SQRT3 = math.sqrt(3.0)


@dataclass(frozen=True)
class TransformerParams:
    rating_kva: float = 1600.0
    no_load_loss_kw: float = 2.0
    load_loss_kw: float = 11.7
    magnetising_kvar: float = 8.0
    impedance_pu: float = 0.06
    u_hv_kv: float = 10.5
    rated_rise_k: float = 100.0
    rise_exponent: float = 1.6
    tau_s: float = 1800.0
    fan_on_c: float = 90.0
    fan_off_c: float = 80.0
    fan_rise_factor: float = 0.7
    t_alarm_c: float = 130.0
    t_trip_c: float = 150.0
    # the phases are not quite alike
    phase_rise: tuple[float, float, float] = (1.0, 1.03, 0.98)


class Transformer:
    def __init__(self, params: TransformerParams) -> None:
        self.params = params
        self.t_alarm_c = params.t_alarm_c
        self.t_trip_c = params.t_trip_c
        self.temps: list[float] | None = None
        self.fan_on = False
        self.p_lv_kw = 0.0
        self.q_lv_kvar = 0.0
        self.energised = True

    def settings(self) -> dict[str, float]:
        return {"t_alarm": self.t_alarm_c, "t_trip": self.t_trip_c}

    def write(self, point: str, value: float) -> None:
        if point == "t_alarm":
            if not 80.0 <= value <= 150.0:
                raise WriteRejected("t_alarm must be 80..150 °C")
            self.t_alarm_c = value
        elif point == "t_trip":
            if not 100.0 <= value <= 180.0:
                raise WriteRejected("t_trip must be 100..180 °C")
            self.t_trip_c = value
        else:
            raise WriteRejected(f"{point} is not writable")

    @property
    def s_lv_kva(self) -> float:
        return math.hypot(self.p_lv_kw, self.q_lv_kvar)

    @property
    def loading(self) -> float:
        return self.s_lv_kva / self.params.rating_kva

    @property
    def losses_kw(self) -> float:
        return self.params.no_load_loss_kw + self.params.load_loss_kw * self.loading**2

    @property
    def hottest_c(self) -> float:
        return max(self.temps) if self.temps else 0.0

    @property
    def over_trip(self) -> bool:
        return self.hottest_c > self.t_trip_c

    def step(self, dt_s: float, p_lv_kw: float, q_lv_kvar: float, ambient_c: float) -> None:
        prm = self.params
        self.p_lv_kw, self.q_lv_kvar = p_lv_kw, q_lv_kvar
        rise = prm.rated_rise_k * self.loading**prm.rise_exponent
        if self.fan_on:
            rise *= prm.fan_rise_factor
        targets = [ambient_c + 5.0 + rise * k for k in prm.phase_rise]
        if self.temps is None:
            self.temps = targets
        else:
            decay = math.exp(-dt_s / prm.tau_s)
            self.temps = [tg + (t - tg) * decay for t, tg in zip(self.temps, targets, strict=True)]
        hottest = max(self.temps)
        if hottest > prm.fan_on_c:
            self.fan_on = True
        elif hottest < prm.fan_off_c:
            self.fan_on = False

    def reading(self, u_hv_wander: float) -> dict[str, float]:
        prm = self.params
        temps = self.temps or [0.0, 0.0, 0.0]
        k = self.loading
        p_hv = self.p_lv_kw + self.losses_kw
        q_hv = self.q_lv_kvar + prm.magnetising_kvar + prm.impedance_pu * prm.rating_kva * k * k
        u_hv = prm.u_hv_kv * (1.0 + 0.005 * u_hv_wander)
        s_hv = math.hypot(p_hv, q_hv)
        hottest = max(temps)
        return {
            "temp_a": temps[0],
            "temp_b": temps[1],
            "temp_c": temps[2],
            "fan_on": self.fan_on,
            "alarm_over_temp": hottest > self.t_alarm_c,
            "trip_over_temp": hottest > self.t_trip_c,
            "sensor_fault": False,
            "energised": self.energised,
            "loading": 100.0 * k,
            "s": self.s_lv_kva,
            "p_hv": p_hv,
            "q_hv": q_hv,
            "losses": self.losses_kw,
            "u_hv": u_hv,
            "i_hv": s_hv / (SQRT3 * u_hv),
            "tap": 0.0,
            **self.settings(),
        }
