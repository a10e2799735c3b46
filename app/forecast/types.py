"""The value a forecast returns: kW per step, where it starts, and how it was made."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Forecast:
    """``values[i]`` is the mean kW over ``[start_ts + i*step_s, start_ts + (i+1)*step_s)``."""

    values: FloatArray
    start_ts: float  # UTC epoch seconds
    step_s: float
    method: str  # in words, e.g. "same-weekday mean of 4 days"

    def timestamps(self) -> FloatArray:
        return self.start_ts + self.step_s * np.arange(self.values.size, dtype=np.float64)
