"""The demo plant: PV, load, battery + PCS, meters, transformer and breakers with physics,
served over Modbus TCP from the same templates the console reads (docs/simulator.md)."""

from simulator.clock import ManualClock, SimClock
from simulator.config import ServedDevice, ServedPoint, SimulatorConfig
from simulator.simulator import Simulator

__all__ = [
    "ManualClock",
    "ServedDevice",
    "ServedPoint",
    "SimClock",
    "Simulator",
    "SimulatorConfig",
]
