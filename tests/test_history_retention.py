"""Resolution choice for 'auto', and retention per resolution in small deletes."""

from __future__ import annotations

import sqlite3

import pytest

from app.history import HistoryReader, history_path
from app.history import resolutions as res
from app.history.retention import RetentionPolicy
from app.history.schema import connect_for_writing
from tests.test_history_support import T0, FakeClock, G, open_writer, submit_series, write_series

HOUR, DAY = 3600.0, 86400.0


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (10 * 60, "raw"),
        (HOUR, "raw"),
        (HOUR + 1, "1m"),
        (2 * DAY, "1m"),
        (7 * DAY, "15m"),
        (31 * DAY, "15m"),
        (365 * DAY, "1h"),
    ],
)
def test_auto_picks_the_resolution_by_span(span, expected):
    now = T0
    assert res.choose(now - span, now, now).name == expected


def test_auto_skips_a_resolution_whose_rows_for_the_start_are_already_deleted():
    kept = {"raw": 7, "1m": 30, "15m": 0, "1h": 0}
    old_hour = (T0 - 10 * DAY, T0 - 10 * DAY + HOUR)
    assert res.choose(*old_hour, now=T0, retention_days=kept).name == "1m"
    assert res.choose(T0 - 40 * DAY, T0 - 39 * DAY, T0, kept).name == "15m"
    assert res.choose(T0 - HOUR, T0, T0, kept).name == "raw"


def test_a_query_reports_the_resolution_auto_chose(tmp_path):
    write_series(tmp_path, {"a.b": [(T0 + i * 60, float(i), G) for i in range(200)]})
    with HistoryReader(history_path(tmp_path), clock=FakeClock(T0 + DAY)) as reader:
        assert reader.query("a.b", T0, T0 + HOUR).resolution == "raw"
        day = reader.query("a.b", T0, T0 + DAY)
        assert day.resolution == "1m" and len(day) == 200 and day.min is not None
        assert reader.query("a.b", T0, T0 + 20 * DAY).resolution == "15m"


def test_the_writer_applies_retention_per_resolution(tmp_path):
    now = T0 + 3 * DAY
    clock = FakeClock(now)
    old, recent = now - DAY - 120, now - 60  # 'old' is past raw's 1 day, within 1m's 2 days
    series = {"a.b": [(old, 1.0, G), (old + 30, 2.0, G), (recent, 3.0, G)]}
    retention = {"raw": 1, "1m": 2, "15m": 0, "1h": 0}
    with open_writer(tmp_path, clock=clock, retention=retention) as writer:
        submit_series(writer, series)
    # the first retention pass runs in the cycle that committed the data; close() waits for it
    with HistoryReader(history_path(tmp_path), clock=clock) as reader:
        assert reader.query("a.b", old - 1, now, "raw").value.tolist() == [3.0]
        assert reader.query("a.b", old - 1, now, "1m").ts.tolist()[0] == old - old % 60
    clock.now = now + 2 * DAY  # later still: the 1 min rollups expire, 15 min stay
    with open_writer(tmp_path, clock=clock, retention=retention):
        pass
    with sqlite3.connect(history_path(tmp_path)) as conn:
        counts = [
            conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("samples", "rollup_1m", "rollup_15m", "rollup_1h")
        ]
    assert counts == [0, 0, 2, 2]


def test_retention_deletes_in_bounded_passes_until_done(tmp_path):
    conn = connect_for_writing(history_path(tmp_path))
    try:
        conn.execute("INSERT INTO points (id, point_id) VALUES (1, 'a.b'), (2, 'a.c')")
        rows = [(p, T0 + s, 1.0, 0) for p in (1, 2) for s in range(0, 2 * int(DAY), 10)]
        conn.executemany("INSERT INTO samples VALUES (?, ?, ?, ?)", rows)
        policy = RetentionPolicy({"raw": 1}, interval_s=60, budget_rows=500)
        now = T0 + 2 * DAY
        passes, mono = 0, 0.0
        while policy.due(mono):
            deleted = policy.run(conn, [1, 2], now, mono)
            assert deleted <= 500 + 60  # the budget, overshot by at most one slice
            passes += 1
            assert passes < 100
        # 17,280 expired rows at 540 a pass (the budget rounded up to whole 60-row slices),
        # back to back, then one pass that finds nothing left
        assert passes == 33

        left = conn.execute("SELECT MIN(ts), COUNT(*) FROM samples").fetchone()
        assert left == (now - DAY, 2 * 8640)
        assert not policy.due(mono + 59) and policy.due(mono + 60)  # then the normal interval
    finally:
        conn.close()
