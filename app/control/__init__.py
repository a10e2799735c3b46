"""The pure parts of the control cycle: snapshot, constraints, arbitration, protection.

    snapshot --strategies (by priority)--> constraints --arbiter--> requested setpoints
      --protection (hard limits)--> setpoints to write

Nothing here does I/O: the runtime freezes the snapshot, and the dispatcher writes what the
cycle returns (architecture rules 3 and 5).
"""

from app.control.arbiter import ArbitrationResult, Override, arbitrate
from app.control.constraints import (
    BAND_ECONOMICS,
    BAND_GRID_LIMITS,
    BAND_OPERATOR,
    BAND_SAFETY,
    BAND_SCHEDULES,
    BAND_SOC_GUARDS,
    Constraint,
    Op,
)
from app.control.cycle import ControlMode, Cycle, CycleReport, CycleResult
from app.control.protection import ProtectionParams, ProtectionResult, protect
from app.control.registry import StrategyRegistry
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import Clock, ControlEvent, PeriodSource, Strategy, StrategyContext

__all__ = [
    "BAND_ECONOMICS",
    "BAND_GRID_LIMITS",
    "BAND_OPERATOR",
    "BAND_SAFETY",
    "BAND_SCHEDULES",
    "BAND_SOC_GUARDS",
    "ArbitrationResult",
    "Clock",
    "Constraint",
    "ControlEvent",
    "ControlMode",
    "Cycle",
    "CycleReport",
    "CycleResult",
    "Op",
    "Override",
    "PeriodSource",
    "ProtectionParams",
    "ProtectionResult",
    "SiteRoles",
    "Snapshot",
    "Strategy",
    "StrategyContext",
    "StrategyRegistry",
    "arbitrate",
    "protect",
]
