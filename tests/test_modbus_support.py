"""Helpers for the Modbus driver tests (no tests here): a recording sink, model builders and a
real pymodbus simulator server on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from app.config.schema import Template
from app.drivers_api import LinkState
from app.model import Connection, Device, PointSpec
from app.points import PointValue, Quality
from drivers.modbus import ModbusDriverFactory
from drivers.modbus.address import ModbusAddress
from drivers.modbus.codec import encode

FACTORY = ModbusDriverFactory()


@pytest.fixture(autouse=True)
async def no_leaked_tasks():
    """Every driver and server a test starts is stopped: no task outlives the test.
    Import it into a test module to apply it there."""
    yield
    me = asyncio.current_task()
    deadline = time.monotonic() + 2.0
    while (others := asyncio.all_tasks() - {me}) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert not others, f"tasks left running: {[t.get_name() for t in others]}"


class RecordingSink:
    """Keeps every publish and link state; tests await conditions instead of sleeping."""

    def __init__(self) -> None:
        self.values: dict[str, PointValue] = {}
        self.publishes: list[dict[str, PointValue]] = []
        self.states: list[LinkState] = []
        self._changed = asyncio.Event()

    def publish(self, values: Mapping[str, PointValue]) -> None:
        self.values.update(values)
        self.publishes.append(dict(values))
        self._changed.set()

    def link_state(self, state: LinkState) -> None:
        self.states.append(state)
        self._changed.set()

    def quality(self, point_id: str) -> Quality | None:
        value = self.values.get(point_id)
        return None if value is None else value.quality

    def count(self, point_id: str) -> int:
        return sum(point_id in p for p in self.publishes)

    def last_state(self, device_id: str) -> LinkState | None:
        return next((s for s in reversed(self.states) if s.device_id == device_id), None)

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def wait_quality(
        self, point_ids: list[str], quality: Quality, timeout: float = 5.0
    ) -> None:
        await self.wait_for(lambda: all(self.quality(p) is quality for p in point_ids), timeout)


def template(points: list[dict[str, Any]], defaults: dict[str, Any] | None = None) -> Template:
    return Template.model_validate(
        {
            "id": "test_device",
            "name": {"en": "Test device"},
            "protocol": "modbus",
            "defaults": defaults or {},
            "points": points,
        }
    )


def device(
    device_id: str,
    unit_id: int,
    points: list[dict[str, Any]],
    poll_ms: int = 50,
    timeout_ms: int = 200,
    connection_id: str = "link",
    **params: Any,
) -> Device:
    """A device built the way the config loader builds it, through the factory's validators."""
    tpl = template(points)
    specs = tuple(
        PointSpec(
            id=f"{device_id}.{p.id}",
            name=p.name,
            unit=p.unit,
            kind=p.kind,
            device_id=device_id,
            limits=p.limits,
            address=FACTORY.validate_address(p.address or {}, tpl.defaults, p.kind),
        )
        for p in tpl.points
    )
    return Device(
        id=device_id,
        name=tpl.name,
        template=tpl,
        connection_id=connection_id,
        params=FACTORY.validate_device({"unit_id": unit_id, **params}),
        poll_ms=poll_ms,
        timeout_ms=timeout_ms,
        enabled=True,
        points=specs,
    )


def connection(**params: Any) -> Connection:
    return Connection("link", "modbus", FACTORY.validate_connection(params))


def point(pid: str, address: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"id": pid, "name": {"en": pid}, "address": address, **kw}


def registers(values: Mapping[int, tuple[dict[str, Any], float]], size: int = 40) -> list[int]:
    """A register image of ``size`` registers with each value encoded at its address."""
    image = [0] * size
    for start, (fields, value) in values.items():
        encoded = encode(ModbusAddress.model_validate({"register": start, **fields}), value)
        image[start : start + len(encoded)] = encoded
    return image


def sim_device(
    unit_id: int,
    holding: list[int],
    inputs: list[int] | None = None,
    coils: list[bool] | None = None,
    discrete: list[bool] | None = None,
    action: Any = None,
) -> SimDevice:
    """A simulated device with the four tables apart (coils addressed bit by bit)."""
    return SimDevice(
        id=unit_id,
        simdata=(
            [SimData(0, values=coils or [False] * 16, datatype=DataType.BITS)],
            [SimData(0, values=discrete or [False] * 16, datatype=DataType.BITS)],
            [SimData(0, values=holding, datatype=DataType.REGISTERS)],
            [SimData(0, values=inputs or [0] * 16, datatype=DataType.REGISTERS)],
        ),
        action=action,
    )


class SimServer:
    """A pymodbus TCP server on 127.0.0.1; ``port=0`` picks a free port, kept across restarts."""

    def __init__(self, devices: list[SimDevice], port: int = 0) -> None:
        self.devices = devices
        self.port = port
        self._server: ModbusTcpServer | None = None

    async def start(self) -> None:
        # a device whose action raises NoSuchIdException then stays silent (a timeout)
        self._server = ModbusTcpServer(
            self.devices, address=("127.0.0.1", self.port), ignore_missing_devices=True
        )
        await self._server.serve_forever(background=True)
        self.port = self._server.transport.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()
            self._server = None
