"""Modbus TCP / RTU driver: block reads decoded with pymodbus's converters into point values.

address.py  where a point lives (table, register, type, word order, scale)
codec.py    registers <-> values, shared with the simulator
params.py   connection (tcp/rtu) and device (unit id) parameters
planner.py  coalescing points into block reads
block_decoder.py  a block's response -> point values with quality
diagnostics.py    exception codes -> text and quality; the errors the driver raises
link.py     one connection: client, lock, reconnect loop, traffic counters
poller.py   one device: its poll loop, publishing and link state
driver.py   the Driver for one connection; factory.py builds it from configuration
"""

from drivers.modbus.address import ModbusAddress
from drivers.modbus.diagnostics import ModbusWriteError
from drivers.modbus.driver import ModbusDriver
from drivers.modbus.factory import ModbusDriverFactory
from drivers.modbus.params import DeviceParams, RtuParams, TcpParams
from drivers.modbus.traffic import TrafficCounters

__all__ = [
    "DeviceParams",
    "ModbusAddress",
    "ModbusDriver",
    "ModbusDriverFactory",
    "ModbusWriteError",
    "RtuParams",
    "TcpParams",
    "TrafficCounters",
]
