"""The command line's listings: a table padded to the widest cell, or CSV with a header."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from typing import TextIO


def print_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    as_csv: bool = False,
    out: TextIO | None = None,
) -> None:
    out = out or sys.stdout
    if as_csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    for r in [list(columns), *rows]:
        out.write("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() + "\n")
