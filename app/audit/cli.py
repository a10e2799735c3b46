"""`audit --data DIR [--since 1h] [--csv]`: list the audit trail, oldest first."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from app.audit.entry import COLUMNS, AuditEntry
from app.audit.store import AuditLog, audit_path
from app.cli_table import print_rows
from app.history.timespec import format_utc, parse_duration


def add_audit_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("audit", help="list the audit trail (commands and changes)")
    p.add_argument("--data", type=Path, required=True, metavar="DIR", help="the data folder")
    p.add_argument("--since", metavar="SPAN", help="only the last SPAN (e.g. 30m, 1h, 2d)")
    p.add_argument("--csv", action="store_true", help="CSV with a header row")
    return p


def _row(e: AuditEntry) -> list[str]:
    return [
        format_utc(e.ts),
        e.actor,
        e.action,
        e.target,
        e.old or "",
        e.new or "",
        e.reason,
        e.result,
    ]


def run_audit(args: argparse.Namespace) -> int:
    path = audit_path(args.data)
    if not path.is_file():
        print(f"error: --data {args.data}: no audit trail there ({path.name})", file=sys.stderr)
        return 2
    since = None
    if args.since:
        try:
            since = time.time() - parse_duration(args.since)
        except ValueError as exc:
            print(f"error: --since {args.since!r}: {exc}", file=sys.stderr)
            return 2
    log = AuditLog(path)
    try:
        rows = [_row(e) for e in log.entries(since=since)]
    finally:
        log.close()
    print_rows(COLUMNS, rows, args.csv)
    return 0
