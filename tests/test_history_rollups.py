"""Rollups against data small enough to check by hand: aggregates, counters, open buckets."""

from __future__ import annotations

import math
import sqlite3

import numpy as np

from app.history import HistoryReader, QueryResult, history_path
from app.points import Quality
from tests.test_history_support import T0, FakeClock, G, U, open_writer, spec, submit_series

BAD_COMM, BAD_TIMEOUT = Quality.BAD_COMM_LOST, Quality.BAD_TIMEOUT

ANALOG = [
    # minute 0: bad samples count, but their values never enter min/max/avg/last
    (T0 + 0, 1.0, G),
    (T0 + 10, 5.0, G),
    (T0 + 20, 3.0, U),
    (T0 + 30, 100.0, BAD_COMM),  # a bad sample that kept its last value
    (T0 + 40, None, BAD_TIMEOUT),
    # minute 1
    (T0 + 60, 7.0, G),
    # minute 2: nothing usable
    (T0 + 125, None, BAD_COMM),
]

COUNTER = [
    (T0 + 0, 10.0, G),
    (T0 + 20, 12.0, G),
    (T0 + 40, 15.0, G),  # minute 0: +2 +3
    (T0 + 60, 18.0, G),
    (T0 + 80, 2.0, G),  # reset: counts as +2 since it restarted from 0
    (T0 + 100, 5.0, G),  # minute 1: +3 +2 +3
    (T0 + 130, 9.0, BAD_COMM),  # minute 2: bad, ignored
    (T0 + 190, 11.0, G),  # minute 3: +6 from the last usable value (5)
]

POINTS = [spec("a.p"), spec("m.e", kind="counter", unit="kWh")]


def _rows(result: QueryResult) -> list[tuple]:
    """(offset from T0, avg, min, max, last, delta, count, good, worst) with NaN as None."""

    def clean(x: float) -> float | None:
        return None if math.isnan(x) else float(x)

    assert result.min is not None and result.max is not None and result.last is not None
    assert result.delta is not None and result.count is not None
    assert result.good_count is not None
    return [
        (
            t - T0,
            clean(v),
            clean(mn),
            clean(mx),
            clean(last),
            clean(d),
            int(n),
            int(g),
            Quality(int(q)),
        )
        for t, v, mn, mx, last, d, n, g, q in zip(
            result.ts,
            result.value,
            result.min,
            result.max,
            result.last,
            result.delta,
            result.count,
            result.good_count,
            result.quality,
            strict=True,
        )
    ]


def _write(tmp_path, clock=None):
    with open_writer(tmp_path, POINTS, clock) as writer:
        submit_series(writer, {"a.p": ANALOG, "m.e": COUNTER})


def test_analog_minute_rollups(tmp_path):
    _write(tmp_path)
    with HistoryReader(history_path(tmp_path)) as reader:
        rows = _rows(reader.query("a.p", T0, T0 + 179, "1m"))
    assert rows == [
        (0, 3.0, 1.0, 5.0, 3.0, None, 5, 2, BAD_TIMEOUT),
        (60, 7.0, 7.0, 7.0, 7.0, None, 1, 1, G),
        (120, None, None, None, None, None, 1, 0, BAD_COMM),
    ]


