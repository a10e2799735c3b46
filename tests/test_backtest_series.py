"""Backtest input series: CSV parsing and its errors (file, line, value), generation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.backtest import SeriesError, read_series_csv, write_series_csv
from app.backtest.series import on_grid, quarter_means


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "series.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_a_good_file_and_round_trips(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "timestamp,kw\n2026-07-01T00:00:00Z,100\n2026-07-01T00:15:00+00:00,110.5\n"
        "2026-07-01T00:30:00Z,-5\n",
    )
    s = read_series_csv(path)
    assert s.step_s == 900
    assert s.kw.tolist() == [100.0, 110.5, -5.0]
    assert s.ts[0] == 1782864000.0
    out = tmp_path / "again.csv"
    write_series_csv(out, s.ts, s.kw)
    again = read_series_csv(out)
    assert np.array_equal(again.ts, s.ts) and np.array_equal(again.kw, s.kw)


@pytest.mark.parametrize(
    ("text", "where", "value"),
    [
        ("timestamp,kw\n2026-07-01T00:00:00Z,1\n2026-07-01T00:15:00Z,abc\n", ":3", "'abc'"),
        ("timestamp,kw\n2026-07-01T00:00:00Z,1\nyesterday,2\n", ":3", "'yesterday'"),
        ("timestamp,kw\n2026-07-01T00:00:00Z,1\n2026-07-01T00:15:00Z,nan\n", ":3", "'nan'"),
        ("timestamp,kw\n2026-07-01T00:15:00Z,1\n2026-07-01T00:00:00Z,2\n", ":3", "not after"),
        (
            "timestamp,kw\n2026-07-01T00:00:00Z,1\n2026-07-01T00:15:00Z,1\n"
            "2026-07-01T00:45:00Z,1\n",
            ":4",
            "2026-07-01T00:45:00Z",
        ),
        ("time,power\n2026-07-01T00:00:00Z,1\n", ":1", "'time,power'"),
        ("timestamp,kw\n2026-07-01T00:00:00Z\n2026-07-01T00:15:00Z,1\n", ":2", "2 columns"),
    ],
)
def test_bad_rows_name_file_line_and_value(
    tmp_path: Path, text: str, where: str, value: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SeriesError) as exc:
        read_series_csv(path)
    message = str(exc.value)
    assert f"{path}{where}" in message
    assert value in message


def test_coarser_than_15_minutes_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "timestamp,kw\n2026-07-01T00:00:00Z,1\n2026-07-01T01:00:00Z,1\n")
    with pytest.raises(SeriesError, match="15 minutes or finer"):
        read_series_csv(path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SeriesError, match=r"nope\.csv"):
        read_series_csv(tmp_path / "nope.csv")


def test_resampling_holds_values_and_checks_coverage(tmp_path: Path) -> None:
    path = write(tmp_path, "timestamp,kw\n2026-07-01T00:00:00Z,100\n2026-07-01T00:15:00Z,200\n")
    s = read_series_csv(path)
    grid = on_grid(s, float(s.ts[0]), 30, 60, "load")
    assert grid[:15].tolist() == [100.0] * 15 and grid[15:].tolist() == [200.0] * 15
    assert quarter_means(grid, 60).tolist() == [100.0, 200.0]
    with pytest.raises(SeriesError, match="covers"):
        on_grid(s, float(s.ts[0]), 31, 60, "load")


def test_simulated_series_are_deterministic() -> None:
    from app.config.loader import load_station
    from app.paths import DEMO_STATION
    from simulator.series import simulated_series

    station = load_station(DEMO_STATION)
    start = 1782835200.0  # 2026-07-01 00:00 Asia/Shanghai
    a = simulated_series(station, start, 0.5, 300, seed=3)
    b = simulated_series(station, start, 0.5, 300, seed=3)
    assert np.array_equal(a[0].kw, b[0].kw) and np.array_equal(a[1].kw, b[1].kw)
    assert a[0].kw.min() > 0 and a[1].kw.max() > 100  # a day's load, PV by noon
