"""Reading a day plan of PCS setpoints (96 quarter hours) from CSV or Excel, strictly.

Both formats hold two columns, ``time`` and ``kw`` (a header row first), one row per quarter
hour of the station's day, ``00:00`` .. ``23:45``; kW > 0 discharges (architecture rule 7).
Every problem in the file is collected into one ConfigError whose issues name the file, the
line (CSV line or Excel row, 1-based, the header being line 1) and the bad value:

* a time that is not HH:MM, not on a quarter hour, or given twice;
* a kW value that is not a finite number, or beyond the PCS rating;
* a quarter hour with no row (a gap), or an unknown header / file type.

The caller (the strategy's ``create``) raises it; the configuration loader then keeps the
running configuration (app/control/config.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.config.errors import ConfigError, ConfigIssue

QUARTERS = 96
STEP_MIN = 15
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::00)?\s*$")


def quarter_text(index: int) -> str:
    return f"{index * STEP_MIN // 60:02d}:{index * STEP_MIN % 60:02d}"


def _minutes(cell: Any) -> int | None:
    """Minutes after midnight of a time cell (text HH:MM, or an Excel time), or None."""
    if isinstance(cell, dt.datetime):
        cell = cell.time()
    if isinstance(cell, dt.time):
        if cell.second or cell.microsecond:
            return None
        return cell.hour * 60 + cell.minute
    if isinstance(cell, str):
        m = _TIME.match(cell)
        if m is None:
            return None
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            return None
        return hour * 60 + minute
    return None


def _number(cell: Any) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        value = float(cell)
    elif isinstance(cell, str):
        try:
            value = float(cell.strip())
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def parse_rows(
    rows: Iterable[tuple[int, list[Any]]], file: str, rating_kw: float
) -> tuple[float, ...]:
    """``rows``: (line number, cells) including the header; the 96 setpoints or ConfigError."""
    issues: list[ConfigIssue] = []
    values: list[float | None] = [None] * QUARTERS
    first_line: dict[int, int] = {}
    header_seen = header_ok = False
    for line, cells in rows:
        cells = list(cells)
        while cells and (cells[-1] is None or str(cells[-1]).strip() == ""):
            cells.pop()
        if not cells:
            continue  # blank line
        if not header_seen:
            header_seen = True
            names = [str(c).strip().lower() if c is not None else "" for c in cells]
            if names != ["time", "kw"]:
                issues.append(
                    ConfigIssue(file, f"line {line}", cells, "the header must be: time,kw")
                )
                break
            header_ok = True
            continue
        if len(cells) != 2:
            issues.append(ConfigIssue(file, f"line {line}", cells, "expected two columns: time,kw"))
            continue
        minutes = _minutes(cells[0])
        if minutes is None:
            issues.append(
                ConfigIssue(file, f"line {line}: time", cells[0], "not a time HH:MM (00:00..23:45)")
            )
            continue
        if minutes % STEP_MIN:
            issues.append(
                ConfigIssue(
                    file, f"line {line}: time", cells[0], "not on a quarter hour (:00/:15/:30/:45)"
                )
            )
            continue
        index = minutes // STEP_MIN
        if index in first_line:
            issues.append(
                ConfigIssue(
                    file,
                    f"line {line}: time",
                    cells[0],
                    f"duplicate quarter hour (first given on line {first_line[index]})",
                )
            )
            continue
        first_line[index] = line
        kw = _number(cells[1])
        if kw is None:
            issues.append(ConfigIssue(file, f"line {line}: kw", cells[1], "not a finite number"))
            continue
        if abs(kw) > rating_kw:
            issues.append(
                ConfigIssue(
                    file, f"line {line}: kw", cells[1], f"beyond the PCS rating ±{rating_kw:g} kW"
                )
            )
            continue
        values[index] = kw
    if not header_seen:
        issues.append(ConfigIssue(file, "", None, "empty schedule: expected a header time,kw"))
    elif header_ok:
        gaps = [quarter_text(i) for i in range(QUARTERS) if i not in first_line]
        if gaps:
            shown = ", ".join(gaps[:8]) + (f" and {len(gaps) - 8} more" if len(gaps) > 8 else "")
            issues.append(
                ConfigIssue(file, "time", shown, f"{len(gaps)} quarter hour(s) missing (a gap)")
            )
    if issues:
        raise ConfigError(issues)
    return tuple(float(v) for v in values if v is not None)


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return [(i, row) for i, row in enumerate(csv.reader(f), start=1)]


def _xlsx_rows(path: Path) -> list[tuple[int, list[Any]]]:
    import openpyxl  # only when an Excel file is used

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [(i, list(row)) for i, row in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        book.close()


def load_schedule(path: str | Path, rating_kw: float) -> tuple[float, ...]:
    """The 96 quarter-hour setpoints (kW, > 0 discharge) in ``path`` (.csv or .xlsx)."""
    path = Path(path)
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ConfigError([ConfigIssue(file, "", path.name, "a schedule is a .csv or .xlsx file")])
    try:
        rows = _csv_rows(path) if suffix == ".csv" else _xlsx_rows(path)
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(file, "", file, "no such schedule file")]) from None
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise ConfigError([ConfigIssue(file, "", file, f"cannot read: {exc}")]) from None
    except Exception as exc:  # openpyxl raises its own types on a damaged workbook
        raise ConfigError([ConfigIssue(file, "", file, f"cannot read: {exc}")]) from None
    return parse_rows(rows, file, rating_kw)
