"""Export limit: battery first, then bounded PV curtailment, gradual release."""

import pytest
from pydantic import ValidationError

from strategies.export_limit import ExportLimit, ExportLimitParams
from tests.test_strategy_support import PCS, PV1, PV2, run_table


def make(**params):
    return ExportLimit(ExportLimitParams(**params))


def test_cycle_table_battery_first():
    run_table(
        make(),
        [
            # importing: the ceiling only keeps discharge from exporting
            (0, {"grid": 200, "bess": 0}, [(PCS, "max", 195)]),
            # exporting 300 kW with the battery idle: charge at least 305 kW (5 kW margin)
            (1, {"grid": -300, "bess": 0, "pv": 800}, [(PCS, "max", -305)]),
            # the battery charges 305: the ceiling stays where it is, no curtailment
            (2, {"grid": 5, "bess": -305, "pv": 800}, [(PCS, "max", -305)]),
        ],
    )


def test_cycle_table_curtails_pv_when_the_battery_is_full_then_releases_gradually():
    run_table(
        make(max_step_down_kw=200, release_step_kw=20, release_margin_kw=10),
        [
            # SOC 96 % >= 95 %: the battery takes nothing; 305 kW to curtail, at most 200/cycle
            (
                0,
                {"grid": -300, "bess": 0, "pv": 800, "soc": 96},
                [(PCS, "max", -305), (PV1, "max", 60.0), (PV2, "max", 60.0)],
            ),
            # PV now 600 kW, still 100 kW export: curtail the remaining 105 kW
            (
                1,
                {"grid": -100, "bess": 0, "pv": 600, "soc": 96},
                [(PCS, "max", -105), (PV1, "max", 49.5), (PV2, "max", 49.5)],
            ),
            # at the limit (5 kW import, inside the release margin): hold
            (
                2,
                {"grid": 5, "bess": 0, "pv": 495, "soc": 96},
                [(PCS, "max", 0), (PV1, "max", 49.5), (PV2, "max", 49.5)],
            ),
            # load rose, 30 kW import: release one bounded step of 20 kW
            (
                3,
                {"grid": 30, "bess": 0, "pv": 495, "soc": 96},
                [(PCS, "max", 25), (PV1, "max", 51.5), (PV2, "max", 51.5)],
            ),
            (
                4,
                {"grid": 400, "bess": 0, "pv": 515, "soc": 96},
                [(PCS, "max", 395), (PV1, "max", 53.5), (PV2, "max", 53.5)],
            ),
        ],
    )


def test_release_uses_spare_battery_charge_power():
    s = make(release_step_kw=50, max_step_down_kw=300)
    run_table(
        s,
        [
            # BMS allows only 100 kW of charge: 205 kW to curtail from 800
            (
                0,
                {"grid": -300, "bess": 0, "pv": 800, "charge_max": 100},
                [(PCS, "max", -305), (PV1, "max", 59.5), (PV2, "max", 59.5)],
            ),
            # BMS allows 500 kW again, battery charging 100: release 50 kW per cycle
            (
                1,
                {"grid": 0, "bess": -100, "pv": 595, "charge_max": 500},
                [(PCS, "max", -105), (PV1, "max", 64.5), (PV2, "max", 64.5)],
            ),
        ],
    )


def test_curtailment_is_dropped_once_fully_released():
    s = make(release_step_kw=500)
    run_table(
        s,
        [
            (
                0,
                {"grid": -300, "bess": 0, "pv": 800, "soc": 96},
                [(PCS, "max", -305), (PV1, "max", 60.0), (PV2, "max", 60.0)],
            ),
            (1, {"grid": 600, "bess": 0, "pv": 600, "soc": 96}, [(PCS, "max", 595)]),
        ],
    )
    assert s.pv_limit_kw is None


def test_bad_grid_holds_the_pv_limit_and_asks_nothing_of_the_battery():
    run_table(
        make(),
        [
            (
                0,
                {"grid": -300, "bess": 0, "pv": 800, "soc": 96},
                [(PCS, "max", -305), (PV1, "max", 60.0), (PV2, "max", 60.0)],
            ),
            (1, {"bad": {"grid"}}, [(PV1, "max", 60.0), (PV2, "max", 60.0)]),
            (2, {"stale": {"bess"}}, [(PV1, "max", 60.0), (PV2, "max", 60.0)]),
        ],
    )


def test_nonzero_export_limit():
    run_table(make(limit_kw=100, margin_kw=0), [(0, {"grid": -50, "bess": 0}, [(PCS, "max", 50)])])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit_kw": -1}, "limit_kw"),
        ({"max_step_down_kw": 0}, "max_step_down_kw"),
        ({"release_step_kw": -5}, "release_step_kw"),
        ({"charge_stop_soc_pct": 150}, "charge_stop_soc_pct"),
    ],
)
def test_invalid_params(params, field):
    with pytest.raises(ValidationError, match=field):
        ExportLimitParams(**params)


def test_closed_loop_settles_without_oscillating():
    """Battery full, PV 900 kW available, load 300 kW: export must settle at the limit."""
    from app.control import Cycle, ProtectionParams
    from tests.test_strategy_support import T0, FakeClock, snap

    cycle = Cycle([ExportLimit(ExportLimitParams())], ProtectionParams(ramp_kw_per_s=None))
    clock = FakeClock()
    last: dict[str, float] = {}
    pv_limit_pct, load, pv_avail = 100.0, 300.0, 900.0
    exports = []
    limits = []
    for i in range(40):
        clock.t = T0 + i
        pv = min(pv_avail, pv_limit_pct / 100 * 1000)
        grid = load - pv
        r = cycle.run(snap(clock.t, grid=grid, bess=0, pv=pv, soc=96), clock, last_written=last)
        last.update(r.writes)
        pv_limit_pct = r.setpoints[PV1]
        exports.append(-grid)
        limits.append(pv_limit_pct)
    assert max(exports[5:]) <= 0.0  # settled within a few cycles at or below the 0 kW limit
    tail = limits[10:]
    assert max(tail) - min(tail) <= 2.0  # no oscillation: the limit moves at most a release step
