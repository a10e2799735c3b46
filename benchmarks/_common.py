"""Shared output of the benchmarks: a small table for people, one JSON line for machines.

Each benchmark measures its subject beside a baseline in the same run, on the same machine,
and reports the ratio; absolute figures vary between machines, the ratio much less.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def print_table(title: str, rows: Sequence[tuple[str, str]]) -> None:
    print(title)
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")


def print_json(name: str, value: float, unit: str, baseline: float, **extra: Any) -> None:
    """The last line of the output: at least name, value, unit, baseline and ratio."""
    record = {
        "name": name,
        "value": round(value, 1),
        "unit": unit,
        "baseline": round(baseline, 1),
        "ratio": round(value / baseline, 3) if baseline else None,
        **extra,
    }
    print(json.dumps(record))
