"""One battery model for the simulator, the backtester and the optimiser: pure, no I/O.

Sign convention (architecture rule 7): power > 0 discharges, power < 0 charges; kW, AC side.

- Energy: charging stores ``|P| * eta_charge``, discharging draws ``P / eta_discharge`` from
  the cells; SOC is stored energy over usable capacity (nameplate times state of health).
- Power limits shrink near empty/full and outside a comfortable temperature band: the
  derating curves are (x, factor) tables interpolated linearly, so a site's BMS data sheet
  can be copied in as numbers.
- Cell temperature: one thermal mass heated by I²R-like losses (proportional to P²) and
  cooled toward the ambient through a thermal resistance, integrated exactly per step.
- Terminal voltage: an LFP open-circuit curve per cell times the cells in series, minus I·R.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

Curve = tuple[tuple[float, float], ...]


def _interp(x: float, curve: Curve) -> float:
    xs, ys = zip(*curve, strict=True)
    return float(np.interp(x, xs, ys))


@dataclass(frozen=True)
class BatteryParams:
    """Defaults: a 500 kW / 1 MWh LFP container (240 cells in series, ~768 V)."""

    capacity_kwh: float = 1000.0
    p_charge_max_kw: float = 500.0
    p_discharge_max_kw: float = 500.0
    eta_charge: float = 0.95
    eta_discharge: float = 0.95
    # factor on the power limits by SOC (0..1): taper the last 10 % at each end
    charge_derate_soc: Curve = ((0.0, 1.0), (0.90, 1.0), (1.0, 0.0))
    discharge_derate_soc: Curve = ((0.0, 0.0), (0.10, 1.0), (1.0, 1.0))
    # factor by cell temperature (°C): no charging below 0 °C, nothing above 55 °C
    charge_derate_temp: Curve = ((0.0, 0.0), (10.0, 1.0), (45.0, 1.0), (55.0, 0.0))
    discharge_derate_temp: Curve = ((-20.0, 0.0), (0.0, 0.6), (10.0, 1.0), (45.0, 1.0), (55.0, 0.0))
    # thermal: heat at rated power (kW), resistance to ambient (K/kW), heat capacity (kJ/K);
    # the time constant R*C is ~2 h, a rise of ~12 K at rated power continuously
    heat_at_rated_kw: float = 8.0
    thermal_resistance_k_per_kw: float = 1.5
    heat_capacity_kj_per_k: float = 5000.0
    # electrical
    cells_in_series: int = 240
    cell_ocv_curve: Curve = (
        (0.00, 2.90),
        (0.05, 3.15),
        (0.10, 3.21),
        (0.30, 3.26),
        (0.60, 3.29),
        (0.90, 3.33),
        (0.97, 3.40),
        (1.00, 3.55),
    )
    internal_resistance_ohm: float = 0.03
    # capacity fade per equivalent full cycle (fraction of nameplate)
    fade_per_cycle: float = 2e-5

    def __post_init__(self) -> None:
        if self.capacity_kwh <= 0:
            raise ValueError("capacity_kwh must be positive")
        if not (0 < self.eta_charge <= 1 and 0 < self.eta_discharge <= 1):
            raise ValueError("efficiencies must be in (0, 1]")
        if self.p_charge_max_kw < 0 or self.p_discharge_max_kw < 0:
            raise ValueError("power limits must not be negative")

    @property
    def rated_kw(self) -> float:
        return max(self.p_charge_max_kw, self.p_discharge_max_kw)


@dataclass
class Battery:
    """The state of one battery and the physics that moves it."""

    params: BatteryParams = field(default_factory=BatteryParams)
    soc: float = 0.5  # 0..1 of usable capacity
    temp_c: float = 25.0  # cell temperature (one lumped mass)
    soh: float = 1.0  # 0..1: usable capacity over nameplate
    p_kw: float = 0.0  # last actual power (> 0 discharging)
    charged_kwh: float = 0.0  # AC energy taken in, lifetime
    discharged_kwh: float = 0.0  # AC energy delivered, lifetime

    def __post_init__(self) -> None:
        if not 0.0 <= self.soc <= 1.0:
            raise ValueError(f"soc {self.soc} is outside 0..1")

    # ---- what the battery can do now -------------------------------------------------
    @property
    def usable_kwh(self) -> float:
        return self.params.capacity_kwh * self.soh

    @property
    def stored_kwh(self) -> float:
        return self.soc * self.usable_kwh

    def charge_limit_kw(self) -> float:
        """Largest charging power (a positive number) allowed by SOC and temperature."""
        p = self.params
        return (
            p.p_charge_max_kw
            * _interp(self.soc, p.charge_derate_soc)
            * _interp(self.temp_c, p.charge_derate_temp)
        )

    def discharge_limit_kw(self) -> float:
        """Largest discharging power allowed by SOC and temperature."""
        p = self.params
        return (
            p.p_discharge_max_kw
            * _interp(self.soc, p.discharge_derate_soc)
            * _interp(self.temp_c, p.discharge_derate_temp)
        )

    def clamp(self, p_request_kw: float, dt_s: float) -> float:
        """The request clamped to the power limits and to the energy there is for ``dt_s``."""
        p = min(max(p_request_kw, -self.charge_limit_kw()), self.discharge_limit_kw())
        if dt_s <= 0:
            return p
        hours = dt_s / 3600.0
        if p > 0:  # never draw more than is stored
            p = min(p, self.stored_kwh * self.params.eta_discharge / hours)
        elif p < 0:  # never store more than fits
            room = (1.0 - self.soc) * self.usable_kwh
            p = max(p, -room / (self.params.eta_charge * hours))
        return p

    # ---- physics -----------------------------------------------------------------------
    def step(self, p_request_kw: float, dt_s: float, ambient_c: float) -> float:
        """Run ``dt_s`` seconds at the requested power; return the actual power (kW)."""
        p = self.clamp(p_request_kw, dt_s)
        hours = max(dt_s, 0.0) / 3600.0
        if p > 0:
            cell_kwh = -p * hours / self.params.eta_discharge
            self.discharged_kwh += p * hours
        else:
            cell_kwh = -p * hours * self.params.eta_charge
            self.charged_kwh += -p * hours
        if self.usable_kwh > 0:
            self.soc = min(1.0, max(0.0, self.soc + cell_kwh / self.usable_kwh))
        self.soh = max(
            0.0,
            self.soh - self.params.fade_per_cycle * abs(cell_kwh) / 2 / self.params.capacity_kwh,
        )
        self._heat(p, dt_s, ambient_c)
        self.p_kw = p
        return p

    def _heat(self, p_kw: float, dt_s: float, ambient_c: float) -> None:
        prm = self.params
        heat_kw = prm.heat_at_rated_kw * (p_kw / prm.rated_kw) ** 2 if prm.rated_kw else 0.0
        steady = ambient_c + heat_kw * prm.thermal_resistance_k_per_kw
        tau_s = prm.thermal_resistance_k_per_kw * prm.heat_capacity_kj_per_k
        self.temp_c = steady + (self.temp_c - steady) * math.exp(-max(dt_s, 0.0) / tau_s)

    # ---- electrical view (what a BMS reports) -------------------------------------------
    def cell_ocv_v(self) -> float:
        return _interp(self.soc, self.params.cell_ocv_curve)

    def ocv_v(self) -> float:
        return self.cell_ocv_v() * self.params.cells_in_series

    def current_a(self, p_kw: float | None = None) -> float:
        """DC current (A, > 0 discharging) at ``p_kw`` (default: the last actual power)."""
        p = self.p_kw if p_kw is None else p_kw
        ocv = self.ocv_v()
        r = self.params.internal_resistance_ohm
        # solve P = I * (OCV - I R) for the smaller root; fall back to P / OCV
        disc = ocv * ocv - 4.0 * r * p * 1000.0
        if r <= 0 or disc < 0:
            return p * 1000.0 / ocv
        return (ocv - math.sqrt(disc)) / (2.0 * r)

    def voltage_v(self, p_kw: float | None = None) -> float:
        """Terminal voltage: sags when discharging, rises when charging."""
        return self.ocv_v() - self.current_a(p_kw) * self.params.internal_resistance_ohm

    @property
    def equivalent_cycles(self) -> float:
        return self.discharged_kwh / self.params.capacity_kwh
