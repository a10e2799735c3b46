"""Export-limit violations of a backtest run: what the grid company would hold against it.

A step violates when its export is above ``limit + tolerance`` (the export guard's own
threshold); a quarter hour violates when its mean export is (what a 15-minute meter shows).
Energy is the export above the limit in the violating steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.backtest.series import QUARTER_S, FloatArray, quarter_means


@dataclass(frozen=True)
class ExportViolations:
    limit_kw: float  # inf: the station has no export limit
    tolerance_kw: float
    quarters: int = 0
    episodes: int = 0  # runs of consecutive violating steps
    energy_kwh: float = 0.0
    longest_min: float = 0.0

    @classmethod
    def from_steps(
        cls, grid_kw: FloatArray, step_s: int, limit_kw: float, tolerance_kw: float
    ) -> ExportViolations:
        if math.isinf(limit_kw) or grid_kw.size == 0:
            return cls(limit_kw, tolerance_kw)
        export = -grid_kw
        over = export > limit_kw + tolerance_kw
        edges = np.diff(np.concatenate(([0], over.astype(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        longest = int((ends - starts).max()) if starts.size else 0
        per = QUARTER_S // step_s
        whole = (grid_kw.size // per) * per
        quarters = -quarter_means(grid_kw[:whole], step_s) > limit_kw + tolerance_kw
        return cls(
            limit_kw,
            tolerance_kw,
            quarters=int(quarters.sum()),
            episodes=int(starts.size),
            energy_kwh=float((export[over] - limit_kw).sum() * step_s / 3600.0),
            longest_min=longest * step_s / 60.0,
        )

    def figures(self) -> dict[str, float | int]:
        return {
            "export_violation_quarters": self.quarters,
            "export_violation_count": self.episodes,
            "export_violation_kwh": round(self.energy_kwh, 3),
            "export_violation_longest_min": round(self.longest_min, 2),
        }
