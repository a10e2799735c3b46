"""Times on the command line: ISO 8601 instants, durations like ``10m``, UTC output.

A time without a zone (``2026-11-24T10:00``) means UTC, like everything stored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_instant(text: str, now: float) -> float:
    """ISO 8601 (date, or date and time, optional zone; naive = UTC) or ``now``."""
    if text.strip().lower() == "now":
        return now
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("not an ISO 8601 time (e.g. 2026-11-24T10:00:00Z)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``10m``, ``1.5h`` or ``7d``."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError("expected a number and a unit s, m, h or d (e.g. 10m)")
    seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    return seconds


def format_utc(ts: float) -> str:
    """``2026-11-24T10:00:01.000Z``: UTC, milliseconds."""
    total_ms = round(ts * 1000)
    seconds, ms = divmod(total_ms, 1000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{ms:03d}Z"
