"""HistoryWriter + HistoryReader on real SQLite files: round trips, quality, failures."""

from __future__ import annotations

import math
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from app.history import (
    HistoryError,
    HistoryReader,
    HistoryWriter,
    NoDatabaseError,
    UnknownPointError,
    WriterStatus,
    history_path,
)
from app.history import schema as history_schema
from app.points import PointValue, Quality
from tests.test_history_support import T0, G, open_writer, spec, submit_series, write_series


def test_samples_round_trip_in_time_order(tmp_path):
    series = {"pcs1.p": [(T0 + s, float(s) - 5.5, G) for s in (3, 1, 2, 0)]}
    write_series(tmp_path, series, [spec("pcs1.p", unit="kW")])
    with HistoryReader(history_path(tmp_path)) as reader:
        result = reader.query("pcs1.p", T0, T0 + 3, "raw")
        assert result.resolution == "raw"
        assert result.ts.tolist() == [T0, T0 + 1, T0 + 2, T0 + 3]
        assert result.value.tolist() == [-5.5, -4.5, -3.5, -2.5]
        assert result.quality.tolist() == [0, 0, 0, 0]
        assert result.min is None and result.delta is None
        assert len(reader.query("pcs1.p", T0 + 1, T0 + 2, "raw")) == 2  # both ends included
        assert reader.latest("pcs1.p") == PointValue(-2.5, T0 + 3, Quality.GOOD)
        [point] = reader.points()
        assert (point.point_id, point.unit, point.kind) == ("pcs1.p", "kW", "analog")


def test_every_quality_round_trips_and_a_bad_sample_without_value_is_null(tmp_path):
    members = list(Quality)
    series = {"dev.x": [(T0 + i, None if q.is_bad else 1.0, q) for i, q in enumerate(members)]}
    write_series(tmp_path, series)
    with HistoryReader(history_path(tmp_path)) as reader:
        result = reader.query("dev.x", T0, T0 + len(members), "raw")
    assert [Quality(int(q)) for q in result.quality] == members
    for q, value in zip(members, result.value, strict=True):
        assert math.isnan(value) if q.is_bad else value == 1.0
    with sqlite3.connect(history_path(tmp_path)) as conn:
        nulls = conn.execute("SELECT COUNT(*) FROM samples WHERE value IS NULL").fetchone()[0]
    assert nulls == sum(q.is_bad for q in members)


def test_ints_bools_and_numpy_numbers_are_stored_as_reals(tmp_path):
    values = [7, True, np.float32(2.5), np.int64(-3), 2**70]
    write_series(tmp_path, {"d.v": [(T0 + i, v, G) for i, v in enumerate(values)]})
    with HistoryReader(history_path(tmp_path)) as reader:
        stored = reader.query("d.v", T0, T0 + 10, "raw").value.tolist()
    assert stored == [7.0, 1.0, 2.5, -3.0, float(2**70)]


def test_a_repeated_timestamp_keeps_the_last_sample(tmp_path):
    write_series(tmp_path, {"d.v": [(T0, 1.0, G), (T0, 2.0, Quality.UNCERTAIN)]})
    with HistoryReader(history_path(tmp_path)) as reader:
        result = reader.query("d.v", T0, T0, "raw")
    assert result.value.tolist() == [2.0] and result.quality.tolist() == [Quality.UNCERTAIN]


def test_invalid_timestamps_are_counted_lost_and_the_rest_is_stored(tmp_path):
    with open_writer(tmp_path) as writer:
        writer.submit({"d.v": PointValue(1.0, T0), "d.w": PointValue(2.0, math.nan)})
        writer.submit({"d.v": PointValue(3.0, T0 + 1)})
        assert writer.flush(timeout=30)
        status = writer.status()
    assert (status.committed, status.lost, status.healthy) == (2, 1, True)
    with HistoryReader(history_path(tmp_path)) as reader:
        assert reader.query("d.v", T0, T0 + 1, "raw").value.tolist() == [1.0, 3.0]


def test_the_catalogue_follows_unit_and_kind_changes_in_the_config(tmp_path):
    write_series(tmp_path, {"m.e": [(T0, 1.0, G)]}, [spec("m.e", "analog", "Wh")])
    write_series(tmp_path, {"m.e": [(T0 + 1, 2.0, G)]}, [spec("m.e", "counter", "kWh")])
    with HistoryReader(history_path(tmp_path)) as reader:
        [point] = reader.points()
        assert (point.unit, point.kind, point.is_counter) == ("kWh", "counter", True)
        assert len(reader.query("m.e", T0, T0 + 1, "raw")) == 2


