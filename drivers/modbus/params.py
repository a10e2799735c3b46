"""Validated parameters of a Modbus connection (TCP or serial RTU) and of a device on it.

connections: [{id: plant, driver: modbus, params: {host: 127.0.0.1, port: 1502}}]
connections: [{id: bus1, driver: modbus,
               params: {transport: rtu, serial_port: /dev/ttyUSB0, baudrate: 19200}}]
devices: [{id: pcs1, connection: plant, params: {unit_id: 3}}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# A read response carries at most 125 registers or 2000 bits (Modbus application protocol).
MAX_READ_REGISTERS = 125
MAX_READ_BITS = 2000


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # How long connecting may take; each request's own timeout is its device's timeout_ms.
    timeout_s: float = Field(default=1.0, gt=0, le=60)
    # Timed-out requests are not repeated by default: the next poll is the retry, and a retry
    # would hold the connection (and every other device on it) for another timeout.
    retries: int = Field(default=0, ge=0, le=3)
    # Registers in one block read; 4 so a 64-bit value always fits.
    max_block: int = Field(default=120, ge=4, le=MAX_READ_REGISTERS)
    # Unused registers bridged between two points to save a request; 0 for devices that
    # answer exception 02 when a read spans an undefined register.
    max_gap: int = Field(default=10, ge=0, le=MAX_READ_REGISTERS)
    # Reconnect back-off: first retry after reconnect_min_s, doubling up to reconnect_max_s.
    reconnect_min_s: float = Field(default=0.1, gt=0, le=60)
    reconnect_max_s: float = Field(default=10.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _ordered_backoff(self) -> _Common:
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError("reconnect_max_s is below reconnect_min_s")
        return self


class TcpParams(_Common):
    transport: Literal["tcp"] = "tcp"
    host: str = Field(min_length=1)
    port: int = Field(default=502, ge=1, le=65535)

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"


class RtuParams(_Common):
    transport: Literal["rtu"]
    serial_port: str = Field(min_length=1)
    baudrate: int = Field(default=9600, ge=300, le=921_600)
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1
    bytesize: Literal[7, 8] = 8

    @property
    def endpoint(self) -> str:
        return f"{self.serial_port}@{self.baudrate}{self.parity}{self.bytesize}{self.stopbits}"


ConnectionParams = TcpParams | RtuParams


class _TransportOnly(BaseModel):
    model_config = ConfigDict(extra="allow")
    transport: Literal["tcp", "rtu"] = "tcp"


def parse_connection_params(params: Mapping[str, Any]) -> ConnectionParams:
    """TCP unless ``transport: rtu``; raises pydantic.ValidationError naming the bad field."""
    transport = _TransportOnly.model_validate(params).transport
    if transport == "rtu":
        return RtuParams.model_validate(params)
    return TcpParams.model_validate(params)


class DeviceParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    unit_id: int = Field(default=1, ge=1, le=247)
    # per-device overrides of the connection's block planning (mixed vendors on one bus)
    max_block: int | None = Field(default=None, ge=4, le=MAX_READ_REGISTERS)
    max_gap: int | None = Field(default=None, ge=0, le=MAX_READ_REGISTERS)
