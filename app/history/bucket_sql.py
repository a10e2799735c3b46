"""The one definition of a rollup bucket's aggregates, as SQL over stored rows.

The writer materialises closed buckets with these statements and the reader runs the very
same ones for the still-open bucket, so a live bucket and a stored one always agree.

Rules (docs/history.md):
- *usable* samples have a value and good or uncertain quality; min, max, avg (the sample
  mean, sum / n_values), last and delta use only those. n_samples, n_good and worst (the
  highest Quality code) count every sample, so bad data in a bucket is never hidden.
- counter delta: the increase between consecutive usable samples, each step booked to the
  bucket of its later sample (the first step of a bucket starts from the last usable value
  before it). A step down means the counter was reset or rolled over: the step counts as
  the new value itself (the increase since it restarted from 0).
- coarser rollups combine the finer ones: min of mins, sum of sums and of deltas, ...

Parameters are named: :p point, :b bucket start, :e bucket end (exclusive), :lookback
how far back (s) to look for a counter's previous usable value.
"""

from __future__ import annotations

from app.points import Quality

BAD = int(Quality.BAD)
# how far back a counter's previous usable value is looked for (a longer outage than this
# starts the next bucket's delta afresh instead of bridging the gap)
COUNTER_LOOKBACK_S = 7 * 86400

# the aggregate columns every rollup table and statement shares, in this order
COLUMNS = (
    "min",
    "max",
    "sum",
    "n_values",
    "last",
    "last_ts",
    "n_samples",
    "n_good",
    "worst",
    "delta",
)

_COUNTER_DELTA = f"""(
    SELECT SUM(CASE WHEN step IS NULL THEN 0.0 WHEN step >= 0 THEN step ELSE v END)
    FROM (
        SELECT ts, v, v - LAG(v) OVER (ORDER BY ts) AS step FROM (
            SELECT ts, value AS v FROM samples
            WHERE point = :p AND ts >= :b AND ts < :e AND quality < {BAD}
                AND value IS NOT NULL
            UNION ALL
            SELECT * FROM (
                SELECT last_ts, last FROM rollup_1m
                WHERE point = :p AND ts < :b AND ts >= :b - :lookback AND last IS NOT NULL
                ORDER BY ts DESC LIMIT 1
            )
        )
    )
    WHERE ts >= :b
)"""


def raw_bucket_select(counter: bool) -> str:
    """One row of aggregates over the raw samples of one point in [:b, :e); none if empty."""
    delta = _COUNTER_DELTA if counter else "NULL"
    return f"""
SELECT * FROM (
    SELECT
        MIN(v), MAX(v), TOTAL(v), COUNT(v),
        (SELECT value FROM samples
            WHERE point = :p AND ts >= :b AND ts < :e AND quality < {BAD}
                AND value IS NOT NULL
            ORDER BY ts DESC LIMIT 1),
        MAX(CASE WHEN v IS NOT NULL THEN ts END),
        COUNT(*) AS n_samples, SUM(quality = 0), MAX(quality),
        {delta}
    FROM (
        SELECT ts, quality, CASE WHEN quality < {BAD} THEN value END AS v FROM samples
        WHERE point = :p AND ts >= :b AND ts < :e
    )
) WHERE n_samples > 0"""


def rollup_bucket_select(source_table: str) -> str:
    """One row of aggregates over the finer rollup rows of one point in [:b, :e)."""
    return f"""
SELECT * FROM (
    SELECT
        MIN(min), MAX(max), TOTAL(sum), SUM(n_values),
        (SELECT last FROM {source_table}
            WHERE point = :p AND ts >= :b AND ts < :e AND last IS NOT NULL
            ORDER BY ts DESC LIMIT 1),
        MAX(last_ts),
        SUM(n_samples) AS n_samples, SUM(n_good), MAX(worst), SUM(delta)
    FROM {source_table}
    WHERE point = :p AND ts >= :b AND ts < :e
) WHERE n_samples > 0"""


def upsert_from(select: str, table: str) -> str:
    """INSERT OR REPLACE the bucket row that ``select`` computes into ``table``."""
    return (
        f"INSERT OR REPLACE INTO {table} (point, ts, {', '.join(COLUMNS)})\n"
        f"SELECT :p, :b, * FROM ({select})"
    )