def test_coarser_rollups_combine_the_finer_ones(tmp_path):
    _write(tmp_path)
    with HistoryReader(history_path(tmp_path)) as reader:
        for res in ("15m", "1h"):
            rows = _rows(reader.query("a.p", T0, T0 + 60, res))
            assert rows == [(0, 4.0, 1.0, 7.0, 7.0, None, 7, 3, BAD_TIMEOUT)], res
            [(_, *counter)] = _rows(reader.query("m.e", T0, T0 + 60, res))
            assert counter[4] == 19.0  # delta: 5 + 8 + 6, the real increase
        # the 15 min bucket is stored, not only computed: it closed by the clock
    with sqlite3.connect(history_path(tmp_path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM rollup_15m").fetchone()[0] == 2


def test_counter_deltas_survive_a_reset_and_bad_samples(tmp_path):
    _write(tmp_path)
    with HistoryReader(history_path(tmp_path)) as reader:
        result = reader.query("m.e", T0, T0 + 239, "1m")
    deltas = [None if math.isnan(d) else d for d in result.delta]  # type: ignore[union-attr]
    assert deltas == [5.0, 8.0, None, 6.0]
    assert result.value.tolist()[:2] == [(10 + 12 + 15) / 3, (18 + 2 + 5) / 3]


def test_a_late_sample_rolls_its_bucket_and_the_following_counter_deltas_again(tmp_path):
    _write(tmp_path)
    with open_writer(tmp_path, POINTS) as writer:
        submit_series(writer, {"a.p": [(T0 + 50, -4.0, G)], "m.e": [(T0 + 110, 7.0, G)]})
    with HistoryReader(history_path(tmp_path)) as reader:
        analog = _rows(reader.query("a.p", T0, T0 + 59, "1m"))
        assert analog[0][1:4] == (5.0 / 4, -4.0, 5.0)
        result = reader.query("m.e", T0, T0 + 239, "1m")
        deltas = [None if math.isnan(d) else d for d in result.delta]  # type: ignore[union-attr]
        assert deltas == [5.0, 10.0, None, 4.0]  # 5 -> 7 moved into minute 1; 7 -> 11 is 4
        assert reader.query("m.e", T0, T0, "1h").delta.tolist() == [19.0]  # type: ignore[union-attr]


def test_the_open_bucket_is_computed_live_and_matches_once_stored(tmp_path):
    """With the clock at the data, the newest bucket is still open: queries add it."""
    clock = FakeClock(T0 + 200)  # minute 3 (180..240) is open; 15 min and 1 h too
    _write(tmp_path, clock)
    with sqlite3.connect(history_path(tmp_path)) as conn:
        stored = conn.execute(
            "SELECT ts - ? FROM rollup_1m WHERE point = (SELECT id FROM points"
            " WHERE point_id = 'm.e') ORDER BY ts",
            (T0,),
        ).fetchall()
        assert stored == [(0,), (60,), (120,)]  # closed by the point's own newer samples
        assert conn.execute("SELECT COUNT(*) FROM rollup_15m").fetchone()[0] == 0
    with HistoryReader(history_path(tmp_path), clock=clock) as reader:
        live = {res: _rows(reader.query("m.e", T0, T0 + 239, res)) for res in ("1m", "15m", "1h")}
        assert live["1m"][-1][0] == 180 and live["1m"][-1][5] == 6.0
        assert live["15m"][0][5] == 19.0 and live["1h"] == live["15m"]

    clock.now = T0 + 4000  # a restart much later: the writer rolls what was open
    with open_writer(tmp_path, POINTS, clock) as writer:
        assert writer.flush(timeout=30)
    with sqlite3.connect(history_path(tmp_path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM rollup_15m").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM rollup_1h").fetchone()[0] == 2
    with HistoryReader(history_path(tmp_path), clock=clock) as reader:
        for res, rows in live.items():
            assert _rows(reader.query("m.e", T0, T0 + 239, res)) == rows, res


def test_rollups_agree_with_numpy_over_random_data(tmp_path):
    """Many samples over several hours, out of order and with gaps: SQL against numpy."""
    rng = np.random.default_rng(7)
    ts = T0 + np.sort(rng.choice(4 * 3600, size=3000, replace=False)).astype(float)
    values = rng.normal(50, 20, size=ts.size)
    quality = rng.choice([0, 32, 65], size=ts.size, p=[0.9, 0.05, 0.05])
    samples = [(t, v, Quality(int(q))) for t, v, q in zip(ts, values, quality, strict=True)]
    order = rng.permutation(len(samples))
    with open_writer(tmp_path, [spec("a.p")]) as writer:
        for chunk in np.array_split(order, 7):  # several commits, each out of order
            submit_series(writer, {"a.p": [samples[i] for i in chunk]})
    usable = quality < 64
    with HistoryReader(history_path(tmp_path)) as reader:
        for res, width in (("1m", 60), ("15m", 900), ("1h", 3600)):
            result = reader.query("a.p", T0, T0 + 4 * 3600, res)
            assert result.min is not None and result.max is not None and result.count is not None
            buckets = (ts // width) * width
            for b, avg, mn, mx, n in zip(
                result.ts, result.value, result.min, result.max, result.count, strict=True
            ):
                inside = buckets == b
                good = inside & usable
                assert n == inside.sum()
                if good.any():
                    assert math.isclose(avg, values[good].mean(), rel_tol=1e-9)
                    assert (mn, mx) == (values[good].min(), values[good].max())
            assert result.count.sum() == ts.size
