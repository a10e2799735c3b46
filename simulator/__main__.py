"""`python -m simulator --modbus-port 1502`: the same as `main.py simulate`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from simulator.cli import add_simulate_arguments, run_simulate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    add_simulate_arguments(parser)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return asyncio.run(run_simulate(args))


if __name__ == "__main__":
    sys.exit(main())
