"""HistoryWriter: point batches from the event loop into SQLite, on a thread of its own.

The event loop only appends to a bounded queue (``submit``). The writer thread wakes every
``flush_ms``, stores what is queued with one ``executemany`` per transaction, rolls up the
buckets that closed, and now and then deletes what retention no longer keeps. A commit
that fails (disk full, database locked, I/O error) is retried with back-off while the data
stays queued; the health is reported through ``on_status`` and ``status()``.

Durability: everything submitted more than about ``flush_ms`` + one commit ago is committed,
so killing the process loses at most the last second (docs/history.md).
"""

from __future__ import annotations

import contextlib
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from app.config.schema import HistoryConfig
from app.history.batch_queue import Batch, BatchQueue
from app.history.catalogue import Catalogue
from app.history.errors import HistoryError
from app.history.resolutions import M1
from app.history.retention import RetentionPolicy, retention_days
from app.history.rollups import RollupTracker
from app.history.schema import connect_for_writing, write_meta
from app.history.status import WriterStatus
from app.model import PointSpec, Station
from app.points import Quality

log = logging.getLogger(__name__)

T = TypeVar("T")
Row = tuple[int, Any, Any, int]

INSERT_SAMPLE = "INSERT OR REPLACE INTO samples (point, ts, value, quality) VALUES (?, ?, ?, ?)"
MAX_SAMPLES_PER_COMMIT = 50_000  # a backlog is written in chunks, back to back
DEFAULT_MAX_QUEUED = 500_000  # ~70 MB of queued values; ~40 min of a 200-point station
BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 10.0
CLOSE_RETRY_S = 10.0  # at shutdown, keep retrying a failing commit this long, then give up
MINUTE = float(M1.seconds)

# errors caused by the data itself (a NaN timestamp, a value that is not a number): the
# batch is stored again without the offending rows instead of being retried forever
DATA_ERRORS = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    OverflowError,
    TypeError,
    ValueError,
    LookupError,
)
_CODE = {q: int(q) for q in Quality}


def _as_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _valid_row(row: Row) -> bool:
    _, ts, value, quality = row
    return (
        isinstance(ts, float)
        and math.isfinite(ts)
        and (value is None or isinstance(value, float))
        and isinstance(quality, int)
    )


def _strict_row(pid: int, ts: Any, value: Any, quality: Any) -> Row | None:
    """The row for one sample, or None when it cannot be stored."""
    ts = _as_float(ts)
    if ts is None or not math.isfinite(ts):
        return None
    try:
        code = int(quality)
    except (TypeError, ValueError):
        return None
    return (pid, ts, None if value is None else _as_float(value), code)


