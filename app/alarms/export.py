"""The alarm journal as a file: CSV (the columns of ``main.py alarms --csv``) and Excel .xlsx.

Times are shown in the station's zone, as on screen: in CSV as ISO 8601 with milliseconds
and the zone's offset (``2026-11-24T18:00:01.000+08:00``), so the instant is never in
doubt; in Excel as date-time cells in the station's local time (the zone is named in the
header, ``time (Asia/Shanghai)``), so a manager can sort and filter them. Priority and state
are their words (``high``, ``unack``), never colour.

Both writers write a temporary file beside the target and rename it into place, so a failed
export never leaves half a file under the chosen name. A failure raises ``ExportError``
naming the path. They block (disk I/O): the console runs them on a worker thread.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from app.alarms.cli import COLUMNS
from app.alarms.journal_entry import JournalEntry

__all__ = ["COLUMNS", "ExportError", "iso_time", "row", "write_csv", "write_xlsx"]

# Excel column widths (characters), by column name; the message gets the room
_WIDTHS = {
    "time": 24,
    "alarm_id": 28,
    "source": 14,
    "priority": 10,
    "state": 14,
    "message": 60,
    "user": 14,
    "comment": 40,
    "kind": 8,
    "message_zh": 40,
}


class ExportError(Exception):
    """An export could not be written; the message names the file."""


def _local(ts: float, zone: ZoneInfo) -> datetime:
    # rounded to whole milliseconds first, so 0.9996 s never prints as .1000
    total_ms = round(ts * 1000)
    return datetime.fromtimestamp(total_ms / 1000, zone)


def iso_time(ts: float, zone: ZoneInfo) -> str:
    """``2026-11-24T18:00:01.000+08:00``: the station's zone, milliseconds, the offset."""
    return _local(ts, zone).isoformat(timespec="milliseconds")


def row(entry: JournalEntry, zone: ZoneInfo) -> list[str]:
    """One entry in the order of ``COLUMNS``, as text."""
    return [
        iso_time(entry.ts, zone),
        entry.alarm_id,
        entry.source,
        entry.priority.value,
        entry.state.value,
        entry.message,
        entry.user or "",
        entry.comment,
        entry.kind,
        entry.message_zh,
    ]


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except Exception:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_csv(entries: Iterable[JournalEntry], path: str | Path, zone: ZoneInfo) -> int:
    """Write ``entries`` (in the given order) as CSV with a header row; returns the count.

    UTF-8 with a byte-order mark, so Excel opens Chinese text correctly; ``\\r\\n`` line
    ends as RFC 4180 asks.
    """
    rows = [row(e, zone) for e in entries]

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            out = csv.writer(f)
            out.writerow(COLUMNS)
            out.writerows(rows)

    _write_atomically(Path(path), write)
    return len(rows)


def write_xlsx(
    entries: Sequence[JournalEntry] | Iterable[JournalEntry], path: str | Path, zone: ZoneInfo
) -> int:
    """Write ``entries`` as one Excel sheet: bold frozen header, column widths, a filter,
    times as date-time cells in the station's zone; returns the count."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    items = list(entries)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "alarms"
    header = [f"time ({zone.key})", *COLUMNS[1:]]
    sheet.append(header)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for number, e in enumerate(items, start=2):
        values = row(e, zone)
        # openpyxl keeps no zone: the station's local wall time, named in the header
        sheet.cell(
            number, 1, _local(e.ts, zone).replace(tzinfo=None)
        ).number_format = "yyyy-mm-dd hh:mm:ss.000"
        for col, text in enumerate(values[1:], start=2):
            cell = sheet.cell(number, col, text)
            # operator text is data: a comment starting with '=' must not become a formula
            cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for col, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = _WIDTHS.get(name, 12)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(1, len(items) + 1)}"
    _write_atomically(Path(path), lambda tmp: book.save(tmp))
    return len(items)
