"""``main.py history``: print a point's history from a data folder as CSV or a table.

    main.py history --data DIR --point site.bess_soc --last 10m --csv
    main.py history --point pcs1.p --from 2026-11-24T08:00 --to 2026-11-24T09:00 --resolution 1m

Bad input (no database in DIR, an unknown point, a time that does not parse) prints one
message naming the option and its value, and exits with code 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from app.history.cli_output import write_csv, write_table
from app.history.errors import HistoryError, NoDatabaseError, UnknownPointError
from app.history.reader import HistoryReader
from app.history.resolutions import CHOICES
from app.history.schema import DB_FILENAME, history_path
from app.history.timespec import parse_duration, parse_instant
from app.paths import default_data_dir

DEFAULT_LAST = "1h"
EXIT_USAGE = 2


class _UsageError(Exception):
    pass


def add_history_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "history",
        help="print a point's history (CSV or table)",
        description="Print one point's stored history, oldest first. Times are UTC: ISO 8601,"
        " a time without a zone means UTC; output timestamps are ISO 8601 UTC.",
    )
    p.add_argument(
        "--data", type=Path, metavar="DIR", help=f"data folder (default: {default_data_dir()})"
    )
    p.add_argument("--point", required=True, metavar="ID", help="point id, e.g. site.bess_soc")
    span = p.add_mutually_exclusive_group()
    span.add_argument(
        "--last",
        metavar="DURATION",
        help=f"the span up to --to (or now): 90s, 10m, 2h, 7d (default {DEFAULT_LAST})",
    )
    span.add_argument("--from", dest="start", metavar="TIME", help="start, ISO 8601")
    p.add_argument("--to", dest="end", metavar="TIME", help="end, ISO 8601 (default: now)")
    p.add_argument(
        "--resolution",
        choices=CHOICES,
        default="auto",
        help="raw samples or 1m/15m/1h rollups; auto picks by the span (default)",
    )
    p.add_argument("--csv", action="store_true", help="CSV instead of an aligned table")
    return p


def _time_range(args: argparse.Namespace, now: float) -> tuple[float, float]:
    def instant(option: str, text: str) -> float:
        try:
            return parse_instant(text, now)
        except ValueError as exc:
            raise _UsageError(f"{option} {text!r}: {exc}") from None

    end = instant("--to", args.end) if args.end else now
    if args.start:
        start = instant("--from", args.start)
    else:
        last = args.last or DEFAULT_LAST
        try:
            start = end - parse_duration(last)
        except ValueError as exc:
            raise _UsageError(f"--last {last!r}: {exc}") from None
    if start > end:
        raise _UsageError(f"--from {args.start!r} is after --to {args.end or 'now'!r}")
    return start, end


def run_history(args: argparse.Namespace) -> int:
    data = Path(args.data) if args.data else default_data_dir()
    try:
        start, end = _time_range(args, time.time())
        try:
            reader = HistoryReader(history_path(data))
        except NoDatabaseError:
            raise _UsageError(
                f"--data {str(data)!r}: no history database ({DB_FILENAME})"
            ) from None
        with reader:
            try:
                result = reader.query(args.point, start, end, args.resolution)
            except UnknownPointError:
                raise _UsageError(
                    f"--point {args.point!r}: no such point in the history in {data}"
                ) from None
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except HistoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        (write_csv if args.csv else write_table)(result, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `| head`: the reader has seen enough
        return 0
    return 0
