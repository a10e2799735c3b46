"""Helpers for integration tests: the demo station served by the simulator on a free port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from app.config.loader import load_station
from app.events import POINTS
from app.paths import DEMO_STATION
from app.runtime import Runtime
from simulator import Simulator, SimulatorConfig


async def wait_until(runtime: Runtime, condition: Callable[[], bool], timeout: float) -> None:
    """Wait until ``condition()`` holds, re-checking whenever a batch of points arrives."""
    changed = asyncio.Event()
    unsubscribe = runtime.bus.subscribe(POINTS, lambda _batch: changed.set())
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                changed.clear()
                await changed.wait()
    finally:
        unsubscribe()


@contextlib.asynccontextmanager
async def demo_station(
    data_dir: Path, sim_start: str = "12:00"
) -> AsyncIterator[tuple[Runtime, Simulator]]:
    """The demo station's runtime, connected to a simulator started on a free port."""
    sim = Simulator(SimulatorConfig.for_station(load_station(DEMO_STATION), sim_start=sim_start))
    port = await sim.start(host="127.0.0.1", port=0)
    station = load_station(DEMO_STATION, connection_overrides={"sim": {"port": port}})
    runtime = Runtime(station, data_dir)
    try:
        await runtime.start()
        yield runtime, sim
    finally:
        await runtime.stop()
        await sim.stop()
