"""Self-tuning for a running station (the console's *Tune rules…*): ``main.py tune --data``'s
inputs, run off the event loop, answered as a proposal or a refusal.

    outcome = await propose(station, data_dir, current, "v3")
    if isinstance(outcome, TuneRefusal): outcome.reason, outcome.have_days, outcome.message
    else: outcome.section, outcome.diff, outcome.bill_proposed, outcome.ratio_proposed, ...

The inputs are the ones ``main.py tune --station FILE --data DIR`` uses (app/tune/cli.py):
the station's tariff (else the built-in default), the data folder's recorded ``site.load_p``
and ``site.pv_p`` (15-minute rollups, app/backtest/history_source.py), the window ending at
the local midnight of the last recorded load value. Unlike the command, which fails on any
gap, the window here is the gap-free tail of the last ``days`` (28): a station with 10
recorded days is tuned on those 10, one with less than ``min_days`` (7) whole days gets a
``TuneRefusal`` saying how much there is, never an exception. Everything (SQLite, the
backtests: up to a minute of CPU) runs on a worker thread; ``progress`` is called on the
event loop after each backtest, and cancelling the awaiting task stops the worker at the
next one. Nothing is stored: applying a proposal is ``Runtime.apply_tuning``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np

from app.backtest.cli import DEFAULT_TARIFF
from app.backtest.history_source import history_series
from app.backtest.series import QUARTER_S, Series
from app.control.snapshot import SiteRoles
from app.control_versions.canonical import canonical_json, to_yaml
from app.control_versions.validate import validate_section
from app.history import HistoryError, HistoryReader
from app.history.schema import history_path
from app.model import Station
from app.tariff import Tariff, load_tariff
from app.tune.search import TUNE_STEP_S, WINDOW_DAYS, TuneResult, tune_rules

MIN_DAYS = 7.0  # less recorded history than this is refused


if TYPE_CHECKING:
    from app.control_versions.manager import AppliedVersion


class TuningFacade(Protocol):
    """The part of the runtime's facade the console's tuning dialog uses (app/runtime.py
    Runtime, tests/ui_support.py FakeRuntime)."""

    async def propose_tuning(
        self, progress: Callable[[int], None] | None = None
    ) -> TuneProposal | TuneRefusal: ...

    async def apply_tuning(
        self,
        section: dict[str, Any],
        user: str,
        reason: str,
        window: tuple[float, float] | None = None,
    ) -> AppliedVersion: ...


class TuneCancelled(Exception):
    """The proposal was cancelled (raised on the worker thread, never seen by callers)."""


@dataclass(frozen=True)
class TuneRefusal:
    """Not enough history to tune on. ``reason``: ``no_history`` (no database, or no load
    recorded) or ``short_history`` (less than ``need_days`` whole days without a gap).
    ``first_ts``/``last_ts``: the gap-free recorded span up to the last value (None if
    none); ``gap_ts``: the first missing quarter hour of the gap that cuts the window short
    (None when the recording simply starts later). ``message`` is the English text; the
    console renders its own from the fields."""

    reason: str
    have_days: float
    need_days: float
    point_id: str
    first_ts: float | None = None
    last_ts: float | None = None
    gap_ts: float | None = None

    @property
    def message(self) -> str:
        need = f"{self.need_days:g}"
        if self.reason == "no_history":
            return (
                f"No recorded history of {self.point_id} in the data folder: tuning needs at "
                f"least {need} days of it."
            )
        span = "" if self.first_ts is None or self.last_ts is None else (
            f" ({iso(self.first_ts)} .. {iso(self.last_ts)})"
        )  # fmt: skip
        gap = "" if self.gap_ts is None else f"; the history has a gap at {iso(self.gap_ts)}"
        return (
            f"The data folder holds {_amount(self.have_days)} of history{span}{gap}: tuning "
            f"needs at least {need} whole days without a gap. Let the station run longer, or "
            "tune on CSVs with `main.py tune --load --pv`."
        )


@dataclass(frozen=True)
class TuneProposal:
    """The tuner's proposal on the window ``start_ts`` .. ``end_ts`` (``days`` days, backtests
    at ``step_s``): the proposed section, its unified diff against ``current_label`` ("" when
    it changes nothing) and the bills (currency of the tariff) and ratios to the optimal
    saving (None: not defined on the window) of the running section, the proposal and no
    storage. ``describe``/``notes``: the tuner's own words (English)."""

    section: dict[str, Any]
    diff: str
    current_label: str
    start_ts: float
    end_ts: float
    days: float
    step_s: int
    evaluations: int
    describe: str
    bill_proposed: float
    ratio_proposed: float | None
    bill_current: float | None
    ratio_current: float | None
    bill_without: float
    peak_kw: float
    season: str
    growth: float
    notes: tuple[str, ...]
    currency: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.diff)

    @property
    def saving(self) -> float | None:
        """What the proposal saves on the window against the running section (> 0: cheaper)."""
        return None if self.bill_current is None else self.bill_current - self.bill_proposed


