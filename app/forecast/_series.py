"""Shared helpers: plain arrays of UTC epoch seconds to a local-time, step-binned series."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


def binned(ts: ArrayLike, kw: ArrayLike, step_s: float, tz: str) -> pd.Series:
    """Mean kW per step (bins aligned to the epoch), indexed by local bin start times.

    NaN and infinite samples are dropped (bad-quality history is no information).
    """
    t = np.asarray(ts, dtype=np.float64).reshape(-1)
    v = np.asarray(kw, dtype=np.float64).reshape(-1)
    if t.size != v.size:
        raise ValueError(f"history has {t.size} timestamps but {v.size} values")
    good = np.isfinite(t) & np.isfinite(v)
    t, v = t[good], v[good]
    if t.size == 0:
        return pd.Series(dtype=np.float64)
    start = np.floor(t / step_s) * step_s
    s = pd.Series(v).groupby(start).mean()
    idx = pd.to_datetime(np.asarray(s.index, dtype=np.float64), unit="s", utc=True)
    return pd.Series(s.to_numpy(dtype=np.float64), index=idx.tz_convert(tz))


def local_steps(start_ts: float, steps: int, step_s: float, tz: str) -> pd.DatetimeIndex:
    """Local start times of the ``steps`` steps from ``start_ts``."""
    t = start_ts + step_s * np.arange(steps, dtype=np.float64)
    return pd.DatetimeIndex(pd.to_datetime(t, unit="s", utc=True)).tz_convert(tz)


def slot_of_day(index: pd.DatetimeIndex, step_s: float) -> np.ndarray:
    """Local time of day in steps (0 .. 86400/step_s - 1)."""
    seconds = index.hour * 3600 + index.minute * 60 + index.second
    return (np.asarray(seconds) // int(step_s)).astype(np.int64)
