"""The Modbus driver factory: validates configuration parts and builds drivers.

Registered under the ``ems_console.drivers`` entry point as ``modbus`` (pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.drivers_api import DriverSink
from app.model import Connection, Device
from drivers.modbus.address import ModbusAddress
from drivers.modbus.driver import ModbusDriver
from drivers.modbus.params import ConnectionParams, DeviceParams, parse_connection_params


class ModbusDriverFactory:
    name = "modbus"

    def validate_connection(self, params: Mapping[str, Any]) -> ConnectionParams:
        return parse_connection_params(params)

    def validate_device(self, params: Mapping[str, Any]) -> DeviceParams:
        return DeviceParams.model_validate(params)

    def validate_address(
        self, address: Mapping[str, Any], defaults: Mapping[str, Any], kind: str
    ) -> ModbusAddress:
        return ModbusAddress.from_template(address, defaults, kind)

    def create(
        self, connection: Connection, devices: Sequence[Device], sink: DriverSink
    ) -> ModbusDriver:
        return ModbusDriver(connection, devices, sink)