# ---- shared with `main.py tune` (app/tune/cli.py) -----------------------------------------------


def station_tariff(station: Station, path: Path | None = None) -> Tariff:
    """``path``'s tariff, else the station's, else the built-in default."""
    if path is not None:
        return load_tariff(path)
    if isinstance(station.tariff, Tariff):
        return station.tariff
    return load_tariff(DEFAULT_TARIFF)


def local_midnight(day: dt.date, zone: ZoneInfo) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def section_diff(old: dict[str, Any], new: dict[str, Any], old_label: str) -> str:
    """Unified diff of two control sections as YAML ("" when equal)."""
    # through canonical JSON: a list shared by two strategies is written out twice, not as
    # a YAML anchor, exactly as the version store will hold it
    old, new = json.loads(canonical_json(old)), json.loads(canonical_json(new))
    lines = difflib.unified_diff(
        to_yaml(old).splitlines(keepends=True),
        to_yaml(new).splitlines(keepends=True),
        fromfile=old_label,
        tofile="proposed",
    )
    return "".join(lines)


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")


def tune_reason(reason: str, start_ts: float, end_ts: float) -> str:
    """The audited reason of an applied proposal: the user's words and the window."""
    return f"{reason.strip()} (tuned on {iso(start_ts)} .. {iso(end_ts)})"


def _amount(days: float) -> str:
    if days >= 1:
        return f"{days:.1f} days"
    if days * 24 >= 1:
        return f"{days * 24:.1f} hours"
    return f"{round(days * 1440)} minutes"


# ---- the tuner (one call: a change of tune_rules' signature is fixed here) ---------------------


def run_tuner(
    station: Station,
    tariff: Tariff,
    load: Series,
    pv: Series,
    *,
    end_ts: float,
    days: float,
    step_s: int,
    base: dict[str, Any],
    progress: Callable[[Any], None] | None = None,
) -> TuneResult:
    return tune_rules(
        station,
        tariff,
        load,
        pv,
        end_ts=end_ts,
        days=days,
        step_s=step_s,
        base=base,
        progress=progress,
    )


# ---- the window ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    end_ts: float  # local midnight after the last recorded load value: the window's end
    days: int  # whole days of gap-free history before end_ts (at most the window asked for)
    first_ts: float | None  # the gap-free recorded span up to the last value (None: none)
    last_ts: float | None
    gap_ts: float | None  # the first missing quarter hour of the gap that cuts the window


def _tail(have: np.ndarray) -> tuple[int, int | None]:
    """(length of the run of True at the end, index of the False before it or None)."""
    missing = np.flatnonzero(~have)
    if missing.size == 0:
        return int(have.size), None
    last = int(missing[-1])
    return int(have.size) - 1 - last, last


