"""The stored resolutions: raw samples and 1 min / 15 min / 1 h rollups.

``auto`` picks the finest resolution whose typical row count for the span stays at a few
thousand (at the usual 1 s polling) and whose retention still covers the span's start.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resolution:
    name: str  # as in the CLI and the config: raw, 1m, 15m, 1h
    table: str
    seconds: int  # bucket width; 0 for raw samples
    auto_max_span_s: float  # 'auto' uses this resolution for spans up to this long

    @property
    def is_rollup(self) -> bool:
        return self.seconds > 0

    def bucket(self, ts: float) -> int:
        """Start of the bucket holding ``ts``: an exact floor, like SQL's ``ts >= b AND ts < e``."""
        return int(ts // self.seconds) * self.seconds


RAW = Resolution("raw", "samples", 0, 3600.0)  # 1 h: 3,600 rows at 1 s
M1 = Resolution("1m", "rollup_1m", 60, 2 * 86400.0)  # 2 days: 2,880 rows
M15 = Resolution("15m", "rollup_15m", 900, 31 * 86400.0)  # 31 days: 2,976 rows
H1 = Resolution("1h", "rollup_1h", 3600, float("inf"))  # a year: 8,760 rows

ALL = (RAW, M1, M15, H1)
ROLLUPS = (M1, M15, H1)
BY_NAME = {r.name: r for r in ALL}
CHOICES = ("auto", *BY_NAME)

# Retention keys in app.config.schema.Retention, per resolution name.
RETENTION_FIELD = {"raw": "raw", "1m": "m1", "15m": "m15", "1h": "h1"}


def by_name(name: str) -> Resolution:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"unknown resolution {name!r} (expected one of {', '.join(CHOICES)})"
        ) from None


def choose(
    start: float, end: float, now: float, retention_days: dict[str, int] | None = None
) -> Resolution:
    """The resolution 'auto' uses for [start, end]: by span, then by what retention kept."""
    span = max(0.0, end - start)
    kept = retention_days or {}
    for res in ALL:
        if span > res.auto_max_span_s:
            continue
        days = kept.get(res.name, 0)
        if days and start < now - days * 86400.0 and res is not H1:
            continue  # that resolution's rows for the start of the span are already deleted
        return res
    return H1
