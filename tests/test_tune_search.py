"""app/tune/search.py: the LP-derived demand limit, the tariff season and growth of the window,
and the guarantee that a proposal never costs more than no storage on its own window."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import numpy as np
import pytest
import yaml

from app.backtest import Series, run_backtest
from app.backtest.cli import DEFAULT_TARIFF
from app.config.loader import load_station
from app.model import Station
from app.paths import DEMO_STATION
from app.tariff import Tariff, load_tariff, parse_tariff
from app.tune.search import (
    LIMIT_MARGIN,
    Candidate,
    apply_candidate,
    growth_factor,
    limit_kw,
    season_tariff,
    tune_rules,
)
from simulator.profiles import profile_series

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
DAYS = 3.0
STEP = 900


def _ts(y: int, m: int, d: int, h: int = 0) -> float:
    return dt.datetime(y, m, d, h, tzinfo=ZONE).timestamp()


@pytest.fixture(scope="module")
def station() -> Station:
    return load_station(DEMO_STATION)


@pytest.fixture(scope="module")
def tariff() -> Tariff:
    return load_tariff(DEFAULT_TARIFF)


@pytest.fixture(scope="module")
def series(station: Station) -> tuple[Series, Series]:
    load, pv = profile_series(station, "demo", "clouds", _ts(2026, 7, 6), DAYS, STEP, seed=1)
    return load, pv


def _limit(section: dict[str, object]) -> float:
    for s in section["strategies"]:  # type: ignore[attr-defined]
        if s["kind"] == "demand_control":
            return float(s["params"]["limit_kw"])
    raise AssertionError("no demand_control")


def test_lp_limit_follows_the_windows_optimum(
    station: Station, tariff: Tariff, series: tuple[Series, Series]
) -> None:
    load, pv = series
    end = _ts(2026, 7, 9)
    results = []
    for scale in (1.0, 1.25):
        scaled = Series(load.ts, load.kw * scale, load.step_s)
        res = tune_rules(
            station, tariff, scaled, pv, end_ts=end, days=DAYS, step_s=STEP, adjust=False
        )
        # the LP peak is the optimum's peak demand on the window, as a backtest reports it
        idle = apply_candidate(res.section, Candidate(idle=True), res.lp_peak_kw, res.peak_kw)
        check = run_backtest(
            station,
            tariff,
            scaled,
            pv,
            start_ts=res.start_ts,
            days=DAYS,
            step_s=STEP,
            control=idle,
        )
        assert res.lp_peak_kw == pytest.approx(check.optimum.peak_demand_kw, rel=0.02)
        assert res.lp_peak_kw < res.peak_kw
        c = res.proposed.candidate if res.proposed else res.best.candidate
        if not c.idle:
            expected = limit_kw(c, res.lp_peak_kw, res.peak_kw) * (1 + LIMIT_MARGIN)
            assert _limit(res.section) == pytest.approx(expected, abs=5.0)
            assert res.lp_peak_kw * 0.97 <= _limit(res.section) <= res.peak_kw * 1.05
        results.append(res)
    assert results[1].lp_peak_kw > results[0].lp_peak_kw * 1.1


@pytest.mark.parametrize("tariff_kind", ["zhejiang", "flat_no_demand"])
def test_proposal_never_costs_more_than_no_storage_on_its_window(
    station: Station, tariff: Tariff, series: tuple[Series, Series], tariff_kind: str
) -> None:
    if tariff_kind == "flat_no_demand":
        data = yaml.safe_load(Path("resources/tariffs/flat.yaml").read_text(encoding="utf-8"))
        data["basic_charge"] = "none"
        data.pop("demand_charge", None)
        tariff = parse_tariff(data)
    load, pv = series
    end = _ts(2026, 7, 9)
    res = tune_rules(station, tariff, load, pv, end_ts=end, days=DAYS, step_s=STEP, adjust=False)
    check = run_backtest(
        station,
        tariff,
        load,
        pv,
        start_ts=res.start_ts,
        days=DAYS,
        step_s=STEP,
        control=res.section,
    )
    assert check.strategy.total <= check.without.total + 0.01
    assert res.proposed is not None and res.proposed.bill <= res.bill_without + 0.01
    if tariff_kind == "flat_no_demand":
        # a flat price and no demand charge: any cycling only loses; the battery stays idle
        assert res.proposed.candidate.idle or res.proposed.bill <= res.bill_without


def test_window_is_priced_in_the_target_months_season(tariff: Tariff) -> None:
    june_10 = _ts(2026, 6, 10, 10)  # a Wednesday, 10:00: peak in spring/autumn
    priced, season = season_tariff(tariff, _ts(2026, 6, 3), _ts(2026, 7, 1))
    assert season == "summer_winter" and priced is not tariff
    assert tariff.period(june_10) == "peak" and priced.period(june_10) == "critical_peak"
    assert tariff.period(_ts(2026, 6, 10, 18)) == "flat"
    assert priced.period(_ts(2026, 6, 10, 18)) == "peak"
    # the original is untouched; a window already in the season gives the tariff back
    assert tariff.season(dt.date(2026, 6, 10)) == "spring_autumn"
    same, season = season_tariff(tariff, _ts(2026, 7, 4), _ts(2026, 8, 1))
    assert same is tariff and season == "summer_winter"


def test_growth_factor_follows_the_trend() -> None:
    start = _ts(2026, 6, 3)
    ts = start + STEP * np.arange(28 * 96, dtype=np.float64)
    day = (ts - start) / 86400.0
    shape = 300.0 + 200.0 * np.sin(np.pi * ((day % 1.0) * 24.0 - 6.0) / 12.0).clip(0.0)
    flat = Series(ts, shape, STEP)
    assert growth_factor(flat, start, 28.0, ZONE, 30.0) == pytest.approx(1.0, abs=1e-6)
    growing = Series(ts, shape * (1.0 + 0.005 * day), STEP)
    g = growth_factor(growing, start, 28.0, ZONE, 30.0)
    assert 1.08 < g < 1.2
    shrinking = Series(ts, shape * (1.0 - 0.02 * day), STEP)
    assert growth_factor(shrinking, start, 28.0, ZONE, 30.0) == pytest.approx(0.9)
