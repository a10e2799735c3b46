"""Load and PV series from recorded history (a data folder's SQLite history, 15-min rollups).

The station's ``site.load_p`` and ``site.pv_p`` roles (kW averages per quarter hour). PV from
history is what was delivered: curtailed intervals read low. Every quarter hour of the
period must have a value; a gap is an error naming the point and the first missing time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from app.backtest.series import QUARTER_S, Series, SeriesError
from app.history import HistoryError, HistoryReader
from app.history.schema import history_path


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")


def history_series(data_dir: str | Path, point_id: str, start_ts: float, days: float) -> Series:
    n = round(days * 86400 / QUARTER_S) + 1
    grid = start_ts + QUARTER_S * np.arange(n, dtype=np.float64)
    path = history_path(data_dir)
    if not path.exists():
        raise SeriesError(f"{path}: no history database in {data_dir}")
    try:
        with HistoryReader(path) as reader:
            result = reader.query(point_id, float(grid[0]), float(grid[-1]), "15m")
    except HistoryError as exc:
        raise SeriesError(f"{path}: {point_id}: {exc}") from None
    kw = np.full(n, np.nan)
    index = np.round((result.ts - start_ts) / QUARTER_S).astype(np.int64)
    inside = (index >= 0) & (index < n)
    kw[index[inside]] = result.value[inside]
    missing = np.flatnonzero(~np.isfinite(kw[:-1]))
    if missing.size:
        raise SeriesError(
            f"{path}: {point_id} has no value for {missing.size} of {n - 1} quarter hours "
            f"(first missing {_iso(float(grid[missing[0]]))})"
        )
    kw[-1] = kw[-2] if not np.isfinite(kw[-1]) else kw[-1]
    return Series(grid, kw, QUARTER_S, f"{path} {point_id}")
