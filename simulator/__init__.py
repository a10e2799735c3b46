"""The demo plant: PV, load, battery + PCS, meters, transformer and breakers with physics,
served over Modbus TCP from the same templates the console reads (docs/simulator.md).

Names are imported on first use: pvlib and pandas take seconds to load, and the command
line's other commands (history, audit, ...) must not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.clock import ManualClock, SimClock
    from simulator.config import ServedDevice, ServedPoint, SimulatorConfig
    from simulator.simulator import Simulator

_WHERE = {
    "ManualClock": "simulator.clock",
    "SimClock": "simulator.clock",
    "ServedDevice": "simulator.config",
    "ServedPoint": "simulator.config",
    "SimulatorConfig": "simulator.config",
    "Simulator": "simulator.simulator",
}

__all__ = [
    "ManualClock",
    "ServedDevice",
    "ServedPoint",
    "SimClock",
    "Simulator",
    "SimulatorConfig",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
