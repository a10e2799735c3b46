"""Whole-day and whole-year checks of a tariff file, and their compilation into lookup tables.

A day profile becomes an array of 1,440 period indices (one per minute of the local day);
every interval that overlaps another, every gap and every month that is missing or given twice
becomes a ConfigIssue naming the file, the field path and the value.
"""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import NDArray

from app.config.errors import ConfigIssue
from app.tariff.schema import PERIODS, DayProfile, Prices, TariffFile

MINUTES_PER_DAY = 1440
_UNSET = 255
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_interval(text: str) -> tuple[int, int]:
    """``"08:00-11:30"`` -> (480, 690) minutes; ``"22:00-06:00"`` wraps: (1320, 360)."""
    match = _INTERVAL.match(text)
    if match is None:
        raise ValueError('expected "HH:MM-HH:MM" (quoted), e.g. "08:00-11:00"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    for h, m in ((h1, m1), (h2, m2)):
        if m > 59 or h > 24 or (h == 24 and m != 0):
            raise ValueError(f"{h:02d}:{m:02d} is not a time of day (00:00 .. 24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == MINUTES_PER_DAY:
        raise ValueError("an interval cannot start at 24:00")
    if start == end:
        raise ValueError("start and end are equal: the interval is empty")
    return start, end


def _minutes(start: int, end: int) -> range | list[int]:
    if end > start:
        return range(start, end)
    return [*range(start, MINUTES_PER_DAY), *range(0, end)]


def _gaps(filled: NDArray[np.uint8]) -> list[str]:
    gaps: list[str] = []
    minute = 0
    while minute < MINUTES_PER_DAY:
        if filled[minute] == _UNSET:
            first = minute
            while minute < MINUTES_PER_DAY and filled[minute] == _UNSET:
                minute += 1
            gaps.append(f"{hhmm(first)}-{hhmm(minute)}")
        else:
            minute += 1
    return gaps


def compile_profile(
    file: str, field: str, profile: DayProfile
) -> tuple[NDArray[np.uint8], list[ConfigIssue]]:
    """The profile's minute table (period index per minute) and the problems found."""
    table = np.full(MINUTES_PER_DAY, _UNSET, dtype=np.uint8)
    owner: dict[int, str] = {}
    issues: list[ConfigIssue] = []
    for index, period in enumerate(PERIODS):
        for k, text in enumerate(profile.intervals()[period]):
            where = f"{field}.{period}[{k}]"
            try:
                start, end = parse_interval(text)
            except ValueError as exc:
                issues.append(ConfigIssue(file, where, text, str(exc)))
                continue
            clash = sorted({owner[m] for m in _minutes(start, end) if m in owner})
            if clash:
                issues.append(
                    ConfigIssue(
                        file,
                        where,
                        text,
                        f"overlaps {', '.join(clash)} (periods of a day must not overlap)",
                    )
                )
                continue
            for m in _minutes(start, end):
                table[m] = index
                owner[m] = f"{period}[{k}] {text!r}"
    if not issues:
        gaps = _gaps(table)
        if gaps:
            issues.append(
                ConfigIssue(
                    file,
                    field,
                    profile.intervals(),
                    f"the periods leave {', '.join(gaps)} uncovered (they must cover 24 h exactly)",
                )
            )
    return table, issues


def check_months(file: str, tariff: TariffFile) -> list[ConfigIssue]:
    """Each month 1..12 in exactly one season."""
    issues: list[ConfigIssue] = []
    seen: dict[int, str] = {}
    for i, season in enumerate(tariff.seasons):
        for month in season.months:
            if not 1 <= month <= 12:
                issues.append(ConfigIssue(file, f"seasons[{i}].months", month, "a month is 1..12"))
            elif month in seen:
                issues.append(
                    ConfigIssue(
                        file,
                        f"seasons[{i}].months",
                        month,
                        f"month {month} is already in season {seen[month]!r}",
                    )
                )
            else:
                seen[month] = season.name
    missing = [m for m in range(1, 13) if m not in seen]
    if missing:
        issues.append(
            ConfigIssue(
                file, "seasons", missing, "these months are in no season (each of 1..12 once)"
            )
        )
    return issues


def price_vectors(
    file: str, field: str, prices: Prices, used: set[int]
) -> tuple[NDArray[np.float64], NDArray[np.float64], list[ConfigIssue]]:
    """Import and export price per period index; a used period without a price is an issue."""
    imp = np.zeros(len(PERIODS))
    exp = np.zeros(len(PERIODS))
    issues: list[ConfigIssue] = []
    for index, period in enumerate(PERIODS):
        value = prices.import_.get(period)
        if value is None:
            if index in used:
                issues.append(
                    ConfigIssue(
                        file,
                        f"{field}.import.{period}",
                        None,
                        "period is used by a day profile but has no price",
                    )
                )
        else:
            imp[index] = value
        value = prices.export.get(period)
        if value is None and index in used:
            issues.append(
                ConfigIssue(
                    file,
                    f"{field}.export.{period}",
                    None,
                    "period is used by a day profile but has no export price",
                )
            )
        exp[index] = value or 0.0
    return imp, exp, issues
