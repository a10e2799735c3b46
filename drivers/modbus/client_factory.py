"""Build the pymodbus async client for a connection: TCP or serial RTU, same interface."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.client.base import ModbusBaseClient

from drivers.modbus.params import ConnectionParams, TcpParams


def make_client(
    params: ConnectionParams,
    name: str,
    response_backstop_s: float,
    trace_packet: Callable[[bool, bytes], bytes],
    trace_connect: Callable[[bool], None],
) -> ModbusBaseClient:
    """A client that never reconnects by itself (``reconnect_delay=0``): the link's own loop
    does, because pymodbus's loop does not retry a connection that failed at start.

    pymodbus uses one timeout for connecting and for waiting on a response, and retries
    internally; the link times and repeats each request itself, so the client gets no
    retries and a timeout that is only a backstop above the longest request timeout.
    """
    # both transports: no library reconnect (ModbusLink runs its own) and no library retries
    common: dict[str, Any] = {
        "name": name,
        "reconnect_delay": 0,
        "timeout": max(params.timeout_s, response_backstop_s),
        "retries": 0,
        "trace_packet": trace_packet,
        "trace_connect": trace_connect,
    }
    if isinstance(params, TcpParams):
        return AsyncModbusTcpClient(params.host, port=params.port, **common)
    return AsyncModbusSerialClient(
        params.serial_port,
        baudrate=params.baudrate,
        parity=params.parity,
        stopbits=params.stopbits,
        bytesize=params.bytesize,
        **common,
    )
