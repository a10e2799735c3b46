"""`control --data DIR versions | show N | diff A [B] | rollback N --user U --reason TEXT`.

The CLI works on the data folder's files only, so it works whether the station runs or not:
a rollback is a new version in the store (and a record in the audit trail); a running
station picks it up within a few seconds, a stopped one runs it at its next start. The
station validates it before it runs (the CLI has no station to validate against).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from app.audit import AuditLog, audit_path
from app.cli_table import print_rows
from app.control_versions.diff import unified_diff
from app.control_versions.records import rollback_entry, rollback_reason
from app.control_versions.store import ControlVersion, VersionStore, versions_path

COLUMNS = ("version", "time", "actor", "source", "reason", "sha256")


def add_control_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("control", help="control configuration versions and rollback")
    p.add_argument("--data", type=Path, required=True, metavar="DIR", help="the data folder")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("versions", help="list every version, oldest first")
    show = actions.add_parser("show", help="one version's control section as YAML")
    show.add_argument("version", type=int)
    diff = actions.add_parser("diff", help="unified diff of two versions")
    diff.add_argument("a", type=int)
    diff.add_argument("b", type=int, nargs="?", help="default: the latest version")
    back = actions.add_parser("rollback", help="a new version copying version N")
    back.add_argument("version", type=int)
    back.add_argument("--user", required=True, help="who rolls back (audited)")
    back.add_argument("--reason", required=True, help="why (audited)")
    return p


class _Refused(Exception):
    """Bad input: printed as one line, exit code 2."""


def run_control(args: argparse.Namespace) -> int:
    try:
        store = _open(args.data)
    except _Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.action == "versions":
            _list(store)
        elif args.action == "show":
            _show(_get(store, args.version))
        elif args.action == "diff":
            b = _latest(store) if args.b is None else _get(store, args.b)
            text = unified_diff(_get(store, args.a), b)
            print(text.rstrip("\n") or f"v{args.a} and {b.label}: no change")
        else:
            _rollback(store, args)
    except _Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def _open(data: Path) -> VersionStore:
    if not data.is_dir():
        raise _Refused(f"--data {data}: no such folder")
    path = versions_path(data)
    if not path.is_file():  # never create an empty store in a folder given by mistake
        raise _Refused(f"--data {data}: no control versions there ({path.name})")
    return VersionStore(path)


def _get(store: VersionStore, number: int) -> ControlVersion:
    version = store.get(number)
    if version is None:
        latest = store.latest()
        known = f"v1..{latest.label}" if latest else "none stored"
        raise _Refused(f"version {number}: no such version ({known})")
    return version


def _latest(store: VersionStore) -> ControlVersion:
    latest = store.latest()
    if latest is None:
        raise _Refused(f"{store.path}: no version stored yet")
    return latest


def _utc(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))  # seconds are enough here


def _row(v: ControlVersion) -> list[str]:
    return [v.label, _utc(v.created), v.actor, v.source, v.reason, v.sha256[:12]]


def _list(store: VersionStore) -> None:
    print_rows(COLUMNS, [_row(v) for v in store.all()])


def _show(v: ControlVersion) -> None:
    # the header is YAML comments: the output can be pasted into a station file as it is
    print(f"# {v.label}  {_utc(v.created)}  {v.actor}  {v.source}  {v.reason}")
    print(f"# sha256 {v.sha256}")
    print(v.yaml(), end="")


def _rollback(store: VersionStore, args: argparse.Namespace) -> None:
    target = _get(store, args.version)
    previous = _latest(store)
    reason = rollback_reason(args.reason, target.version)
    new = store.add(target.section, args.user, reason, "rollback", time.time())
    audit = AuditLog(audit_path(args.data))
    try:
        audit.append(rollback_entry(new.created, previous, new))
    finally:
        audit.close()
    print(f"stored {new.label} = copy of {target.label}, by {new.actor}: {new.reason}")
    print(unified_diff(previous, new).rstrip("\n") or f"(same content as {previous.label})")
    print("a running station applies it within seconds; a stopped one at its next start")
