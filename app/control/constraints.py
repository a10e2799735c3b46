"""What a strategy asks for: a min / max / equals constraint on one controllable point.

Priority bands (higher wins; a strategy may emit constraints in a band other than its own
when part of its intent is weaker, e.g. demand control's "recharge when there is room"):

    safety 1000 > operator (manual) 900 > SOC guards 800 > grid limits 600
    > economics 400 > schedules 200

Signs follow architecture rule 7: PCS setpoint > 0 discharges; PV limits are in % of rating.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Op = Literal["min", "max", "eq"]

BAND_SAFETY = 1000
BAND_OPERATOR = 900
BAND_SOC_GUARDS = 800
BAND_GRID_LIMITS = 600
BAND_ECONOMICS = 400
BAND_SCHEDULES = 200


@dataclass(frozen=True)
class Constraint:
    """``point_id`` must be >= (min), <= (max) or == (eq) ``value``."""

    point_id: str
    op: Op
    value: float
    source: str
    priority: int
    reason: str = ""

    def __str__(self) -> str:
        sign = {"min": ">=", "max": "<=", "eq": "=="}[self.op]
        return (
            f"{self.point_id} {sign} {self.value:g} ({self.source}@{self.priority}: {self.reason})"
        )
