"""`alarms --data DIR [--active] [--since 1h] [--csv] | --kpi [--since 7d] | --rules [--csv]`:
the journal, its KPI report, or the alarm-rule edits made from the console."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.journal_entry import JournalEntry
from app.alarms.kpi import compute_kpis
from app.alarms.rule_edits import RuleEdit, RuleEdits, rules_path
from app.cli_table import print_rows
from app.history.timespec import format_utc, parse_duration

COLUMNS = (
    "time", "alarm_id", "source", "priority", "state", "message", "user", "comment", "kind",
    "message_zh",
)  # fmt: skip
RULE_COLUMNS = ("time", "point_id", "changes", "user", "reason")
KPI_PERIOD = "7d"


def add_alarms_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("alarms", help="list the alarm journal, or its KPI report")
    p.add_argument("--data", type=Path, required=True, metavar="DIR", help="the data folder")
    p.add_argument(
        "--since",
        metavar="SPAN",
        help=f"only the last SPAN (e.g. 30m, 1h, 2d; --kpi: default {KPI_PERIOD})",
    )
    p.add_argument("--active", action="store_true", help="only the active list (latest state)")
    p.add_argument("--csv", action="store_true", help="CSV with a header row")
    p.add_argument("--kpi", action="store_true", help="the KPI report instead of the list")
    p.add_argument(
        "--rules", action="store_true", help="the alarm-rule edits made from the console"
    )
    return p


def _row(e: JournalEntry) -> list[str]:
    return [
        format_utc(e.ts),
        e.alarm_id,
        e.source,
        e.priority.value,
        e.state.value,
        e.message,
        e.user or "",
        e.comment,
        e.kind,
        e.message_zh,
    ]


def _rule_row(e: RuleEdit) -> list[str]:
    changes = "(back to the station's rule)" if e.changes is None else json.dumps(e.changes)
    return [format_utc(e.ts), e.point_id, changes, e.user, e.reason]


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def run_alarms(args: argparse.Namespace) -> int:
    if args.kpi and (args.active or args.csv):
        return _error("--kpi prints a report: it takes no --active or --csv")
    if args.rules and (args.kpi or args.active):
        return _error("--rules lists the rule edits: it takes no --kpi or --active")
    if args.rules:
        return _run_rules(args)
    path = journal_path(args.data)
    if not Path(args.data).is_dir():
        return _error(f"--data {args.data}: no such folder")
    if not path.is_file():
        return _error(f"--data {args.data}: no alarm journal there ({path})")
    now = time.time()
    span = args.since or (KPI_PERIOD if args.kpi else None)
    since = None
    if span:
        try:
            since = now - parse_duration(span)
        except ValueError as exc:
            return _error(f"--since {span!r}: {exc}")
    with AlarmJournal(path) as journal:
        if args.kpi:
            # the whole journal up to now: alarms raised before the period can be stale in it
            assert since is not None
            print(compute_kpis(journal.entries(until=now), since, now).text())
            return 0
        entries = journal.entries(since=since, active_only=args.active)
    rows = [_row(e) for e in entries]
    print_rows(COLUMNS, rows, args.csv)
    return 0


def _run_rules(args: argparse.Namespace) -> int:
    path = rules_path(args.data)
    if not Path(args.data).is_dir():
        return _error(f"--data {args.data}: no such folder")
    if not path.is_file():
        return _error(f"--data {args.data}: no alarm-rule edits there ({path})")
    since = None
    if args.since:
        try:
            since = time.time() - parse_duration(args.since)
        except ValueError as exc:
            return _error(f"--since {args.since!r}: {exc}")
    with RuleEdits(path) as store:
        edits = store.history()
    rows = [_rule_row(e) for e in edits if since is None or e.ts >= since]
    print_rows(RULE_COLUMNS, rows, args.csv)
    return 0
