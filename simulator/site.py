"""Where the simulated plant stands: coordinates and time zone (default: Hangzhou)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Site:
    latitude: float = 30.27
    longitude: float = 120.15
    altitude: float = 10.0
    timezone: str = "Asia/Shanghai"

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
