"""Synthetic load for the acquisition benchmark: N devices x M float32 points on one server.

Values are cheap to serve: a few frames per device are encoded once at start (with the
codec, off the loop) and a read just copies the current frame in, so the server costs the
same whatever client reads it, and the benchmark measures the client.

    server = SyntheticServer(devices=20, points=100)
    port = await server.start()
    station = write_synthetic_station(tmp_dir, "127.0.0.1", port, devices=20, points=100)
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path
from typing import Any

import yaml
from pymodbus.constants import ExcCodes
from pymodbus.simulator import DataType, SimData, SimDevice

from drivers.modbus.address import ModbusAddress
from drivers.modbus.codec import encode
from simulator.modbus_server import ModbusHost

TEMPLATE_ID = "synthetic"
FRAMES = 8
FRAME_S = 0.1


def synthetic_template(points: int = 100, template_id: str = TEMPLATE_ID) -> dict[str, Any]:
    """A template (as the YAML mapping) of ``points`` float32 holding registers p000, p001..."""
    return {
        "id": template_id,
        "name": {"en": f"Synthetic device ({points} float32 points)", "zh": "合成测试设备"},
        "category": "generic",
        "protocol": "modbus",
        "defaults": {"table": "holding", "type": "float32", "word_order": "big"},
        "points": [
            {"id": f"p{i:03d}", "name": {"en": f"Point {i}"}, "address": {"register": 2 * i}}
            for i in range(points)
        ],
    }


def synthetic_station(
    host: str,
    port: int,
    devices: int = 20,
    poll_ms: int = 1000,
    template_id: str = TEMPLATE_ID,
) -> dict[str, Any]:
    """A station (as the YAML mapping) with ``devices`` synthetic devices, unit ids 1..N;
    the template (``synthetic_template``) must lie beside the station file."""
    return {
        "station": {"id": "synthetic", "name": {"en": "Synthetic benchmark station"}},
        "template_dirs": ["."],
        "connections": [
            {"id": "synth", "driver": "modbus", "params": {"host": host, "port": port}}
        ],
        "devices": [
            {
                "id": f"dev{u:02d}",
                "template": template_id,
                "connection": "synth",
                "params": {"unit_id": u},
                "poll_ms": poll_ms,
            }
            for u in range(1, devices + 1)
        ],
    }


def write_synthetic_station(
    folder: Path, host: str, port: int, devices: int = 20, points: int = 100, poll_ms: int = 1000
) -> Path:
    """Write the template and the station file into ``folder``; return the station file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{TEMPLATE_ID}.yaml").write_text(
        yaml.safe_dump(synthetic_template(points), allow_unicode=True), encoding="utf-8"
    )
    station = folder / "station.yaml"
    station.write_text(
        yaml.safe_dump(synthetic_station(host, port, devices, poll_ms), allow_unicode=True),
        encoding="utf-8",
    )
    return station


def expected_value(unit_id: int, point: int, frame: int) -> float:
    """The value served for a point in a frame: 100 x unit + point, wiggling by < 1."""
    return 100.0 * unit_id + point + 0.5 * math.sin(2.0 * math.pi * frame / FRAMES)


class SyntheticServer:
    def __init__(self, devices: int = 20, points: int = 100) -> None:
        if not 1 <= devices <= 247 or points < 1 or 2 * points > 65535:
            raise ValueError("devices must be 1..247 and points 1..32767")
        self.devices = devices
        self.points = points
        self._frames: dict[int, list[list[int]]] = {}
        self._host = ModbusHost(self._sim_devices)

    @property
    def unit_ids(self) -> dict[str, int]:
        return {f"dev{u:02d}": u for u in range(1, self.devices + 1)}

    def _encode_frames(self) -> None:
        address = ModbusAddress.model_validate({"register": 0, "type": "float32"})
        for unit in range(1, self.devices + 1):
            self._frames[unit] = [
                [r for i in range(self.points) for r in encode(address, expected_value(unit, i, f))]
                for f in range(FRAMES)
            ]

    def _sim_devices(self) -> list[SimDevice]:
        bits = [SimData(65520, values=[False] * 16, datatype=DataType.BITS, readonly=True)]
        return [
            SimDevice(
                id=unit,
                simdata=(
                    bits,
                    list(bits),
                    [
                        SimData(
                            0,
                            values=list(self._frames[unit][0]),
                            datatype=DataType.REGISTERS,
                            readonly=True,
                        )
                    ],
                    [SimData(65534, datatype=DataType.INVALID)],
                ),
                action=self._action(unit),
            )
            for unit in range(1, self.devices + 1)
        ]

    def _action(self, unit: int) -> Any:
        frames = self._frames[unit]
        size = 2 * self.points
        shown = [-1]

        async def action(
            function_code: int,
            start_address: int,
            address: int,
            count: int,
            registers: list[int],
            set_values: list[int] | list[bool] | None,
        ) -> ExcCodes | None:
            frame = int(time.monotonic() / FRAME_S) % FRAMES
            if frame != shown[0]:
                registers[:size] = frames[frame]
                shown[0] = frame
            return None

        return action

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        if not self._frames:
            await asyncio.to_thread(self._encode_frames)
        return await self._host.start(host, port)

    async def stop(self) -> None:
        await self._host.stop()
