"""The result of one optimisation: per-step arrays, costs, status and, when it failed, why."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.optimizer.inputs import FloatArray

_EMPTY: FloatArray = np.zeros(0)


@dataclass(frozen=True)
class Plan:
    """A plan over ``len(battery_kw)`` steps starting at ``start_ts`` (UTC epoch seconds).

    ``battery_kw`` > 0 discharges, ``grid_kw`` > 0 imports (architecture rule 7).
    ``soc`` is the SOC at the END of each step; ``soc_start`` the SOC before step 0.
    ``objective`` = ``energy_cost`` + ``demand_cost`` (currency); the solver's tie-break
    term is not included. ``status`` is ``"optimal"``, ``"infeasible"`` or ``"error"``;
    when not optimal the arrays are empty and ``reason`` says why, in words.
    """

    status: str
    start_ts: float
    step_s: float
    battery_kw: FloatArray = field(default_factory=lambda: _EMPTY)
    grid_kw: FloatArray = field(default_factory=lambda: _EMPTY)
    soc: FloatArray = field(default_factory=lambda: _EMPTY)
    charge_kw: FloatArray = field(default_factory=lambda: _EMPTY)
    discharge_kw: FloatArray = field(default_factory=lambda: _EMPTY)
    import_kw: FloatArray = field(default_factory=lambda: _EMPTY)
    export_kw: FloatArray = field(default_factory=lambda: _EMPTY)
    curtail_kw: FloatArray = field(default_factory=lambda: _EMPTY)
    soc_start: float = float("nan")
    peak_import_kw: float = float("nan")  # this month's: max(peak so far, planned import)
    # past a month boundary in the horizon (``next_month_ts``): the next month's planned peak
    next_peak_import_kw: float = float("nan")
    next_month_ts: float | None = None
    energy_cost: float = float("nan")
    demand_cost: float = float("nan")
    objective: float = float("nan")
    reason: str = ""
    solver: str = ""
    used_mip: bool = False  # binaries were needed to forbid simultaneous charge/discharge

    @property
    def ok(self) -> bool:
        return self.status == "optimal"

    @property
    def n(self) -> int:
        return int(self.battery_kw.size)

    def timestamps(self) -> FloatArray:
        """UTC epoch seconds of the start of each step."""
        return self.start_ts + self.step_s * np.arange(self.n, dtype=np.float64)

    def peak_at(self, ts: float) -> float:
        """The planned peak import (kW) of the billing month holding ``ts``."""
        if self.next_month_ts is not None and ts >= self.next_month_ts:
            return self.next_peak_import_kw
        return self.peak_import_kw

    def setpoint_at(self, ts: float) -> float | None:
        """The battery setpoint (kW, > 0 discharging) for the step containing ``ts``."""
        if not self.ok or self.n == 0:
            return None
        i = int((ts - self.start_ts) // self.step_s)
        if 0 <= i < self.n:
            return float(self.battery_kw[i])
        return None