def test_reader_errors_name_what_is_missing(tmp_path):
    with pytest.raises(NoDatabaseError, match="no history database"):
        HistoryReader(history_path(tmp_path))
    write_series(tmp_path, {"a.b": [(T0, 1.0, G)]})
    with HistoryReader(history_path(tmp_path)) as reader:
        with pytest.raises(UnknownPointError, match=r"'a\.nope'"):
            reader.query("a.nope", T0, T0 + 1)
        with pytest.raises(ValueError, match="unknown resolution '5m'"):
            reader.query("a.b", T0, T0 + 1, "5m")
        assert reader.query("a.b", T0 + 10, T0 + 20, "raw").ts.shape == (0,)


def test_schema_layout_and_version(tmp_path):
    write_series(tmp_path, {"a.b": [(T0, 1.0, G)]})
    with sqlite3.connect(history_path(tmp_path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 1
        ddl = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        for table in ("samples", "rollup_1m", "rollup_15m", "rollup_1h"):
            assert "WITHOUT ROWID" in ddl[table] and "PRIMARY KEY (point, ts)" in ddl[table]
        assert conn.execute("SELECT typeof(point), typeof(quality) FROM samples").fetchone() == (
            "integer",
            "integer",
        )


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    write_series(tmp_path, {"a.b": [(T0, 1.0, G)]})
    with sqlite3.connect(history_path(tmp_path)) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 0)")
    with pytest.raises(HistoryError, match="version 99"):
        HistoryWriter(history_path(tmp_path))
    with pytest.raises(HistoryError, match="version 99"):
        HistoryReader(history_path(tmp_path))


def test_durability_full_sets_synchronous_full(tmp_path):
    conn = history_schema.connect_for_writing(history_path(tmp_path), "full")
    try:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        conn.close()


def test_flush_close_and_late_submits_are_accounted(tmp_path):
    commits: list[int] = []
    with open_writer(tmp_path, on_commit=commits.append) as writer:
        submit_series(writer, {"a.b": [(T0 + i, float(i), G) for i in range(10)]})
        assert commits[-1] == 10
    assert writer.status().closed
    writer.submit({"a.b": PointValue(1.0, T0 + 100)})  # after close: counted as lost
    assert writer.status().lost == 1
    assert writer.flush(timeout=1)  # nothing pending: returns at once
    writer.close()  # a second close is harmless


def test_a_locked_database_is_retried_and_a_full_queue_drops_oldest(tmp_path, monkeypatch):
    """Storage failures never crash the writer nor lose data silently."""
    monkeypatch.setattr(history_schema, "BUSY_TIMEOUT_S", 0.05)
    unhealthy = threading.Event()
    healthy_again = threading.Event()

    def on_status(status: WriterStatus) -> None:  # called on the writer thread
        if not status.healthy:
            unhealthy.set()
        elif unhealthy.is_set():
            healthy_again.set()

    with open_writer(tmp_path, on_status=on_status, max_queued_samples=5) as writer:
        blocker = sqlite3.connect(history_path(tmp_path), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            for i in range(12):
                writer.submit({"a.b": PointValue(float(i), T0 + i)})
            assert unhealthy.wait(30), "the failure was never reported"
            failing = writer.status()
            assert not failing.healthy and "locked" in (failing.error or "")
            assert failing.dropped > 0  # the queue bound held while the disk was unusable
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert writer.flush(timeout=30)
        assert healthy_again.wait(30)
        status = writer.status()
    assert status.healthy and status.committed + status.dropped == 12
    with HistoryReader(history_path(tmp_path)) as reader:
        kept = reader.query("a.b", T0, T0 + 20, "raw").value.tolist()
    assert len(kept) == status.committed
    assert kept[-5:] == [7.0, 8.0, 9.0, 10.0, 11.0]  # the newest survive; the oldest went first


def test_a_reader_serves_worker_threads_while_the_writer_commits(tmp_path):
    with open_writer(tmp_path) as writer:
        submit_series(writer, {"a.b": [(T0, 0.0, G)]})
        reader = HistoryReader(history_path(tmp_path))  # made here, used on the workers
        with reader, ThreadPoolExecutor(2) as pool:
            counts = []
            for i in range(1, 6):
                writer.submit({"a.b": PointValue(float(i), T0 + i)})
                assert writer.flush(timeout=30)
                futures = [pool.submit(reader.query, "a.b", T0, T0 + 10, "raw") for _ in (1, 2)]
                counts.append({len(f.result(timeout=30)) for f in futures})
        assert counts == [{2}, {3}, {4}, {5}, {6}]  # each query sees every commit before it
        stats = writer.stats()
    assert stats["history_committed"] == 6 and stats["history_healthy"] == 1.0
