"""A pymodbus TCP server for a set of simulated devices, restartable on the same port.

Each start builds fresh pymodbus devices from the endpoints (the plant outlives the server);
stop closes the listener and every client connection, so clients see the link drop.
Unit ids that no device answers get exception 0B (gateway target failed to respond), as a
real Modbus TCP gateway does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

log = logging.getLogger(__name__)


async def _no_such_unit(*_args: object) -> ExcCodes:
    return ExcCodes.GATEWAY_NO_RESPONSE


def _catch_all() -> SimDevice:
    # id 0 answers for every unit id no other device claims
    return SimDevice(
        id=0, simdata=[SimData(0, count=65535, datatype=DataType.REGISTERS)], action=_no_such_unit
    )


class ModbusHost:
    def __init__(self, devices: Callable[[], list[SimDevice]]) -> None:
        self._devices = devices
        self._server: ModbusTcpServer | None = None
        self.port: int | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` (0 picks a free port); returns the bound port."""
        if self._server is not None:
            raise RuntimeError(f"already serving on port {self.port}")
        server = ModbusTcpServer(
            [*self._devices(), _catch_all()],
            address=(host, port),
            ignore_missing_devices=True,  # lets a 'silent' device send nothing at all
        )
        try:
            await server.serve_forever(background=True)
        except RuntimeError as exc:
            await server.shutdown()
            raise OSError(f"cannot listen on {host}:{port}") from exc
        sockets = server.transport.sockets  # type: ignore[attr-defined]
        self.port = int(sockets[0].getsockname()[1])
        self._server = server
        log.info("simulator: Modbus TCP on %s:%d", host, self.port)
        return self.port

    async def stop(self) -> None:
        """Close the listener and all connections; idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        listener = server.transport
        await server.shutdown()
        if listener is not None:
            await listener.wait_closed()  # type: ignore[attr-defined]
        await asyncio.sleep(0)  # let the transports' close callbacks run
        log.info("simulator: Modbus TCP on port %s stopped", self.port)
