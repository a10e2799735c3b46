"""``tune`` subcommand: propose rule parameters tuned on the last 28 days.

    tune --station FILE (--data DIR | --load CSV --pv CSV) [--end YYYY-MM-DD] [--days 28]
         [--step 300] [--tariff FILE] [--out FILE] [--apply --user U --reason TEXT] [--json]

The window: the ``--days`` before ``--end`` (a local date, exclusive); default the end of the
CSVs (their last whole day) or of the data folder's recorded load. The current section is the
data folder's latest control version, else the station file's. Without ``--apply`` nothing
changes: the diff against the current section is printed (and ``--out`` writes the proposed
section as a file ``backtest --control`` takes). ``--apply`` stores it as a new control
version (source ``operator``) with ``--user`` and a non-blank ``--reason``, and an audit
record ``tune``. Exit codes: 0 done, 2 bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from app.audit import AuditEntry, AuditLog, audit_path
from app.backtest.control import StrategyNotFound, control_section, default_control
from app.backtest.history_source import history_series
from app.backtest.optimum import OptimumError
from app.backtest.series import QUARTER_S, Series, SeriesError, read_series_csv
from app.config.errors import ConfigError
from app.config.loader import load_station
from app.control.snapshot import SiteRoles
from app.control_versions.store import VersionStore, versions_path
from app.control_versions.validate import validate_section
from app.history import HistoryReader
from app.history.schema import history_path
from app.model import Station
from app.tariff import Tariff
from app.tune.search import LIMIT_MARGIN, TUNE_STEP_S, WINDOW_DAYS, TuneResult, tune_rules
from app.tune.service import local_midnight as _local_midnight
from app.tune.service import section_diff as _diff
from app.tune.service import station_tariff


class _Refused(Exception):
    """Bad input: printed as one line, exit code 2."""


def add_tune_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "tune", help="tune the rule strategies' parameters on the last 28 days (backtests)"
    )
    p.add_argument("--station", required=True, type=Path, help="station YAML file")
    p.add_argument("--data", type=Path, metavar="DIR", help="data folder (history, versions)")
    p.add_argument("--load", type=Path, help="load CSV (timestamp,kw; ISO 8601 UTC)")
    p.add_argument("--pv", type=Path, help="PV CSV (timestamp,kw; ISO 8601 UTC)")
    p.add_argument("--end", help="end of the window, a local date YYYY-MM-DD (exclusive)")
    p.add_argument("--days", type=float, default=WINDOW_DAYS, help="window length (default 28)")
    p.add_argument("--step", type=int, default=TUNE_STEP_S, help="backtest step s (default 300)")
    p.add_argument("--tariff", type=Path, help="tariff YAML (default: the station's)")
    p.add_argument("--out", type=Path, help="write the proposed control section here (YAML)")
    p.add_argument("--apply", action="store_true", help="store it as a new control version")
    p.add_argument("--user", help="who applies (required with --apply; audited)")
    p.add_argument("--reason", help="why (required with --apply; audited)")
    p.add_argument("--json", action="store_true", help="print one JSON object as last line")
    return p


def _tariff(args: argparse.Namespace, station: Station) -> Tariff:
    return station_tariff(station, args.tariff)


def _end_ts(args: argparse.Namespace, zone: ZoneInfo, last_ts: float | None) -> float:
    if args.end:
        try:
            return _local_midnight(dt.date.fromisoformat(args.end), zone)
        except ValueError:
            raise _Refused(f"--end {args.end!r} is not a date YYYY-MM-DD") from None
    if last_ts is None:
        raise _Refused("give --end: no data to find the window's end from")
    # the last whole local day the data covers
    return _local_midnight(dt.datetime.fromtimestamp(last_ts, zone).date(), zone)


def _series(
    args: argparse.Namespace, station: Station, zone: ZoneInfo
) -> tuple[Series, Series, float]:
    if (args.load is None) != (args.pv is None):
        raise _Refused("give both --load and --pv (or --data)")
    if args.load is not None:
        load, pv = read_series_csv(args.load), read_series_csv(args.pv)
        end = _end_ts(args, zone, min(load.end, pv.end))
        return load, pv, end
    if args.data is None:
        raise _Refused("give --data DIR (recorded history) or --load and --pv CSVs")
    roles = SiteRoles.from_station(station)
    last: float | None = None
    if not args.end:
        path = history_path(args.data)
        if not path.exists():
            raise _Refused(f"{path}: no history database in {args.data}")
        with HistoryReader(path) as reader:
            latest = reader.latest(roles.load_p)
        last = None if latest is None else float(latest.ts)
    end = _end_ts(args, zone, last)
    start = end - round(args.days * 86400 / QUARTER_S) * QUARTER_S
    days = (end - start) / 86400
    load = history_series(args.data, roles.load_p, start, days)
    pv = history_series(args.data, roles.pv_p, start, days)
    return load, pv, end


def _current(args: argparse.Namespace, station: Station) -> tuple[dict[str, Any], str]:
    """(current section, label): the latest stored version, else the station file's."""
    if args.data is not None and versions_path(args.data).is_file():
        store = VersionStore(versions_path(args.data))
        try:
            latest = store.latest()
        finally:
            store.close()
        if latest is not None:
            return latest.section, latest.label
    section = control_section(station)
    if section is not None:
        return section, f"{station.source} (control)"
    return default_control(), "default control config"


