"""Reaction time: a load step at the plant → a new PCS setpoint at the plant.

    uv run python -m benchmarks.reaction [--json] [--steps 50] [--cycle-ms 200] [--poll-ms 50]

The demo plant (simulator, Modbus TCP on loopback) runs with demand control at 600 kW and
no PV (evening). The benchmark adds a 300 kW load step (then removes it) 50 times and
measures, on the loop's clock, how long until the PCS's own setpoint register holds a new
value. The path: the meters' next poll → the point table → the next control cycle →
protection → the dispatcher's write → the PCS. The target is p99 <= one cycle + 50 ms;
the JSON line's baseline is that target and its ratio p99 / target (lower is better). The
meters and the PCS are polled every ``--poll-ms``; the poll period adds to the reaction
directly, so it is printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from pathlib import Path

import yaml

from app.config.loader import load_station
from app.paths import DEMO_STATION
from app.runtime import Runtime
from benchmarks._common import print_json, print_table
from simulator import Simulator, SimulatorConfig

STEP_KW = 300.0


def _station(folder: Path, cycle_ms: int, poll_ms: int) -> Path:
    data = yaml.safe_load(DEMO_STATION.read_text(encoding="utf-8"))
    for device in data["devices"]:
        if device["id"] in ("meter_grid", "meter_load", "pcs1", "bms1"):
            device["poll_ms"] = poll_ms
    data["control"] = {
        "cycle_ms": cycle_ms,
        "heartbeat": ["pcs1.heartbeat"],
        "takeover": {"pcs1.mode": 0},
        # no ramp limit in protection: the reaction is the EMS's, the PCS ramps by itself
        "protection": {"ramp_kw_per_s": None, "deadband_kw": 2},
        "strategies": [{"kind": "demand_control", "params": {"limit_kw": 600}}],
    }
    path = folder / "reaction.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def _wait(condition, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.002)  # the plant's registers raise no event to await


async def run(steps: int, cycle_ms: int, poll_ms: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = _station(Path(tmp), cycle_ms, poll_ms)
        config = SimulatorConfig.for_station(
            load_station(path), sim_start="19:30", snapshot_max_age_s=0.005
        )
        sim = Simulator(config)
        port = await sim.start(host="127.0.0.1", port=0)
        runtime = Runtime(load_station(path, connection_overrides={"sim": {"port": port}}), tmp)
        await runtime.start()
        pcs, plant = sim.plant.pcs, sim.plant
        loop = asyncio.get_running_loop()
        delays = []
        rng = random.Random(7)
        try:
            await _wait(lambda: pcs.mode == 0, 10)  # the EMS has taken the PCS over
            # a base load near the limit, so each step up calls for discharge
            plant.load_offset_kw = 0.0
            await asyncio.sleep(2.0)
            for i in range(steps):
                before = pcs.p_set_kw
                plant.load_offset_kw = STEP_KW if i % 2 == 0 else 0.0
                plant.publish()
                t0 = loop.time()
                await _wait(lambda b=before: abs(pcs.p_set_kw - b) > 1.0)
                delays.append((loop.time() - t0) * 1000)
                # let the PCS ramp and the plant settle; a seeded random extra wait puts the
                # next step at a random phase of the cycle (no phase-locked figures)
                await asyncio.sleep(1.0 + rng.random() * cycle_ms / 1000)
        finally:
            await runtime.stop()
            await sim.stop()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--cycle-ms", type=int, default=200)
    parser.add_argument("--poll-ms", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()
    delays = asyncio.run(run(args.steps, args.cycle_ms, args.poll_ms))
    target = args.cycle_ms + 50.0
    p50 = statistics.median(delays)
    p99 = sorted(delays)[int(0.99 * (len(delays) - 1))]
    print_table(
        f"Reaction to a {STEP_KW:.0f} kW load step, cycle {args.cycle_ms} ms, "
        f"meters polled every {args.poll_ms} ms, {len(delays)} steps",
        [
            ("p50", f"{p50:.0f} ms"),
            ("p99", f"{p99:.0f} ms"),
            ("max", f"{max(delays):.0f} ms"),
            ("target (one cycle + 50 ms)", f"{target:.0f} ms"),
            ("p99 / target", f"{p99 / target:.2f} (target <= 1)"),
        ],
    )
    if args.json:
        print_json("reaction_p99", p99, "ms", target, p50_ms=round(p50, 1), steps=len(delays))


if __name__ == "__main__":
    main()
