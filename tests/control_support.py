"""A demo station with a control section, run against the simulator (closed-loop tests)."""

from __future__ import annotations

import contextlib
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


def write_controlled_station(folder: Path, control: dict[str, Any] = CONTROL) -> Path:
    data = yaml.safe_load(DEMO_STATION.read_text(encoding="utf-8"))
    data["control"] = control
    path = folder / "controlled.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@contextlib.asynccontextmanager
async def controlled_station(
    folder: Path, scenario: str, sim_start: str, control: dict[str, Any] = CONTROL
) -> AsyncIterator[tuple[Runtime, Simulator]]:
    path = write_controlled_station(folder, control)
    sim = Simulator(
        SimulatorConfig.for_station(load_station(path), sim_start=sim_start, scenario=scenario)
    )
    port = await sim.start(host="127.0.0.1", port=0)
    runtime = Runtime(load_station(path, connection_overrides={"sim": {"port": port}}), folder)
    try:
        await runtime.start()
        yield runtime, sim
    finally:
        await runtime.stop()
        await sim.stop()
