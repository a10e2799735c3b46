"""Helpers for integration tests: the demo station served by the simulator on a free port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import yaml

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


def uncontrolled_demo(folder: Path) -> Path:
    """The demo station without its control section: acquisition and dispatch on their own."""
    data = yaml.safe_load(DEMO_STATION.read_text(encoding="utf-8"))
    data.pop("control", None)
    path = folder / "demo_uncontrolled.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@contextlib.asynccontextmanager
async def demo_station(
    data_dir: Path, sim_start: str = "12:00"
) -> AsyncIterator[tuple[Runtime, Simulator]]:
    """The demo station's runtime (no control loop), with a simulator on a free port."""
    path = uncontrolled_demo(data_dir)
    sim = Simulator(SimulatorConfig.for_station(load_station(path), sim_start=sim_start))
    port = await sim.start(host="127.0.0.1", port=0)
    station = load_station(path, connection_overrides={"sim": {"port": port}})
    runtime = Runtime(station, data_dir)
    try:
        await runtime.start()
        yield runtime, sim
    finally:
        await runtime.stop()
        await sim.stop()
