"""A demo station with a control section, run against the simulator (closed-loop tests)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import yaml

from app.config.loader import load_station
from app.paths import DEMO_STATION
from app.runtime import Runtime
from simulator import Simulator, SimulatorConfig

CONTROL: dict[str, Any] = {
    "cycle_ms": 500,
    "heartbeat": ["pcs1.heartbeat"],
    "takeover": {"pcs1.mode": 0},
    "strategies": [
        {"kind": "demand_control", "params": {"limit_kw": 600}},
        {"kind": "export_limit", "params": {"limit_kw": 0}},
        {"kind": "soc_management"},
    ],
}


def write_controlled_station(
    folder: Path, control: dict[str, Any] = CONTROL, poll_ms: dict[str, int] | None = None
) -> Path:
    data = yaml.safe_load(DEMO_STATION.read_text(encoding="utf-8"))
    data["control"] = control
    for device in data["devices"]:
        device["poll_ms"] = (poll_ms or {}).get(device["id"], device["poll_ms"])
    path = folder / "controlled.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@contextlib.asynccontextmanager
async def controlled_station(
    folder: Path,
    scenario: str,
    sim_start: str,
    control: dict[str, Any] = CONTROL,
    poll_ms: dict[str, int] | None = None,
    sim_clock: bool = False,
    **sim_overrides: Any,
) -> AsyncIterator[tuple[Runtime, Simulator]]:
    """``sim_clock``: the runtime runs on the simulator's clock, as the demo does
    (main.StationSession); otherwise on the wall clock, like the command-line tools."""
    path = write_controlled_station(folder, control, poll_ms)
    sim = Simulator(
        SimulatorConfig.for_station(
            load_station(path), sim_start=sim_start, scenario=scenario, **sim_overrides
        )
    )
    port = await sim.start(host="127.0.0.1", port=0)
    runtime = Runtime(
        load_station(path, connection_overrides={"sim": {"port": port}}),
        folder,
        clock=sim.clock.now if sim_clock else time.time,
    )
    try:
        await runtime.start()
        yield runtime, sim
    finally:
        await runtime.stop()
        await sim.stop()
