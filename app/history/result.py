"""What a history query returns: numpy columns, oldest first, and the resolution used."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.points import Quality


def empty() -> np.ndarray:
    return np.empty(0, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class QueryResult:
    """Raw samples, or rollup buckets (``ts`` is then the bucket start, ``value`` its avg).

    ``value`` is NaN where nothing usable was stored (a bad sample without a value, a bucket
    without good or uncertain samples). ``quality`` holds Quality codes: a sample's own, or a
    bucket's worst. The rollup-only columns are None for raw results.
    """

    point_id: str
    resolution: str  # raw, 1m, 15m or 1h
    ts: np.ndarray = field(default_factory=empty)  # UTC epoch seconds, float64
    value: np.ndarray = field(default_factory=empty)
    quality: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int16))
    min: np.ndarray | None = None
    max: np.ndarray | None = None
    last: np.ndarray | None = None
    delta: np.ndarray | None = None  # counters: increase over each bucket; NaN otherwise
    count: np.ndarray | None = None  # samples in each bucket
    good_count: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ts)

    @property
    def is_rollup(self) -> bool:
        return self.resolution != "raw"


def quality_of(code: int) -> Quality:
    """The Quality of a stored code; a code this version does not know reads as bad."""
    try:
        return Quality(int(code))
    except ValueError:
        return Quality.BAD
