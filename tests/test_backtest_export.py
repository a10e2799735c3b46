"""The backtest holds the export limit on every load profile of the simulator's library:
not one quarter hour above the limit + tolerance (issue 9). A spring week with a weekend and
clear sky (the most surplus PV: low load, strong sun) per profile, for the demo station's
own control and the tuned rule-based configuration."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from app.backtest import run_backtest
from app.backtest.cli import DEFAULT_TARIFF
from app.config.loader import load_station, read_yaml
from app.paths import DEMO_STATION
from app.tariff import load_tariff
from simulator.profiles import PROFILES, profile_series

RULES = Path(__file__).resolve().parent.parent / "resources" / "control" / "demo_rules_tuned.yaml"
DAYS = 3.0
STEP_S = 300


@pytest.fixture(scope="module")
def station():
    return load_station(DEMO_STATION)


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("control", ["station", "rules"])
def test_no_quarter_hour_exports_above_the_limit(station, profile, control):
    zone = zoneinfo.ZoneInfo(station.info.timezone)
    t0 = dt.datetime(2026, 4, 3, tzinfo=zone).timestamp()  # Friday, Saturday, Sunday
    load, pv = profile_series(station, profile, "clear", t0 - 86400, DAYS + 1, STEP_S, 3)
    section = None if control == "station" else dict(read_yaml(RULES)["control"])
    result = run_backtest(
        station,
        load_tariff(DEFAULT_TARIFF),
        load,
        pv,
        start_ts=t0,
        days=DAYS,
        control=section,
        step_s=STEP_S,
    )
    f = result.figures()
    assert f["export_violation_quarters"] == 0, f
    assert f["export_violation_count"] == 0, f
    # the data has a surplus to curtail or store: the limit had work to do
    assert float((result.run.pv_available_kw - result.run.load_kw).max()) > 100
