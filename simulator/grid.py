"""The grid side: the LV bus voltages and frequency, and a revenue-grade meter.

The utility is an infinite bus: 50 Hz with a slow wander of a few hundredths of a hertz,
230/400 V with a little unbalance and a drop proportional to the power drawn through the
transformer. A meter integrates its power into kWh import/export counters (64-bit on the
wire) and keeps the last completed 15-minute average demand (需量), which tariffs charge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.noise import SmoothNoise

SQRT3 = math.sqrt(3.0)
DEMAND_WINDOW_S = 900.0


@dataclass(frozen=True)
class Bus:
    """Phase voltages (V) and frequency (Hz) of the site's LV bus; zeros when dead."""

    u_a: float
    u_b: float
    u_c: float
    freq: float

    @property
    def energised(self) -> bool:
        return self.freq > 0.0

    @property
    def u_avg(self) -> float:
        return (self.u_a + self.u_b + self.u_c) / 3.0

    def line_voltages(self) -> tuple[float, float, float]:
        """U_ab, U_bc, U_ca from the phase voltages (120° apart, small unbalance)."""

        def line(x: float, y: float) -> float:
            return math.sqrt(x * x + y * y + x * y)

        return line(self.u_a, self.u_b), line(self.u_b, self.u_c), line(self.u_c, self.u_a)

    def phase_currents(self, s_kva: float) -> tuple[float, float, float]:
        """Currents (A) when ``s_kva`` is shared evenly by the three phases."""
        if not self.energised or s_kva == 0.0:
            return 0.0, 0.0, 0.0
        per_phase = abs(s_kva) * 1000.0 / 3.0
        return per_phase / self.u_a, per_phase / self.u_b, per_phase / self.u_c


DEAD_BUS = Bus(0.0, 0.0, 0.0, 0.0)


class GridSource:
    """Voltage and frequency of the utility as seen on the LV bus."""

    def __init__(self, seed: int, u_nominal_v: float = 230.0, f_nominal_hz: float = 50.0) -> None:
        self.u_nominal_v = u_nominal_v
        self.f_nominal_hz = f_nominal_hz
        self._f = SmoothNoise(seed * 11 + 1, (5.0, 600.0), components=6)
        self._u = SmoothNoise(seed * 11 + 2, (60.0, 3600.0), components=4)

    def u_wander(self, t: float) -> float:
        """The utility's slow voltage wander, -1..1 (the HV side sees it too)."""
        return self._u.value(t)

    def bus(self, t: float, p_import_kw: float, energised: bool) -> Bus:
        if not energised:
            return DEAD_BUS
        # ~1.5 % drop at 1 MW drawn through the transformer, ±1 % slow wander
        u = self.u_nominal_v * (1.0 + 0.01 * self._u.value(t) - 1.5e-5 * p_import_kw)
        return Bus(u * 1.002, u * 0.998, u * 1.001, self.f_nominal_hz + 0.03 * self._f.value(t))


class Meter:
    """A three-phase meter on a feeder. Power > 0 flows into the site (import/consumption)."""

    def __init__(self, e_import_kwh: float = 0.0, e_export_kwh: float = 0.0) -> None:
        self.e_import_kwh = e_import_kwh
        self.e_export_kwh = e_export_kwh
        self.p_kw = 0.0
        self.q_kvar = 0.0
        self.p_demand_kw = 0.0
        self._window: int | None = None
        self._window_kwh = 0.0

    def step(self, t: float, dt_s: float, p_kw: float, q_kvar: float) -> None:
        hours = dt_s / 3600.0
        if p_kw >= 0:
            self.e_import_kwh += p_kw * hours
        else:
            self.e_export_kwh += -p_kw * hours
        self.p_kw, self.q_kvar = p_kw, q_kvar
        self._demand(t, dt_s, p_kw)

    def _demand(self, t: float, dt_s: float, p_kw: float) -> None:
        window = int(t // DEMAND_WINDOW_S)
        if self._window is not None and window != self._window:
            # a window just closed: its average import is the demand reading
            self.p_demand_kw = self._window_kwh * 3600.0 / DEMAND_WINDOW_S
            self._window_kwh = 0.0
        self._window = window
        self._window_kwh += max(p_kw, 0.0) * dt_s / 3600.0

    def reading(self, bus: Bus) -> dict[str, float]:
        s = math.hypot(self.p_kw, self.q_kvar)
        i_a, i_b, i_c = bus.phase_currents(s)
        u_ab, u_bc, u_ca = bus.line_voltages()
        return {
            "u_a": bus.u_a,
            "u_b": bus.u_b,
            "u_c": bus.u_c,
            "u_ab": u_ab,
            "u_bc": u_bc,
            "u_ca": u_ca,
            "i_a": i_a,
            "i_b": i_b,
            "i_c": i_c,
            "p": self.p_kw,
            "q": self.q_kvar,
            "s": s,
            # IEC sign: pf carries the sign of P (negative while exporting)
            "pf": self.p_kw / s if s > 0 else 1.0,
            "freq": bus.freq,
            "p_demand": self.p_demand_kw,
            "e_import": self.e_import_kwh,
            "e_export": self.e_export_kwh,
        }