def _pct(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.1%}"


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")


def _write_out(path: Path, result: TuneResult, label: str) -> None:
    ratio = (result.proposed or result.best).ratio
    header = (
        f"# Proposed by `main.py tune` from {label}: rule parameters tuned on "
        f"{_iso(result.start_ts)} .. {_iso(result.end_ts)}\n"
        f"# ({result.describe()}; {_pct(ratio)} of the optimal saving on that "
        "window).\n# Try it: main.py backtest --station FILE --control THIS_FILE\n"
    )
    body = yaml.safe_dump({"control": result.section}, sort_keys=False, allow_unicode=True)
    path.write_text(header + body, encoding="utf-8")


def _apply(
    args: argparse.Namespace, section: dict[str, Any], old_label: str, result: TuneResult
) -> str:
    store = VersionStore(versions_path(args.data))
    try:
        previous = store.latest()
        reason = (
            f"{args.reason.strip()} (tuned on {_iso(result.start_ts)} .. {_iso(result.end_ts)})"
        )
        new = store.add(section, args.user.strip(), reason, "operator", time.time())
    finally:
        store.close()
    audit = AuditLog(audit_path(args.data))
    try:
        audit.append(
            AuditEntry(
                new.created,
                new.actor,
                "tune",
                "control",
                previous.label if previous else old_label,
                new.label,
                reason,
                "stored",
            )
        )
    finally:
        audit.close()
    return new.label


def run_tune_command(args: argparse.Namespace) -> int:
    try:
        if args.apply:
            if not args.user or not args.user.strip():
                raise _Refused("--apply needs --user (who applies; audited)")
            if not args.reason or not args.reason.strip():
                raise _Refused("--apply needs a non-blank --reason (audited)")
            if args.data is None or not Path(args.data).is_dir():
                raise _Refused("--apply needs --data DIR, the station's data folder")
        if args.step <= 0 or 900 % args.step:
            raise _Refused(f"--step {args.step} does not divide 900 s")
        station = load_station(args.station)
        tariff = _tariff(args, station)
        zone = ZoneInfo(station.info.timezone)
        load, pv, end = _series(args, station, zone)
        current, label = _current(args, station)

        result = tune_rules(
            station,
            tariff,
            load,
            pv,
            end_ts=end,
            days=args.days,
            step_s=args.step,
            base=current,
        )
        validate_section(result.section, station, "proposed control section")
    except _Refused as exc:
        print(f"tune: {exc}", file=sys.stderr)
        return 2
    except (ConfigError, SeriesError, StrategyNotFound, OptimumError, ValueError) as exc:
        print(f"tune: {exc}", file=sys.stderr)
        return 2
    cur = result.current
    prop = result.proposed or result.best
    print(
        f"Tuned on {_iso(result.start_ts)} .. {_iso(result.end_ts)} "
        f"({len(result.evaluations)} backtests at {args.step} s; season {result.season}, load "
        f"x {result.growth:.3f}; peak net import {result.peak_kw:.0f} kW, LP optimum's peak "
        f"{result.lp_peak_kw:.0f} kW)"
    )
    print(f"  best:    {result.describe()}")
    print(
        f"           bill {result.best.bill:,.2f}, {_pct(result.best.ratio)} of the optimal saving"
    )
    print(
        f"  proposed (limit + {LIMIT_MARGIN:.0%}): bill {prop.bill:,.2f}, {_pct(prop.ratio)} of "
        f"the optimal saving; no storage {result.bill_without:,.2f}"
    )
    if cur is not None:
        print(f"  current: {label}: bill {cur.bill:,.2f}, {_pct(cur.ratio)} of the optimal saving")
    for note in result.notes:
        print(f"  note: {note}")
    print(_diff(current, result.section, label).rstrip("\n") or "(no change)")
    if args.out is not None:
        _write_out(args.out, result, label)
        print(f"written {args.out}")
    applied = None
    if args.apply:
        applied = _apply(args, result.section, label, result)
        print(
            f"stored {applied} by {args.user.strip()}; a running station applies it within seconds"
        )
    else:
        print("nothing applied (use --apply --user U --reason TEXT to store it as a new version)")
    if args.json:
        print(
            json.dumps(
                {
                    "start": _iso(result.start_ts),
                    "end": _iso(result.end_ts),
                    "evaluations": len(result.evaluations),
                    "best": result.describe(),
                    "bill_best": result.best.bill,
                    "ratio_best": result.best.ratio,
                    "bill_proposed": prop.bill,
                    "ratio_proposed": prop.ratio,
                    "bill_without": result.bill_without,
                    "growth": result.growth,
                    "season": result.season,
                    "lp_peak_kw": result.lp_peak_kw,
                    "bill_current": None if cur is None else cur.bill,
                    "ratio_current": None if cur is None else cur.ratio,
                    "applied": applied,
                    "section": result.section,
                },
                ensure_ascii=False,
                sort_keys=True,
            )
        )
    return 0
