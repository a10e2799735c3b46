"""Helpers shared by the history tests (no tests here): data folders, writers, clocks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.config.schema import HistoryConfig, I18nText
from app.history import HistoryWriter, history_path
from app.model import PointSpec
from app.points import PointValue, Quality

T0 = 1_764_000_000.0  # 2025-11-24T16:00:00Z: on an hour (and so a minute) boundary
KEEP_FOREVER = {"raw": 0, "1m": 0, "15m": 0, "1h": 0}
Sample = tuple[float, Any, Quality]


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def spec(point_id: str, kind: str = "analog", unit: str = "") -> PointSpec:
    return PointSpec(id=point_id, name=I18nText(en=point_id), unit=unit, kind=kind)  # type: ignore[arg-type]


def config(retention: Mapping[str, int] | None = None, **kw: Any) -> HistoryConfig:
    return HistoryConfig(retention_days=dict(retention or KEEP_FOREVER), **kw)  # type: ignore[arg-type]


@contextmanager
def open_writer(
    folder: Path,
    points: Iterable[PointSpec] = (),
    clock: FakeClock | None = None,
    retention: Mapping[str, int] | None = None,
    **kw: Any,
) -> Iterator[HistoryWriter]:
    writer = HistoryWriter(
        history_path(folder),
        points=list(points),
        config=config(retention),
        clock=clock or FakeClock(T0 + 10 * 86400),  # far later: every bucket is closed
        **kw,
    )
    try:
        yield writer
    finally:
        writer.close()


def submit_series(writer: HistoryWriter, series: Mapping[str, Iterable[Sample]]) -> None:
    """Submit each (ts, value, quality) as its own one-point batch, then wait for the commit."""
    for point_id, samples in series.items():
        for ts, value, quality in samples:
            writer.submit({point_id: PointValue(value, ts, quality)})
    assert writer.flush(timeout=30)


def write_series(
    folder: Path,
    series: Mapping[str, Iterable[Sample]],
    points: Iterable[PointSpec] = (),
    clock: FakeClock | None = None,
) -> None:
    with open_writer(folder, points, clock) as writer:
        submit_series(writer, series)


G, U = Quality.GOOD, Quality.UNCERTAIN
