"""EMS Console entry point: `uv run main.py [--demo] [--headless] ...` and its subcommands.

This is the one place that wires the demo plant (simulator) to the core and the core to the
screen; app/ knows neither.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from app.paths import DEMO_STATION, default_data_dir

SUBCOMMANDS = (
    "run",
    "history",
    "audit",
    "alarms",
    "control",
    "backtest",
    "tune",
    "simulate",
    "check-config",
)


def _run_options(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--demo", action="store_true", help="run the demo station against the built-in simulator"
    )
    src.add_argument("--config", type=Path, metavar="FILE", help="run the station in FILE")
    p.add_argument("--headless", action="store_true", help="run without a screen")
    p.add_argument(
        "--duration", type=float, metavar="S", help="headless: stop after S seconds (default: run)"
    )
    p.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help=f"data folder for history (default: {default_data_dir()})",
    )
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="screen language")
    p.add_argument(
        "--sim-start",
        metavar="TIME",
        help="demo: the station's clock (plant and EMS) starts at TIME "
        "('HH:MM' today, or ISO 8601)",
    )
    from simulator.cli import add_scenario_argument

    add_scenario_argument(p)
    p.add_argument("--screenshot", type=Path, metavar="PNG", help=argparse.SUPPRESS)
    p.add_argument("--screenshot-after", type=float, default=8.0, help=argparse.SUPPRESS)
    # which bottom tab the screenshot shows: 0 trend, 1 alarms, 2 shelved, 3 history, 4 KPIs
    p.add_argument("--screenshot-tab", type=int, default=0, help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    from app.alarms.cli import add_alarms_parser
    from app.audit.cli import add_audit_parser
    from app.backtest.cli import add_backtest_parser
    from app.control_versions.cli import add_control_parser
    from app.history.cli import add_history_parser
    from simulator.cli import add_simulate_parser

    parser = argparse.ArgumentParser(
        prog="main.py",
        description="EMS Console: station energy management for PV + battery plants.",
    )
    sub = parser.add_subparsers(dest="command")
    _run_options(sub.add_parser("run", help="run the console (the default command)"))
    add_history_parser(sub)
    add_audit_parser(sub)
    add_alarms_parser(sub)
    add_control_parser(sub)
    add_backtest_parser(sub)
    from app.tune.cli import add_tune_parser

    add_tune_parser(sub)
    add_simulate_parser(sub)
    check = sub.add_parser("check-config", help="validate a station file or a device template")
    check.add_argument("file", type=Path)
    for command in sub.choices.values():
        command.add_argument(
            "--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR (default INFO)"
        )
    return parser


def _normalise(argv: list[str]) -> list[str]:
    """`main.py --demo` means `main.py run --demo`: insert the default command."""
    if argv[:1] and (argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help")):
        return argv
    return ["run", *argv]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(_normalise(argv))
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "history":
        from app.history.cli import run_history

        return run_history(args)
    if args.command == "audit":
        from app.audit.cli import run_audit

        return run_audit(args)
    if args.command == "alarms":
        from app.alarms.cli import run_alarms

        return run_alarms(args)
    if args.command == "control":
        from app.control_versions.cli import run_control

        return run_control(args)
    if args.command == "backtest":
        from app.backtest.cli import run_backtest_command
        from simulator.series import simulated_series

        return run_backtest_command(args, generate=simulated_series)
    if args.command == "tune":
        from app.tune.cli import run_tune_command

        return run_tune_command(args)
    if args.command == "simulate":
        from simulator.cli import run_simulate

        return asyncio.run(run_simulate(args)) or 0
    if args.command == "check-config":
        from app.check_config import check_config

        return check_config(args.file)
    return run_station(args)


class StationSession:
    """The demo plant (when asked for) and the runtime, started and stopped as one.

    The station file is validated before anything starts, so a bad file exits with code 2
    and nothing half-started. The UI reads the runtime's facade through this object.
    """

    DEMO_CONNECTION = "sim"

    def __init__(
        self,
        config: Path,
        data_dir: Path,
        demo: bool,
        sim_start: str | None,
        scenario: str = "none",
        headless: bool = False,
    ) -> None:
        from app.config.loader import load_station

        self.headless = headless  # a service journals its start and stop (event.service)
        self.config = config
        self.data_dir = data_dir
        self.demo = demo
        self.sim_start = sim_start
        self.scenario = scenario
        self.station = load_station(config)  # raises ConfigError before anything runs
        self.simulator = None
        self.runtime = None
        if demo:
            # pvlib and pandas take seconds to import: do it before the GUI loop runs
            import simulator.simulator  # noqa: F401

    async def start(self) -> None:
        import time

        from app.config.loader import load_station
        from app.runtime import Runtime

        station = self.station
        clock = time.time
        if self.demo:
            from simulator import Simulator, SimulatorConfig

            self.simulator = Simulator(
                SimulatorConfig.for_station(
                    station, sim_start=self.sim_start, scenario=self.scenario
                )
            )
            # one clock for plant and EMS: the simulator's (wall + the --sim-start or the
            # scenario's offset, 0 without), so tariffs, stamps and history see plant time
            clock = self.simulator.clock.now
            port = await self.simulator.start(host="127.0.0.1", port=0)
            overrides = {self.DEMO_CONNECTION: {"host": "127.0.0.1", "port": port}}
            station = load_station(self.config, connection_overrides=overrides)
        self.runtime = Runtime(station, self.data_dir, clock=clock)
        await self.runtime.start()
        if self.headless:
            await self.runtime.record_service("started")

    async def stop(self) -> None:
        if self.runtime is not None:
            if self.headless:
                await self.runtime.record_service("stopping")
            await self.runtime.stop()
        if self.simulator is not None:
            await self.simulator.stop()

    def __getattr__(self, name: str):
        # the runtime's facade (station, bus, points, links, query_history, stats)
        runtime = self.__dict__.get("runtime")
        if runtime is None:
            raise AttributeError(name)
        return getattr(runtime, name)


def run_station(args: argparse.Namespace) -> int:
    from app.config.errors import ConfigError
    from app.headless import run_until_stopped

    if not args.demo and args.config is None:
        print("error: give --demo or --config FILE (see --help)", file=sys.stderr)
        return 2
    if args.scenario != "none" and not args.demo:
        print("error: --scenario plays on the demo's simulator: add --demo", file=sys.stderr)
        return 2
    data_dir = args.data or default_data_dir()

    def make_session() -> StationSession:
        return StationSession(
            DEMO_STATION if args.demo else args.config,
            data_dir,
            args.demo,
            args.sim_start,
            args.scenario,
            headless=args.headless,
        )

    try:
        session = make_session()
    except ConfigError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=sys.stderr)
        return 2
    if args.headless:

        async def announce() -> None:
            station = session.station
            logging.getLogger("main").info(
                "station running: %s, %d device(s), history in %s",
                station.info.id,
                len(station.devices),
                data_dir,
            )

        asyncio.run(run_until_stopped([session], args.duration, on_started=announce))
        return 0
    from ui.launch import run_gui

    return run_gui(
        lambda: session,
        lang=args.lang,
        screenshot=args.screenshot,
        screenshot_after_s=args.screenshot_after,
        screenshot_tab=args.screenshot_tab,
    )


if __name__ == "__main__":
    sys.exit(main())
