"""The Strategy interface and the small capabilities strategies are given.

A strategy is a small class: ``compute(snapshot, clock)`` returns constraints and does no
I/O. It may keep state between cycles (a 15-minute window, a hysteresis state), derived only
from the snapshots and the clock it was given, so a cycle-table test replays it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from app.control.constraints import Constraint
from app.control.snapshot import SiteRoles, Snapshot


class Clock(Protocol):
    def now(self) -> float:
        """UTC epoch seconds."""
        ...


class PeriodSource(Protocol):
    """The tariff capability a strategy needs: ``"critical_peak" | "peak" | "flat" | "valley"``."""

    def period(self, ts: float) -> str: ...


@runtime_checkable
class Strategy(Protocol):
    name: str
    priority: int

    @property
    def inputs(self) -> Sequence[str]:
        """Point ids the strategy needs; the cycle raises an event when one is unusable."""
        ...

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]: ...


class StrategyParams(BaseModel):
    """Base of every strategy's parameter model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class StrategyContext:
    """What the station gives a strategy at construction."""

    roles: SiteRoles = field(default_factory=SiteRoles)
    timezone: str = "Asia/Shanghai"
    tariff: PeriodSource | None = None
    base_dir: Path | None = None  # the station file's folder: relative files are found here


class StrategyFactory(Protocol):
    """A strategy class as found through the registry."""

    kind: ClassVar[str]
    default_priority: ClassVar[int]
    params_model: ClassVar[type[StrategyParams]]

    @classmethod
    def create(cls, params: Any, context: StrategyContext, priority: int) -> Strategy: ...


@dataclass(frozen=True)
class ControlEvent:
    """Something the event log should show: a fallback, a clamp, a skipped strategy."""

    ts: float
    source: str
    message: str
    point_id: str | None = None
    severity: str = "warning"  # "info" | "warning" | "alarm"