def recorded_span(station: Station, data_dir: Path, days: float) -> _Span | None:
    """The gap-free tail of the ``days`` before the local midnight of the last recorded load
    (load and PV both recorded in every quarter hour); None without any recorded load."""
    roles = SiteRoles.from_station(station)
    path = history_path(data_dir)
    if not path.exists():
        return None
    zone = ZoneInfo(station.info.timezone)
    n = round(days * 86400 / QUARTER_S)
    try:
        with HistoryReader(path) as reader:
            latest = reader.latest(roles.load_p)
            if latest is None:
                return None
            last_ts = float(latest.ts)
            end = local_midnight(dt.datetime.fromtimestamp(last_ts, zone).date(), zone)
            start = end - n * QUARTER_S
            # the window's quarters, then those of the last (partial) day up to the last value
            m = n + int((last_ts - end) // QUARTER_S) + 1
            have = np.ones(m, dtype=bool)
            for point_id in (roles.load_p, roles.pv_p):
                result = reader.query(point_id, start, last_ts, "15m")
                mark = np.zeros(m, dtype=bool)
                index = np.floor((result.ts - start) / QUARTER_S + 0.5).astype(np.int64)
                ok = (index >= 0) & (index < m) & np.isfinite(result.value)
                mark[index[ok]] = True
                have &= mark
    except HistoryError:  # a point never recorded (not in the catalogue)
        return None
    window, cut = _tail(have[:n])
    gap = None
    if cut is not None and have[:cut].any():  # recorded before it too: a gap, not the start
        first_missing = cut
        while not have[first_missing - 1]:
            first_missing -= 1
        gap = start + first_missing * QUARTER_S
    recent, _ = _tail(have)
    first = None if recent == 0 else start + (m - recent) * QUARTER_S
    return _Span(
        end, int(window * QUARTER_S // 86400), first, None if first is None else last_ts, gap
    )


# ---- the proposal ----------------------------------------------------------------------------


def propose_blocking(
    station: Station,
    data_dir: Path,
    current: dict[str, Any],
    current_label: str,
    *,
    tariff: Tariff | None = None,
    days: float = WINDOW_DAYS,
    min_days: float = MIN_DAYS,
    step_s: int = TUNE_STEP_S,
    progress: Callable[[int], None] | None = None,
) -> TuneProposal | TuneRefusal:
    """``propose`` on the calling thread (seconds to a minute: never on the event loop)."""
    if step_s <= 0 or 900 % step_s:
        raise ValueError(f"step {step_s} s does not divide 900 s")
    roles = SiteRoles.from_station(station)
    span = recorded_span(station, Path(data_dir), days)
    if span is None:
        return TuneRefusal("no_history", 0.0, min_days, roles.load_p)
    have = (
        0.0 if span.first_ts is None or span.last_ts is None
        else max(0.0, span.last_ts - span.first_ts) / 86400
    )  # fmt: skip
    if span.days < min_days:
        return TuneRefusal(
            "short_history", have, min_days, roles.load_p, span.first_ts, span.last_ts, span.gap_ts
        )
    window = float(span.days)
    start = span.end_ts - window * 86400
    load = history_series(data_dir, roles.load_p, start, window)
    pv = history_series(data_dir, roles.pv_p, start, window)
    count = 0

    def on_backtest(_evaluation: Any) -> None:
        nonlocal count
        count += 1
        if progress is not None:
            progress(count)  # may raise TuneCancelled: that ends the search

    tariff = tariff if tariff is not None else station_tariff(station)
    result = run_tuner(
        station,
        tariff,
        load,
        pv,
        end_ts=span.end_ts,
        days=window,
        step_s=step_s,
        base=current,
        progress=on_backtest,
    )
    validate_section(result.section, station, "proposed control section")
    proposed = result.proposed or result.best
    cur = result.current
    section = json.loads(canonical_json(result.section))  # as it will be stored
    return TuneProposal(
        section=section,
        diff=section_diff(current, section, current_label),
        current_label=current_label,
        start_ts=result.start_ts,
        end_ts=result.end_ts,
        days=window,
        step_s=step_s,
        evaluations=len(result.evaluations),
        describe=result.describe(),
        bill_proposed=proposed.bill,
        ratio_proposed=proposed.ratio,
        bill_current=None if cur is None else cur.bill,
        ratio_current=None if cur is None else cur.ratio,
        bill_without=result.bill_without,
        peak_kw=result.peak_kw,
        season=result.season,
        growth=result.growth,
        notes=result.notes,
        currency=tariff.currency,
    )


async def propose(
    station: Station,
    data_dir: Path,
    current: dict[str, Any],
    current_label: str,
    *,
    tariff: Tariff | None = None,
    days: float = WINDOW_DAYS,
    min_days: float = MIN_DAYS,
    step_s: int = TUNE_STEP_S,
    progress: Callable[[int], None] | None = None,
) -> TuneProposal | TuneRefusal:
    """Tune the rules of ``station`` on ``data_dir``'s history against ``current`` (the
    running section, named ``current_label`` in the diff), on a worker thread of its own.

    ``progress(n)`` runs on the event loop after the n-th backtest. Cancelling the awaiting
    task makes the worker stop after the backtest in progress. Raises what the tuner raises
    (SeriesError, ConfigError, OptimumError) and ValueError for a bad ``step_s``.
    """
    loop = asyncio.get_running_loop()
    cancelled = threading.Event()

    def report(n: int) -> None:
        if cancelled.is_set():
            raise TuneCancelled
        if progress is not None:
            loop.call_soon_threadsafe(progress, n)

    def work() -> TuneProposal | TuneRefusal:
        return propose_blocking(
            station,
            data_dir,
            current,
            current_label,
            tariff=tariff,
            days=days,
            min_days=min_days,
            step_s=step_s,
            progress=report,
        )

    # a thread of its own: the default executor serves short jobs (history, audit opens)
    executor = ThreadPoolExecutor(1, thread_name_prefix="tune")
    try:
        return await loop.run_in_executor(executor, work)
    except asyncio.CancelledError:
        cancelled.set()
        raise
    finally:
        executor.shutdown(wait=False)
