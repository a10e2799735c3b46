"""The same driver over serial RTU: a virtual serial pair from socat, a pymodbus serial server
on one end, the driver on the other. Skipped where socat or pyserial is missing."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.model import Connection
from app.points import Quality
from tests.test_modbus_support import (
    FACTORY,
    RecordingSink,
    device,
    no_leaked_tasks,  # noqa: F401  (autouse fixture)
    point,
    registers,
    sim_device,
)

pytest.importorskip("serial", reason="pyserial (pymodbus[serial]) is not installed")
if shutil.which("socat") is None:
    pytest.skip("socat is not installed (apt-get install socat)", allow_module_level=True)

from pymodbus.exceptions import NoSuchIdException
from pymodbus.server import ModbusSerialServer

POINTS = [
    point("p", {"register": 0, "type": "float32", "word_order": "little"}),
    point("p_set", {"register": 4, "type": "int16", "scale": 0.1}, kind="setpoint"),
]


async def _silent(*_args: object) -> None:
    raise NoSuchIdException("unit 9 never answers")


def rtu_connection(serial_port: str) -> Connection:
    params = FACTORY.validate_connection(
        {"transport": "rtu", "serial_port": serial_port, "baudrate": 115200}
    )
    return Connection("bus", "modbus", params)


@contextlib.asynccontextmanager
async def serial_pair(folder: Path) -> AsyncIterator[tuple[str, str]]:
    """Two linked pseudo-terminals; what is written to one is read from the other."""
    a, b = folder / "ttyA", folder / "ttyB"
    proc = await asyncio.create_subprocess_exec(
        "socat",
        f"pty,raw,echo=0,link={a}",
        f"pty,raw,echo=0,link={b}",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 5
        while not (a.exists() and b.exists()):  # socat has no readiness signal to await
            assert time.monotonic() < deadline, "socat made no serial pair"
            await asyncio.sleep(0.02)
        yield str(a), str(b)
    finally:
        proc.terminate()
        try:
            async with asyncio.timeout(2):
                await proc.wait()
        except TimeoutError:  # seen once with data still queued in a pty: make sure it ends
            proc.kill()
            await proc.wait()


async def test_rtu_values_writes_and_a_silent_unit(tmp_path):
    image = registers({0: ({"type": "float32", "word_order": "little"}, -42.5)})
    async with serial_pair(tmp_path) as (client_end, server_end):
        server = ModbusSerialServer(
            [sim_device(1, image), sim_device(9, [0] * 4, action=_silent)],
            port=server_end,
            baudrate=115200,
            ignore_missing_devices=True,  # so unit 9's NoSuchIdException means silence
        )
        await server.serve_forever(background=True)
        sink = RecordingSink()
        driver = FACTORY.create(
            rtu_connection(client_end),
            [device("d", 1, POINTS), device("ghost", 9, POINTS[:1], timeout_ms=100)],
            sink,
        )
        try:
            await driver.start()
            await sink.wait_quality(["d.p", "d.p_set"], Quality.GOOD)
            assert sink.values["d.p"].value == -42.5
            await driver.write("d.p_set", 12.3)
            await sink.wait_for(lambda: sink.values["d.p_set"].value == pytest.approx(12.3))
            await sink.wait_quality(["ghost.p"], Quality.BAD_TIMEOUT)
            # a silent unit on a bus is the unit's fault: the port stays open, others flow
            seen = sink.count("d.p")
            await sink.wait_for(lambda: sink.count("d.p") >= seen + 2)
            assert driver.connected and driver.traffic.disconnects == 0
        finally:
            await driver.stop()
            await server.shutdown()
