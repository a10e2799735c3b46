"""Backtest: reproducible bills, the LP never above a rule-based bill, energy balance, CLI."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml
from openpyxl import load_workbook

from app.backtest import Series, default_control, run_backtest, write_series_csv
from app.backtest.cli import DEFAULT_TARIFF, add_backtest_parser, run_backtest_command
from app.backtest.xlsx import BILL_SHEETS
from app.config.loader import load_station
from app.model import Station
from app.paths import DEMO_STATION
from app.tariff import load_tariff

ZONE = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 7, 6, tzinfo=ZONE).timestamp()  # a Monday
DAYS = 2
STEP = 300  # coarse control steps keep the tests fast


def profiles(days: float = DAYS, step: int = 900) -> tuple[Series, Series]:
    """A working-day load with an evening peak above the demand limit, and a PV day."""
    n = int(days * 86400 / step) + 900 // step
    ts = START + step * np.arange(n, dtype=np.float64)
    h = (ts - START) / 3600.0 % 24
    load = 380 + 320 * ((h > 8) & (h < 21)) + 120 * np.exp(-(((h - 19.5) / 1.0) ** 2))
    pv = np.maximum(0.0, 750 * np.sin((h - 6) / 12 * np.pi))
    return Series(ts, load, step, "load"), Series(ts, pv, step, "pv")


def plain_station(tmp_path: Path, control: dict[str, Any] | None = None) -> Path:
    data = yaml.safe_load(DEMO_STATION.read_text(encoding="utf-8"))
    data.pop("control", None)
    data.pop("tariff", None)
    if control is not None:
        data["control"] = control
    path = tmp_path / "station.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Station:
    return load_station(plain_station(tmp_path_factory.mktemp("bt")))


@pytest.fixture(scope="module")
def tariff() -> Any:
    return load_tariff(DEFAULT_TARIFF)


def backtest(station: Station, tariff: Any, **kw: Any) -> Any:
    load, pv = profiles()
    return run_backtest(station, tariff, load, pv, start_ts=START, days=DAYS, step_s=STEP, **kw)


def test_bills_are_reproducible_to_the_cent(station: Station, tariff: Any) -> None:
    a = backtest(station, tariff)
    b = backtest(station, tariff)
    assert a.figures() == b.figures()
    assert a.strategy.total_cents == b.strategy.total_cents
    assert a.optimum.total_cents == b.optimum.total_cents
    assert np.array_equal(a.run.grid_kw, b.run.grid_kw)


@pytest.mark.parametrize("only", [None, "demand_control", "peak_valley_tou", "export_limit"])
def test_lp_bill_is_never_above_a_rule_based_bill(
    station: Station, tariff: Any, only: str | None
) -> None:
    r = backtest(station, tariff, strategy=only)
    assert r.optimum.total <= r.strategy.total
    assert r.optimum.total <= r.without.total
    assert r.saving_optimal >= r.saving_strategy
    if r.ratio_to_optimal is not None:
        assert r.ratio_to_optimal <= 1.0


def test_lp_bound_holds_from_other_initial_socs(station: Station, tariff: Any) -> None:
    for soc in (10.0, 95.0):
        r = backtest(station, tariff, soc_pct=soc)
        assert r.optimum.total <= min(r.strategy.total, r.without.total)


def test_energy_balance_and_figures(station: Station, tariff: Any) -> None:
    r = backtest(station, tariff)
    run = r.run
    assert run.ts.size == DAYS * 96
    assert np.allclose(run.grid_kw, run.load_kw - run.pv_kw - run.bess_kw, atol=1e-9)
    assert np.all(run.pv_kw <= run.pv_available_kw + 1e-9)
    # throughput from the battery's counters matches the recorded powers (15-min averages
    # may net a charge and a discharge inside one quarter, hence the tolerance)
    assert r.throughput_kwh == pytest.approx(float(np.sum(np.abs(run.bess_kw)) * 0.25), rel=0.05)
    f = r.figures()
    assert f["cycles"] == pytest.approx(r.throughput_kwh / 2000.0, abs=1e-4)
    assert f["peak_demand_strategy_kw"] <= f["peak_demand_without_kw"] + 1e-6
    assert r.optimal.grid_kw.shape == run.grid_kw.shape


def test_demand_control_alone_holds_the_limit(station: Station, tariff: Any) -> None:
    r = backtest(station, tariff, strategy="demand_control")
    assert r.without.peak_demand_kw > 800
    assert r.strategy.peak_demand_kw <= 600 * 1.02


def test_default_control_is_used_and_said(station: Station, tariff: Any) -> None:
    r = backtest(station, tariff)
    assert set(r.strategies) == {s["kind"] for s in default_control()["strategies"]}
    assert any("no control section" in n for n in r.notes)


def test_station_control_section_is_used(tmp_path: Path, tariff: Any) -> None:
    control = {"strategies": [{"kind": "demand_control", "params": {"limit_kw": 650}}]}
    st = load_station(plain_station(tmp_path, control))
    r = backtest(st, tariff)
    assert r.strategies == ("demand_control",)
    assert r.optimum.total <= r.strategy.total <= r.without.total


# ---- command line --------------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_backtest_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["backtest", *argv])


def fake_generator(
    station: Station, start: float, days: float, step: int, seed: int
) -> tuple[Series, Series]:
    return profiles(days, step)


def test_cli_json_last_line_has_the_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    station = plain_station(tmp_path)
    args = parse(
        [
            *("--station", str(station), "--days", "2"),
            *("--start", "2026-07-06", "--step", "300", "--json"),
        ]
    )
    assert run_backtest_command(args, generate=fake_generator) == 0
    out = capsys.readouterr().out.strip().splitlines()
    data = json.loads(out[-1])
    for key in (
        "bill_without",
        "bill_strategy",
        "bill_optimal",
        "saving_strategy",
        "saving_optimal",
        "ratio_to_optimal",
        "peak_demand_strategy_kw",
        "throughput_kwh",
        "cycles",
    ):
        assert key in data
    assert data["bill_optimal"] <= data["bill_strategy"] <= data["bill_without"]
    assert any("without storage" in line for line in out)


def test_cli_reads_csvs_and_writes_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load, pv = profiles()
    write_series_csv(tmp_path / "load.csv", load.ts, load.kw)
    write_series_csv(tmp_path / "pv.csv", pv.ts, pv.kw)
    out_xlsx = tmp_path / "out" / "bt.xlsx"
    args = parse(
        [
            *("--station", str(plain_station(tmp_path)), "--days", "2", "--step", "300"),
            *("--load", str(tmp_path / "load.csv"), "--pv", str(tmp_path / "pv.csv")),
            *("--xlsx", str(out_xlsx), "--json"),
        ]
    )
    assert run_backtest_command(args) == 0
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    wb = load_workbook(out_xlsx)
    assert {"series", *BILL_SHEETS} <= set(wb.sheetnames)
    series = wb["series"]
    assert series.max_row == 1 + 2 * 96
    first = series.cell(row=2, column=1).value
    assert first == dt.datetime(2026, 7, 6, 0, 0)  # station zone, from the CSVs' first day
    totals = [row for row in wb["bill strategy"].iter_rows(values_only=True) if row[0] == "total"]
    assert totals[0][1] == data["bill_strategy"]
    # the export violations are in the JSON, the summary sheet and per quarter in the series
    summary = dict(wb["summary"].iter_rows(values_only=True))
    for key in (
        "export_violation_quarters",
        "export_violation_kwh",
        "export_violation_longest_min",
    ):
        assert summary[key] == data[key]
    assert series.cell(row=1, column=12).value == "export violation"
    flags = [series.cell(row=r, column=12).value for r in range(2, series.max_row + 1)]
    assert sum(flags) == data["export_violation_quarters"]


def test_cli_unknown_strategy_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(["--station", str(plain_station(tmp_path)), "--strategy", "no_such_thing"])
    args.days = 1
    assert run_backtest_command(args, generate=fake_generator) == 2
    err = capsys.readouterr().err
    assert "no_such_thing" in err and "demand_control" in err


def test_cli_bad_csv_exits_2_naming_file_line_and_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "load.csv"
    bad.write_text("timestamp,kw\n2026-07-06T00:00:00Z,100\n2026-07-06T00:15:00Z,lots\n")
    args = parse(["--station", str(plain_station(tmp_path)), "--load", str(bad), "--days", "1"])
    assert run_backtest_command(args, generate=fake_generator) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3" in err and "'lots'" in err


def test_cli_without_series_or_generator_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(["--station", str(plain_station(tmp_path)), "--days", "1"])
    assert run_backtest_command(args) == 2
    assert "--load" in capsys.readouterr().err


def test_period_across_a_month_boundary_is_solved_per_month(station: Station, tariff: Any) -> None:
    start = dt.datetime(2026, 7, 30, tzinfo=ZONE).timestamp()
    n = 3 * 96 + 1
    ts = start + 900 * np.arange(n, dtype=np.float64)
    h = (ts - start) / 3600.0 % 24
    load = Series(ts, 400 + 350 * ((h > 8) & (h < 21)), 900, "load")
    pv = Series(ts, np.maximum(0.0, 600 * np.sin((h - 6) / 12 * np.pi)), 900, "pv")
    r = run_backtest(station, tariff, load, pv, start_ts=start, days=3, step_s=STEP)
    assert r.optimal.months == 2 and [m.month for m in r.optimum.months] == [
        "2026-07",
        "2026-08",
    ]
    assert any("month by month" in note for note in r.notes)
    assert r.optimum.total <= min(r.strategy.total, r.without.total)


def test_cli_with_the_simulator_series(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.series import simulated_series

    args = parse(
        [
            *("--station", str(plain_station(tmp_path)), "--days", "1", "--step", "300"),
            *("--strategy", "demand_control", "--json"),
        ]
    )
    assert run_backtest_command(args, generate=simulated_series) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert run_backtest_command(args, generate=simulated_series) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first == again
    assert first["strategies"] == ["demand_control"]
    assert first["bill_optimal"] <= first["bill_strategy"] <= first["bill_without"]


def test_cli_reads_recorded_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.points import Quality
    from tests.test_history_support import FakeClock, open_writer, spec, submit_series

    load, pv = profiles(days=1, step=60)
    data = tmp_path / "data"
    data.mkdir()
    with open_writer(
        data, [spec("site.load_p"), spec("site.pv_p")], FakeClock(START + 10 * 86400)
    ) as writer:
        submit_series(
            writer,
            {
                "site.load_p": [
                    (float(t), float(v), Quality.GOOD)
                    for t, v in zip(load.ts, load.kw, strict=True)
                ],
                "site.pv_p": [
                    (float(t), float(v), Quality.GOOD) for t, v in zip(pv.ts, pv.kw, strict=True)
                ],
            },
        )
    args = parse(
        [
            *("--station", str(plain_station(tmp_path)), "--history", str(data)),
            *("--start", "2026-07-06", "--days", "1", "--step", "300", "--json"),
        ]
    )
    assert run_backtest_command(args) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["bill_optimal"] <= out["bill_strategy"] <= out["bill_without"]
    args.start, args.days = "2026-07-05", 1.0  # the day before: nothing recorded
    assert run_backtest_command(args) == 2
    err = capsys.readouterr().err
    assert "site.load_p" in err and "2026-07-04T16:00:00Z" in err


def test_without_storage_the_export_limit_curtails_pv(station: Station, tariff: Any) -> None:
    # the default control holds export at 0 kW: the bill without storage has no export revenue
    result = backtest(station, tariff)
    assert result.without.export_revenue == 0
    no_limit = default_control()
    no_limit["strategies"] = [s for s in no_limit["strategies"] if s["kind"] != "export_limit"]
    free = backtest(station, tariff, control=no_limit)
    assert free.without.export_revenue > 0  # the midday PV surplus is sold without a limit
    assert free.without.total < result.without.total


def test_forecasting_strategies_are_primed_with_the_days_before_the_start(
    station: Station, tariff: Any
) -> None:
    from app.backtest.run import prior_quarters

    load, pv = profiles(days=DAYS + 2)
    earlier = Series(load.ts - 2 * 86400, load.kw, load.step_s, "load")
    earlier_pv = Series(pv.ts - 2 * 86400, pv.kw, pv.step_s, "pv")
    ts, load_q, pv_q = prior_quarters(earlier, earlier_pv, START, STEP)
    assert ts.size == 2 * 96 and ts[-1] == START - 900 and ts[0] == START - 2 * 86400
    assert load_q[0] == pytest.approx(float(np.mean(load.kw[:3])))
    assert pv_q.max() > 0 and pv_q.min() == 0  # PV days, clipped at 0 at night
    # with nothing before the start there is nothing to prime
    assert prior_quarters(load, pv, START, STEP)[0].size == 0


def test_cli_control_file_replaces_the_station_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    station = plain_station(tmp_path)
    control = tmp_path / "tuned.yaml"
    control.write_text(
        yaml.safe_dump(
            {"control": {"strategies": [{"kind": "demand_control", "params": {"limit_kw": 450}}]}}
        ),
        encoding="utf-8",
    )
    base = ["--station", str(station), "--days", "1", "--start", "2026-07-06", "--step", "300"]
    assert (
        run_backtest_command(
            parse([*base, "--control", str(control), "--json"]), generate=fake_generator
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "strategies: demand_control" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {"control": {"strategies": [{"kind": "demand_control", "params": {"limit_kw": -1}}]}}
        ),
        encoding="utf-8",
    )
    assert run_backtest_command(parse([*base, "--control", str(bad)]), generate=fake_generator) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "limit_kw" in err and "-1" in err
