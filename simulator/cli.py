"""`main.py simulate` / `python -m simulator`: serve the plant until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config.errors import ConfigError
from app.paths import DEMO_STATION
from simulator.scenarios import SCENARIOS

if TYPE_CHECKING:
    from simulator.simulator import Simulator


def add_simulate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--modbus-port", type=int, default=1502, metavar="PORT", help="TCP port (0: any free one)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    p.add_argument(
        "--sim-start",
        metavar="TIME",
        help="the plant's clock starts at TIME ('HH:MM' today, or ISO 8601)",
    )
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="serve the Modbus devices of this station file (default: the demo station)",
    )
    p.add_argument("--seed", type=int, default=1, help="weather and noise seed (default 1)")
    p.add_argument(
        "--cloudiness", type=float, default=0.3, help="0 clear sky .. 1 overcast (default 0.3)"
    )
    p.add_argument(
        "--pcs-mode",
        choices=("local", "remote"),
        default="local",
        help="PCS start mode: local self-consumption, or remote (follows p_set + heartbeat)",
    )
    p.add_argument(
        "--duration", type=float, metavar="S", help="stop after S seconds (default: run)"
    )
    add_scenario_argument(p)


def add_scenario_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scenario",
        choices=sorted(SCENARIOS),
        default="none",
        help="play a test scenario on the plant (docs/simulator.md)",
    )


def add_simulate_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "simulate",
        help="serve the simulated plant over Modbus TCP",
        description="Serve the demo plant (PV, load, battery, meters, transformer, breakers) "
        "over Modbus TCP. Register maps: docs/simulator.md.",
    )
    add_simulate_arguments(p)
    return p


def unit_table(sim: Simulator) -> str:
    rows = [("device", "unit id", "template", "plant part")]
    for d in sim.config.devices:
        rows.append((d.id, str(d.unit_id), d.template, d.role))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
    return "\n".join(line.rstrip() for line in lines)


async def run_simulate(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM (or ``--duration``); 2 on bad input, 1 if it cannot listen."""
    from simulator.config import SimulatorConfig
    from simulator.simulator import Simulator

    try:
        config = SimulatorConfig.from_station_file(
            args.config or DEMO_STATION,
            sim_start=args.sim_start,
            seed=args.seed,
            cloudiness=args.cloudiness,
            pcs_mode=args.pcs_mode,
            scenario=args.scenario,
        )
        sim = Simulator(config)
    except ConfigError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        port = await sim.start(host=args.host, port=args.modbus_port)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"Modbus TCP simulator listening on {args.host}:{port}")
        print(unit_table(sim), flush=True)
        await _until_stopped(args.duration)
    finally:
        await sim.stop()
    print("simulator stopped", flush=True)
    return 0


async def _until_stopped(duration: float | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl+C raises
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
