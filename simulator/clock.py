"""The simulator's clock: wall time plus an offset, so a demo at night can show midday.

The plant reads time only through a Clock, so tests inject a ManualClock and run hours of
physics in no wall time at all. ``main.py --demo`` hands the same SimClock's ``now`` to the
console's runtime, so the EMS (tariff periods, point stamps, history) sees the plant's time.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> float:
        """Simulated time, seconds since the Unix epoch (UTC)."""
        ...


class SimClock:
    """Wall clock shifted so that it read ``start`` when it was made (no shift without)."""

    def __init__(self, start: float | None = None) -> None:
        self.offset_s = 0.0 if start is None else start - time.time()

    def now(self) -> float:
        return time.time() + self.offset_s


class ManualClock:
    """A clock that moves only when told to (tests, backtests)."""

    def __init__(self, start: float) -> None:
        self.t = float(start)

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_sim_start(text: str, zone: ZoneInfo, now: float | None = None) -> float:
    """``"HH:MM"`` (today in ``zone``) or an ISO 8601 time (naive means ``zone``) -> epoch s."""
    text = text.strip()
    m = _HHMM.match(text)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"sim start {text!r}: not a time of day")
        today = datetime.fromtimestamp(time.time() if now is None else now, zone)
        return today.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"sim start {text!r}: expected 'HH:MM' or an ISO 8601 time such as "
            "'2025-06-21T12:00' or '2025-06-21T12:00+08:00'"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return when.timestamp()
