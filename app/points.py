"""The one value type for live data: value, source timestamp (UTC) and quality.

Timestamps are float seconds since the Unix epoch, UTC: cheap to compare, store and
send; they become ISO 8601 only at the edges (CSV, screen). Quality is a small integer
enum so that it travels and is stored without loss (architecture rule 2).
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import NamedTuple


class Quality(IntEnum):
    """OPC-like quality: good, uncertain (with a reason) or bad (with a reason)."""

    GOOD = 0
    # uncertain: 32..63
    UNCERTAIN = 32
    UNCERTAIN_SUBSTITUTED = 33
    UNCERTAIN_STALE = 34
    # bad: 64..
    BAD = 64
    BAD_COMM_LOST = 65
    BAD_TIMEOUT = 66
    BAD_DEVICE_EXCEPTION = 67
    BAD_INVALID = 68
    BAD_OVERFLOW = 69
    BAD_NOT_TOPICAL = 70
    BAD_BLOCKED = 71
    BAD_CONFIG = 72

    @property
    def is_good(self) -> bool:
        return self is Quality.GOOD

    @property
    def is_bad(self) -> bool:
        return self >= Quality.BAD

    @property
    def status(self) -> str:
        if self is Quality.GOOD:
            return "good"
        return "bad" if self.is_bad else "uncertain"

    @property
    def reason(self) -> str | None:
        if self in (Quality.GOOD, Quality.UNCERTAIN, Quality.BAD):
            return None
        return self.name.split("_", 1)[1].lower()

    def __str__(self) -> str:
        """`good`, `uncertain`, `uncertain:substituted`, `bad:comm_lost`, ..."""
        reason = self.reason
        return self.status if reason is None else f"{self.status}:{reason}"

    @classmethod
    def parse(cls, text: str) -> Quality:
        """Inverse of ``str()``: ``parse("bad:comm_lost") is Quality.BAD_COMM_LOST``."""
        name = text.strip().upper().replace(":", "_")
        try:
            return cls[name]
        except KeyError:
            raise ValueError(f"unknown quality {text!r}") from None


Scalar = float | int | bool


class PointValue(NamedTuple):
    """A sample of one point. ``value`` is None only when nothing usable was received.

    A NamedTuple rather than a frozen dataclass: millions are made per hour on the
    acquisition path, and a tuple is built in about half the time.
    """

    value: Scalar | None
    ts: float
    quality: Quality = Quality.GOOD

    @property
    def is_good(self) -> bool:
        return self.quality is Quality.GOOD

    def as_float(self) -> float:
        """The value as a float; NaN when there is none."""
        if self.value is None:
            return math.nan
        return float(self.value)

    def with_quality(self, quality: Quality, ts: float | None = None) -> PointValue:
        """The same value marked with another quality (e.g. comm_lost keeps the last value)."""
        return PointValue(self.value, self.ts if ts is None else ts, quality)
