"""Modbus acquisition rate: our driver against a raw pymodbus read loop, same server, same run.

    uv run python -m benchmarks.acquisition [--json] [--devices 20] [--points 100] [--seconds 5]

The simulator's synthetic server serves N devices x M float32 points on 127.0.0.1. The
baseline reads the same register blocks with sequential awaits on one AsyncModbusTcpClient
and decodes nothing. The subject is the console's own path: the Modbus driver (block
planning, one lock per connection, decoding with quality) delivering into the point table.
Both poll as fast as the link allows (the poll period is set to 1 ms for the run), so the
figure is capacity, not the configured demand. Output: points/s for both and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from pymodbus.client import AsyncModbusTcpClient

from app.config.loader import load_station
from app.drivers_api import DriverRegistry, LinkState
from app.events import EventBus
from app.model import Station
from app.point_table import PointTable
from app.points import PointValue, Quality
from benchmarks._common import print_json, print_table
from simulator.synthetic import SyntheticServer, write_synthetic_station

BLOCK = 120  # registers per request, as the driver plans them by default


async def raw_rate(port: int, devices: int, points: int, seconds: float) -> float:
    """Points/s read by a plain sequential pymodbus loop over the same blocks."""
    client = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=2)
    await client.connect()
    registers = 2 * points
    blocks = [(start, min(BLOCK, registers - start)) for start in range(0, registers, BLOCK)]
    n_points = 0
    try:
        end = time.perf_counter() + seconds
        start = time.perf_counter()
        while time.perf_counter() < end:
            for unit in range(1, devices + 1):
                for address, count in blocks:
                    rr = await client.read_holding_registers(address, count=count, device_id=unit)
                    assert not rr.isError(), rr
                n_points += points
        elapsed = time.perf_counter() - start
    finally:
        client.close()
    return n_points / elapsed


class _CountingSink:
    def __init__(self, table: PointTable) -> None:
        self.table = table
        self.good = 0

    def publish(self, values: Mapping[str, PointValue]) -> None:
        good = Quality.GOOD
        self.good += sum(1 for v in values.values() if v.quality is good)
        self.table.update(values)

    def link_state(self, state: LinkState) -> None:
        pass


async def driver_rate(station: Station, seconds: float) -> float:
    """Points/s delivered good into the point table by the console's Modbus driver."""
    conn = next(iter(station.connections.values()))
    devices = [dataclasses.replace(d, poll_ms=1) for d in station.devices_on(conn.id)]
    sink = _CountingSink(PointTable(station, EventBus()))
    driver = DriverRegistry.from_entry_points().get("modbus").create(conn, devices, sink)
    await driver.start()
    try:
        # warm up: wait for the first full round so connecting is not counted
        while sink.good < sum(len(d.points) for d in devices):
            await asyncio.sleep(0.01)
        before, start = sink.good, time.perf_counter()
        await asyncio.sleep(seconds)
        return (sink.good - before) / (time.perf_counter() - start)
    finally:
        await driver.stop()


async def run(devices: int, points: int, seconds: float) -> tuple[float, float]:
    server = SyntheticServer(devices=devices, points=points)
    port = await server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_synthetic_station(Path(tmp), "127.0.0.1", port, devices, points)
            station = load_station(path)
        baseline = await raw_rate(port, devices, points, seconds)
        ours = await driver_rate(station, seconds)
    finally:
        await server.stop()
    return ours, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()
    ours, baseline = asyncio.run(run(args.devices, args.points, args.seconds))
    print_table(
        f"Modbus acquisition, {args.devices} devices x {args.points} float32 points, loopback",
        [
            ("raw pymodbus loop", f"{baseline:,.0f} points/s"),
            ("EMS Console driver", f"{ours:,.0f} points/s"),
            ("ratio", f"{ours / baseline:.2f} (target >= 0.50)"),
        ],
    )
    if args.json:
        print_json("modbus_acquisition", ours, "points/s", baseline, devices=args.devices)


if __name__ == "__main__":
    main()
