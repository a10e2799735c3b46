"""Data behind one trend curve: live samples in a ring buffer joined to loaded history.

Pure numpy, no Qt, so the join can be tested on its own. Bad-quality samples are stored as
NaN, which the plot draws as a gap (``connect='finite'``); a long silence in the data is
turned into a gap too, so a line is never drawn across a period with no samples.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.points import PointValue, Quality

LIVE_CAPACITY = 90_000  # a day of 1 s samples, plus margin
MIN_GAP_S = 60.0  # never bridge more than this...
GAP_FACTOR = 5.0  # ...or this many typical sample steps, whichever is larger

_EMPTY = np.empty(0, dtype=float)


class RingBuffer:
    """Fixed-size (ts, value) store; the oldest samples drop off when full."""

    def __init__(self, capacity: int = LIVE_CAPACITY) -> None:
        self._ts = np.empty(capacity, dtype=float)
        self._v = np.empty(capacity, dtype=float)
        self._next = 0
        self._len = 0

    def __len__(self) -> int:
        return self._len

    @property
    def capacity(self) -> int:
        return len(self._ts)

    def append(self, ts: float, value: float) -> None:
        self._ts[self._next] = ts
        self._v[self._next] = value
        self._next = (self._next + 1) % self.capacity
        self._len = min(self._len + 1, self.capacity)

    def last(self) -> tuple[float, float] | None:
        if not self._len:
            return None
        i = (self._next - 1) % self.capacity
        return float(self._ts[i]), float(self._v[i])

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the samples, oldest first."""
        if self._len < self.capacity:
            return self._ts[: self._len].copy(), self._v[: self._len].copy()
        order = np.r_[self._next : self.capacity, 0 : self._next]
        return self._ts[order], self._v[order]


def with_gaps(ts: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Insert a NaN wherever consecutive samples are much further apart than usual."""
    if len(ts) < 3:
        return ts, v
    steps = np.diff(ts)
    limit = max(MIN_GAP_S, GAP_FACTOR * float(np.median(steps)))
    where = np.nonzero(steps > limit)[0] + 1
    if not len(where):
        return ts, v
    return np.insert(ts, where, ts[where - 1] + steps[where - 1] / 2), np.insert(v, where, np.nan)


class TrendSeries:
    def __init__(self, point_id: str, capacity: int = LIVE_CAPACITY) -> None:
        self.point_id = point_id
        self.live = RingBuffer(capacity)
        self.hist_ts = _EMPTY
        self.hist_v = _EMPTY
        self.generation = 0  # bumped per history request, so a stale answer is dropped

    def add(self, pv: PointValue) -> None:
        """Append a live sample; bad quality becomes a gap. Out-of-order samples are ignored."""
        last = self.live.last()
        if last is not None and pv.ts <= last[0]:
            return
        bad = pv.quality.is_bad or pv.value is None
        self.live.append(pv.ts, math.nan if bad else float(pv.value))  # type: ignore[arg-type]

    def set_history(self, result: Any) -> None:
        """Take a history query result (``.ts``, ``.value``, ``.quality`` codes, ``.resolution``).

        Raw samples with bad quality become gaps even where a value was kept (comm_lost keeps
        the last one). A rollup bucket's value is already NaN when it had nothing usable; its
        quality is the worst in the bucket, so it is not used to blank a bucket that has data.
        """
        ts = np.asarray(result.ts, dtype=float)
        v = np.array(result.value, dtype=float)  # a copy: we may blank bad samples
        quality = getattr(result, "quality", None)
        raw = getattr(result, "resolution", "raw") == "raw"
        if raw and quality is not None and len(quality) == len(v):
            v[_codes(quality) >= Quality.BAD] = np.nan
        self.hist_ts, self.hist_v = ts, v

    def joined(self, now: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """History up to the first live sample, then the live samples; oldest first.

        With ``now``, the last good live value is held to ``now`` (the point table still shows
        it as current, so the curve reaches the right edge instead of stopping at the last
        change). History alone is never held: its last sample may be from before a shutdown.
        """
        live_ts, live_v = self.live.arrays()
        if len(live_ts):
            keep = self.hist_ts < live_ts[0]
            ts = np.concatenate((self.hist_ts[keep], live_ts))
            v = np.concatenate((self.hist_v[keep], live_v))
        else:
            ts, v = self.hist_ts, self.hist_v
        ts, v = with_gaps(ts, v)
        if now is not None and len(live_ts) and now > ts[-1] and math.isfinite(v[-1]):
            ts = np.append(ts, now)
            v = np.append(v, v[-1])
        return ts, v


def _codes(quality: Any) -> np.ndarray:
    """Quality codes as ints; strings such as 'bad:comm_lost' are accepted too."""
    arr = np.asarray(quality)
    if arr.dtype.kind in "iu":
        return arr.astype(int)
    return np.array([int(Quality.parse(q)) if isinstance(q, str) else int(q) for q in arr])
