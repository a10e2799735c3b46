"""The Modbus driver: one per connection, serving every device on it.

It owns the connection's link (client, lock, reconnect loop) and one poller task per
device, each on the device's own period; a fault in one device never stops another. When
the connection drops, every point of every device on it turns bad:comm_lost at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from pymodbus.client.base import ModbusBaseClient
from pymodbus.pdu import ModbusPDU

from app.drivers_api import DriverSink, sink_clock
from app.model import Connection, Device, PointSpec
from drivers.modbus.address import ModbusAddress
from drivers.modbus.codec import EncodeError, encode, encode_coil
from drivers.modbus.diagnostics import ModbusWriteError, RequestFailed
from drivers.modbus.library_log import quiet_client_repeats
from drivers.modbus.link import ModbusLink, Send
from drivers.modbus.params import ConnectionParams, DeviceParams
from drivers.modbus.poller import DevicePoller
from drivers.modbus.traffic import TrafficCounters

log = logging.getLogger(__name__)

# pymodbus's own response timeout sits this far above the longest device timeout, so the
# link's per-request timeout always fires first
_BACKSTOP_MARGIN_S = 0.5


class ModbusDriver:
    def __init__(self, connection: Connection, devices: Sequence[Device], sink: DriverSink) -> None:
        params: ConnectionParams = connection.params
        self.connection_id = connection.id
        self._now = sink_clock(sink)  # stamps come from the runtime's clock, not time.time()
        self._devices = {d.id: d for d in devices}
        enabled = [d for d in devices if d.enabled]
        backstop = max((d.timeout_ms for d in enabled), default=1000) / 1000 + _BACKSTOP_MARGIN_S
        self._link = ModbusLink(connection.id, params, backstop, on_down=self._connection_lost)
        self._pollers: dict[str, DevicePoller] = {}
        for device in enabled:
            dp: DeviceParams = device.params
            self._pollers[device.id] = DevicePoller(
                device,
                self._link,
                sink,
                max_block=dp.max_block or params.max_block,
                max_gap=params.max_gap if dp.max_gap is None else dp.max_gap,
            )
        self._points: dict[str, PointSpec] = {p.id: p for d in devices for p in d.points}
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def traffic(self) -> TrafficCounters:
        """A snapshot of the connection's counters (for the protocol monitor)."""
        return dataclasses.replace(self._link.traffic)

    @property
    def connected(self) -> bool:
        return self._link.is_up

    @property
    def pollers(self) -> dict[str, DevicePoller]:
        return dict(self._pollers)

    async def start(self) -> None:
        if self._tasks:
            return
        quiet_client_repeats()
        self._tasks.append(self._spawn(self._link.run(), f"modbus link {self.connection_id}"))
        for device_id, poller in self._pollers.items():
            self._tasks.append(self._spawn(poller.run(), f"modbus poll {device_id}"))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._link.close()

    async def write(self, point_id: str, value: float) -> None:
        """Write one setpoint or command; raises ModbusWriteError unless the device took it."""
        spec = self._points.get(point_id)
        if spec is None:
            raise ModbusWriteError(point_id, f"no such point on connection {self.connection_id}")
        poller = self._pollers.get(spec.device_id or "")
        if poller is None:
            raise ModbusWriteError(point_id, f"device {spec.device_id} is disabled")
        address = spec.address
        if not spec.writable or not isinstance(address, ModbusAddress) or not address.is_writable:
            raise ModbusWriteError(point_id, f"the point is not writable (kind {spec.kind})")
        try:
            send = _writer(address, value, poller.unit_id)
        except EncodeError as exc:
            raise ModbusWriteError(point_id, str(exc)) from exc
        try:
            await self._link.request(send, poller.timeout_s, poller.unit_id)
        except RequestFailed as exc:
            raise ModbusWriteError(point_id, exc.failure.detail) from exc
        poller.wake()

    def resolution(self, point_id: str) -> float:
        """The smallest step the point's register can carry (its scale for integer types)."""
        spec = self._points.get(point_id)
        address = spec.address if spec is not None else None
        if not isinstance(address, ModbusAddress) or address.type.startswith("float"):
            return 0.0
        return abs(address.scale)

    def _connection_lost(self, detail: str) -> None:
        ts = self._now()
        for poller in self._pollers.values():
            poller.mark_comm_lost(detail, ts)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        task.add_done_callback(_log_crash)
        return task


def _writer(address: ModbusAddress, value: float, unit: int) -> Send:
    """The request that writes ``value``; encodes first so a bad value never reaches the wire."""
    start = address.start
    if address.table == "coil":
        state = encode_coil(value)

        async def write_coil(client: ModbusBaseClient) -> ModbusPDU:
            return await client.write_coil(start, state, device_id=unit)

        return write_coil
    registers = encode(address, value)

    async def write_registers(client: ModbusBaseClient) -> ModbusPDU:
        if len(registers) == 1:
            return await client.write_register(start, registers[0], device_id=unit)
        return await client.write_registers(start, registers, device_id=unit)

    return write_registers


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("%s stopped by an error", task.get_name(), exc_info=task.exception())
