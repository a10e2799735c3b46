"""Tariff period lookup: boundaries, midnight, seasons, weekends, holidays, zones, vectorised."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from app.tariff import PERIODS, load_tariff, parse_tariff

RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "tariffs"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, zone=SHANGHAI) -> float:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=zone).timestamp()


def tou_data(timezone: str = "Asia/Shanghai") -> dict:
    return {
        "name": "test TOU",
        "timezone": timezone,
        "source": "test",
        "seasons": [
            {
                "name": "summer",
                "months": [6, 7, 8],
                "weekday": {
                    "critical_peak": ["10:00-12:00"],
                    "peak": ["08:00-10:00", "12:00-22:00"],
                    "flat": ["06:00-08:00"],
                    "valley": ["22:00-06:00"],
                },
                "weekend": {"flat": ["06:00-22:00"], "valley": ["22:00-06:00"]},
                "holiday": {"valley": ["00:00-24:00"]},
            },
            {
                "name": "rest",
                "months": [1, 2, 3, 4, 5, 9, 10, 11, 12],
                "weekday": {
                    "peak": ["08:00-22:00"],
                    "flat": ["06:00-08:00"],
                    "valley": ["22:00-06:00"],
                },
                "prices": {
                    "import": {"peak": 0.9, "flat": 0.5, "valley": 0.25},
                    "export": 0.1,
                },
            },
        ],
        "holidays": ["2026-07-01"],
        "workdays": ["2026-07-04"],
        "prices": {
            "import": {"critical_peak": 1.5, "peak": 1.0, "flat": 0.6, "valley": 0.3},
            "export": {"critical_peak": 0.5, "peak": 0.4, "flat": 0.3, "valley": 0.2},
        },
    }


@pytest.fixture(scope="module")
def tou():
    return parse_tariff(tou_data(), "test.yaml")


@pytest.mark.parametrize(
    ("clock", "period"),
    [
        ((7, 59, 59), "flat"),
        ((8, 0, 0), "peak"),  # start inclusive
        ((9, 59, 59), "peak"),
        ((10, 0, 0), "critical_peak"),
        ((11, 59, 59), "critical_peak"),
        ((12, 0, 0), "peak"),  # end exclusive
        ((21, 59, 59), "peak"),
        ((22, 0, 0), "valley"),
        ((23, 59, 59), "valley"),
        ((0, 0, 0), "valley"),
        ((5, 59, 59), "valley"),
        ((6, 0, 0), "flat"),
    ],
)
def test_boundaries_start_inclusive_end_exclusive(tou, clock, period):
    assert tou.period(at(2026, 7, 2, *clock)) == period  # a Thursday in summer


def test_across_midnight_interval_covers_both_days(tou):
    assert tou.period(at(2026, 7, 2, 23, 30)) == "valley"
    assert tou.period(at(2026, 7, 3, 0, 30)) == "valley"
    assert tou.import_price(at(2026, 7, 3, 0, 30)) == 0.3


def test_seasons_choose_profile_and_prices(tou):
    summer, spring = at(2026, 7, 2, 10, 30), at(2026, 5, 6, 10, 30)
    assert (tou.period(summer), tou.import_price(summer), tou.export_price(summer)) == (
        "critical_peak",
        1.5,
        0.5,
    )
    assert (tou.period(spring), tou.import_price(spring), tou.export_price(spring)) == (
        "peak",
        0.9,
        0.1,
    )
    assert tou.season(dt.date(2026, 8, 31)) == "summer"
    assert tou.season(dt.date(2026, 9, 1)) == "rest"


def test_weekends_holidays_and_swapped_workdays(tou):
    assert tou.period(at(2026, 7, 5, 10, 30)) == "flat"  # Sunday: weekend profile
    assert tou.period(at(2026, 7, 4, 10, 30)) == "critical_peak"  # Saturday worked (调休)
    assert tou.period(at(2026, 7, 1, 10, 30)) == "valley"  # Wednesday, listed holiday
    assert tou.period(at(2026, 5, 9, 10, 30)) == "peak"  # Saturday, no weekend profile


def test_lookup_uses_local_time_not_utc(tou):
    # 02:00 UTC is 10:00 in Shanghai (UTC+8, no DST): critical peak, whatever the month.
    ts = dt.datetime(2026, 7, 2, 2, 0, tzinfo=dt.UTC).timestamp()
    assert tou.period(ts) == "critical_peak"
    for month in (1, 3, 6, 10, 12):  # a DST-free zone: 08:00 local is 00:00 UTC all year
        ts = dt.datetime(2026, month, 14, 0, 0, tzinfo=dt.UTC).timestamp()
        day = dt.date(2026, month, 14)
        expected = "flat" if day.weekday() >= 5 and month in (6, 7, 8) else "peak"
        assert tou.period(ts) == expected


def test_vectorised_equals_scalar_over_a_year(tou):
    rng = np.random.default_rng(7)
    ts = np.sort(rng.uniform(at(2026, 1, 1), at(2027, 1, 1), 3000))
    ts = np.concatenate([ts, at(2026, 7, 2) + np.arange(96) * 900.0])
    imp, exp, periods = tou.prices(ts)
    assert list(periods) == [tou.period(float(t)) for t in ts]
    assert imp.tolist() == [tou.import_price(float(t)) for t in ts]
    assert exp.tolist() == [tou.export_price(float(t)) for t in ts]


def test_vectorised_in_a_dst_zone_matches_scalar():
    berlin = ZoneInfo("Europe/Berlin")
    tariff = parse_tariff(tou_data("Europe/Berlin"), "berlin.yaml")
    # 2026-03-29: clocks go 02:00 -> 03:00; 2026-10-25: 03:00 -> 02:00.
    ts = np.concatenate(
        [
            at(2026, 3, 28, zone=berlin) + np.arange(3 * 96) * 900.0,
            at(2026, 10, 24, zone=berlin) + np.arange(3 * 96) * 900.0,
        ]
    )
    _, _, periods = tariff.prices(ts)
    assert list(periods) == [tariff.period(float(t)) for t in ts]
    assert tariff.period(at(2026, 3, 30, 8, 0, zone=berlin)) == "peak"
    assert tariff.period(at(2026, 3, 30, 7, 59, zone=berlin)) == "flat"


def test_empty_and_shaped_input(tou):
    imp, exp, periods = tou.prices(np.array([]))
    assert imp.size == exp.size == periods.size == 0
    grid = at(2026, 7, 2) + np.arange(8).reshape(2, 4) * 3600.0
    assert tou.prices(grid)[2].shape == (2, 4)


def test_prices_fast_enough_for_the_optimiser(tou):
    import time

    ts = at(2026, 7, 2) + np.arange(96) * 900.0
    start = time.perf_counter()
    for _ in range(200):
        tou.prices(ts)
    per_call = (time.perf_counter() - start) / 200
    assert per_call < 0.005  # measured ~30 us here


def test_shipped_tariffs_load_and_give_the_notice_periods():
    zj = load_tariff(RESOURCES / "zhejiang_large_industrial_1_10kv.yaml")
    assert zj.basic_charge.kind == "demand"
    assert zj.demand_charge_per_kw_month > 0
    assert "浙发改价格〔2024〕21号" in zj.source
    assert not zj.verified
    cases = {
        at(2026, 7, 15, 9, 30): "critical_peak",  # summer: 09-11 尖峰
        at(2026, 7, 15, 8, 30): "peak",
        at(2026, 7, 15, 13, 30): "flat",
        at(2026, 7, 15, 12, 0): "valley",  # 11-13 谷 at noon
        at(2026, 3, 10, 12, 0): "valley",
        at(2026, 3, 10, 16, 59): "peak",
        at(2026, 3, 10, 17, 0): "flat",
        at(2026, 10, 2, 10, 30): "valley",  # National Day: 深谷 10-14 billed as valley
        at(2026, 10, 9, 10, 30): "peak",
    }
    for ts, period in cases.items():
        assert zj.period(ts) == period, dt.datetime.fromtimestamp(ts, SHANGHAI)
    flat = load_tariff(RESOURCES / "flat.yaml")
    imp, exp, periods = flat.prices(at(2026, 1, 1) + np.arange(96) * 900.0)
    assert set(periods) == {"flat"} and set(imp) == {0.5} and set(exp) == {0.3}
    assert set(PERIODS) == {"critical_peak", "peak", "flat", "valley"}