class HistoryWriter:
    """Writes point batches to ``path`` (created if missing) until ``close()``.

    ``station`` (or ``points``) fills the points catalogue with units and kinds (counters
    get deltas); points first seen in data are catalogued as analogs. Callbacks run on the
    writer thread: hand over to the event loop with ``loop.call_soon_threadsafe``.
    """

    def __init__(
        self,
        path: Path | str,
        station: Station | None = None,
        *,
        points: Iterable[PointSpec] | None = None,
        config: HistoryConfig | None = None,
        on_status: Callable[[WriterStatus], None] | None = None,
        on_commit: Callable[[int], None] | None = None,
        max_queued_samples: int = DEFAULT_MAX_QUEUED,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        if config is None:
            config = station.history if station is not None else HistoryConfig()
        self.config = config
        if points is None:
            points = station.points.values() if station is not None else ()
        self._on_status = on_status
        self._on_commit = on_commit
        self._clock = clock
        self._flush_s = config.flush_ms / 1000.0
        days = retention_days(config.retention_days)
        self._retention = RetentionPolicy(days)
        self._catalogue = Catalogue()
        self._rollups = RollupTracker(self._catalogue)
        self._conn = connect_for_writing(self.path, config.durability)
        try:
            self._transaction(lambda: self._prepare(list(points), days))
        except sqlite3.Error as exc:
            self._conn.close()
            raise HistoryError(f"{self.path}: cannot prepare the history database: {exc}") from exc
        self._needs_recovery = False
        self._queue = BatchQueue(max_queued_samples)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._flush_target = 0
        self._flush_lock = threading.Lock()
        # health, written by the writer thread only
        self._committed = 0
        self._failures = 0
        self._error: str | None = None
        self._last_commit: float | None = None
        self._closed = False
        self._reported: tuple[Any, ...] | None = None
        self._drops_logged = 0
        self._thread = threading.Thread(target=self._run, name="history-writer")
        self._thread.start()

    # --- the event loop's side -------------------------------------------------------

    def submit(self, batch: Batch) -> None:
        """Queue a batch (e.g. the bus's POINTS payload, which nobody mutates); never blocks."""
        if self._closed:
            self._queue.done(lost=len(batch))  # too late: counted, not silently ignored
            return
        self._queue.put(batch)

    def flush(self, timeout: float | None = None) -> bool:
        """Block until everything submitted so far is committed (or dropped); False on timeout.

        Blocks: call it from a worker thread or an executor, never on the event loop.
        """
        target = self._queue.submitted
        with self._flush_lock:
            self._flush_target = max(self._flush_target, target)
        self._wake.set()
        if not self._thread.is_alive():
            return self._queue.handled >= target
        return self._queue.wait_handled(target, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Write what is queued, then stop the thread and close the database."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("history writer did not stop within %s s", timeout)

    def status(self) -> WriterStatus:
        q = self._queue
        return WriterStatus(
            healthy=self._failures == 0,
            error=self._error,
            failures=self._failures,
            queued=q.queued,
            committed=self._committed,
            dropped=q.dropped,
            lost=q.lost,
            last_commit=self._last_commit,
            closed=self._closed,
        )

    def stats(self) -> dict[str, float]:
        return self.status().stats()

    def __enter__(self) -> HistoryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the writer thread ---------------------------------------------------------------

    def _run(self) -> None:
        in_hand: list[Batch] = []
        in_hand_n = 0
        next_cycle = time.monotonic() + self._flush_s
        give_up_at: float | None = None
        try:
            while True:
                self._wake.wait(max(0.0, next_cycle - time.monotonic()))
                self._wake.clear()
                stopping = self._stopping.is_set()
                if not in_hand:
                    in_hand, in_hand_n = self._queue.take(MAX_SAMPLES_PER_COMMIT)
                next_cycle = time.monotonic() + self._flush_s
                try:
                    rejected = self._store_cycle(in_hand)
                except Exception as exc:  # the thread must outlive any failure
                    self._failed(exc)
                    next_cycle = time.monotonic() + min(
                        BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** (self._failures - 1)
                    )
                    if stopping:
                        give_up_at = give_up_at or time.monotonic() + CLOSE_RETRY_S
                        if time.monotonic() >= give_up_at:
                            self._give_up(in_hand_n)
                            return
                    self._report()
                    continue
                if in_hand_n:
                    self._committed += in_hand_n - rejected
                    self._queue.done(committed=in_hand_n - rejected, lost=rejected)
                    if self._on_commit is not None:
                        self._call(self._on_commit, self._committed)
                in_hand, in_hand_n = [], 0
                self._recovered()
                self._retention_cycle()
                self._report()
                if stopping and not self._queue.queued:
                    return
                if stopping or self._queue.queued >= MAX_SAMPLES_PER_COMMIT or self._flushing():
                    next_cycle = time.monotonic()  # a backlog or a flush request: go on now
        finally:
            self._shutdown()

    def _flushing(self) -> bool:
        return self._queue.handled < self._flush_target and self._queue.queued > 0

    def _store_cycle(self, batches: list[Batch]) -> int:
        """Store one chunk and roll up closed buckets; returns the samples rejected as invalid."""
        now = self._clock()
        if not batches and not self._needs_recovery and not self._rollups.has_due(now):
            return 0
        try:
            rejected = self._transaction(lambda: self._store(batches, now, strict=False))
        except DATA_ERRORS as exc:
            log.warning("history: some samples cannot be stored (%s); storing the rest", exc)
            rejected = self._transaction(lambda: self._store(batches, now, strict=True))
        self._needs_recovery = False
        self._last_commit = now
        return rejected

    def _store(self, batches: list[Batch], now: float, strict: bool) -> int:
        conn = self._conn
        if self._needs_recovery:  # the last transaction failed: memory may be ahead of disk
            self._catalogue.load(conn)
            self._rollups.recover(conn)
        self._needs_recovery = True  # until this transaction commits
        rows = self._strict_rows(batches) if strict else self._rows(batches)
        conn.executemany(INSERT_SAMPLE, rows)
        self._rollups.note({(row[0], row[1] // MINUTE) for row in rows})
        self._rollups.roll_closed(conn, now)
        return sum(len(b) for b in batches) - len(rows)

    def _rows(self, batches: list[Batch]) -> list[Row]:
        """Samples as (point, ts, value, quality code) rows; the hot loop of the writer."""
        ids = self._catalogue.ids
        rows: list[Row] = []
        append = rows.append
        code = _CODE
        for batch in batches:
            for point_id, pv in batch.items():
                pid = ids.get(point_id)
                if pid is None:
                    pid = self._catalogue.add(self._conn, point_id)
                value = pv.value
                if value.__class__ is not float and value is not None:
                    value = _as_float(value)  # ints, bools, numpy numbers; SQLite gets REALs
                append((pid, pv.ts, value, code[pv.quality]))
        return rows

    def _strict_rows(self, batches: list[Batch]) -> list[Row]:
        rows: list[Row] = []
        rejected = 0
        for batch in batches:
            for point_id, pv in batch.items():
                pid = self._catalogue.ids.get(point_id)
                if pid is None:
                    pid = self._catalogue.add(self._conn, point_id)
                row = _strict_row(pid, pv.ts, pv.value, pv.quality)
                if row is None or not _valid_row(row):
                    rejected += 1
                else:
                    rows.append(row)
        if rejected:
            log.warning("history: %d sample(s) with an invalid timestamp were not stored", rejected)
        return rows

    def _retention_cycle(self) -> None:
        mono = time.monotonic()
        if not self._retention.due(mono):
            return
        now = self._clock()
        try:
            pids = list(self._catalogue.by_id)
            self._transaction(lambda: self._retention.run(self._conn, pids, now, mono))
        except Exception as exc:  # never the end of the writer: data keeps being stored
            log.warning("history: retention pass failed (%s); trying again later", exc)

    def _transaction(self, work: Callable[[], T]) -> T:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            result = work()
            self._conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                self._conn.execute("ROLLBACK")
            raise
        return result

    def _prepare(self, specs: list[PointSpec], days: dict[str, int]) -> None:
        self._catalogue.load(self._conn)
        self._catalogue.register(self._conn, specs)
        meta = {f"retention_days.{name}": str(d) for name, d in days.items()}
        meta.update(durability=self.config.durability, flush_ms=str(self.config.flush_ms))
        write_meta(self._conn, meta)
        self._rollups.recover(self._conn)

    # --- health ---------------------------------------------------------------------

    def _failed(self, exc: Exception) -> None:
        self._failures += 1
        self._error = f"{type(exc).__name__}: {exc}"
        if self._failures == 1:
            log.warning(
                "history: commit to %s failed (%s); retrying with back-off, data stays queued",
                self.path,
                exc,
                exc_info=not isinstance(exc, sqlite3.Error),  # a bug, not the disk: show where
            )

    def _recovered(self) -> None:
        if self._failures:
            log.info("history: storage works again after %d failed attempt(s)", self._failures)
        self._failures = 0
        self._error = None

    def _give_up(self, in_hand_n: int) -> None:
        lost = in_hand_n + self._queue.drain()
        self._queue.done(lost=in_hand_n)
        log.error(
            "history: storage still failing at shutdown (%s); %d queued sample(s) lost",
            self._error,
            lost,
        )

    def _report(self) -> None:
        status = self.status()
        if status.dropped > self._drops_logged:
            log.warning(
                "history: queue full, %d sample(s) dropped so far (oldest first)", status.dropped
            )
            self._drops_logged = status.dropped
        key = (status.healthy, status.error, status.dropped, status.lost, status.closed)
        if key != self._reported and self._on_status is not None:
            self._call(self._on_status, status)
        self._reported = key

    def _call(self, callback: Callable[[Any], None], arg: Any) -> None:
        try:
            callback(arg)
        except Exception:
            log.exception("history: callback %r failed", callback)

    def _shutdown(self) -> None:
        try:
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._conn.close()
        except sqlite3.Error as exc:
            log.warning("history: closing %s: %s", self.path, exc)
        self._closed = True
        self._report()
