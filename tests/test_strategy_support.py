"""Helpers for the control and strategy tests: a fake clock, snapshot builder, cycle tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from app.control import Constraint, SiteRoles, Snapshot, Strategy
from app.points import PointValue, Quality

ROLES = SiteRoles()
PCS = ROLES.pcs_setpoint
PV1, PV2 = ROLES.pv_limits

ALIASES = {
    "grid": ROLES.grid_p,
    "bess": ROLES.bess_p,
    "pv": ROLES.pv_p,
    "load": ROLES.load_p,
    "soc": ROLES.soc,
    "charge_max": ROLES.bms_charge_max,
    "discharge_max": ROLES.bms_discharge_max,
    "temp": ROLES.cell_t_max,
}
DEFAULTS: dict[str, float] = {
    "grid": 300.0,
    "bess": 0.0,
    "pv": 200.0,
    "soc": 60.0,
    "charge_max": 500.0,
    "discharge_max": 500.0,
    "temp": 30.0,
}
T0 = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC (08:00 in Shanghai), a quarter-hour boundary


@dataclass
class FakeClock:
    t: float = T0

    def now(self) -> float:
        return self.t


def snap(
    ts: float = T0,
    bad: Iterable[str] = (),
    stale: Iterable[str] = (),
    missing: Iterable[str] = (),
    roles: SiteRoles = ROLES,
    **values: float,
) -> Snapshot:
    """A snapshot of good, fresh inputs (DEFAULTS overridden by ``values``).

    The load follows from the balance (load = pv + grid + bess) unless given, as on the plant.
    """
    merged = {**DEFAULTS, **values}
    merged.setdefault("load", merged["pv"] + merged["grid"] + merged["bess"])
    out: dict[str, PointValue] = {}
    for alias, v in merged.items():
        if alias in missing:
            continue
        pid = ALIASES.get(alias, alias)
        quality = Quality.BAD_COMM_LOST if alias in bad else Quality.GOOD
        age = 60.0 if alias in stale else 0.0
        out[pid] = PointValue(v, ts - age, quality)
    return Snapshot(out, ts, roles)


def triples(constraints: Sequence[Constraint]) -> list[tuple[str, str, float]]:
    return [(c.point_id, c.op, round(c.value, 1)) for c in constraints]


def run_table(
    strategy: Strategy, table: Sequence[tuple[float, dict[str, Any], list[tuple[str, str, float]]]]
) -> None:
    """Each row: (seconds after T0, inputs, expected (point, op, value) triples)."""
    clock = FakeClock()
    for i, (dt, inputs, expected) in enumerate(table):
        clock.t = T0 + dt
        got = triples(strategy.compute(snap(clock.t, **inputs), clock))
        assert got == [(p, o, pytest.approx(v, abs=0.1)) for p, o, v in expected], (
            f"row {i} (t+{dt} s, {inputs}): got {got}"
        )
