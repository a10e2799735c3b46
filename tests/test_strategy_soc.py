"""SOC management: guards with hysteresis, reserve, force-charge, weekly calibration."""

import pytest
from pydantic import ValidationError

from strategies.soc_management import CalibrationParams, SocManagement, SocParams
from tests.test_strategy_support import PCS, run_table

OFF = CalibrationParams(enabled=False)


def make(**params):
    params.setdefault("calibration", OFF)
    return SocManagement(SocParams(**params))


def test_defaults_follow_openems():
    p = SocParams()
    assert (p.soc_min_pct, p.soc_max_pct, p.force_charge_below_pct) == (15, 85, 10)


def test_cycle_table_guards_and_hysteresis():
    s = make()
    run_table(
        s,
        [
            (0, {"soc": 50}, []),
            (1, {"soc": 15}, [(PCS, "max", 0)]),  # at the minimum: no discharge
            (2, {"soc": 16}, [(PCS, "max", 0)]),  # hysteresis: still blocked
            (3, {"soc": 17}, []),  # released at min + 2 %
            (4, {"soc": 9}, [(PCS, "max", -50)]),  # below the floor: force-charge 50 kW
            (5, {"soc": 12}, [(PCS, "max", -50)]),  # still charging up to 15 %
            (6, {"soc": 15}, [(PCS, "max", 0)]),  # force-charge done, discharge still blocked
            (7, {"soc": 85}, [(PCS, "min", 0)]),  # at the maximum: no charge
            (8, {"soc": 84}, [(PCS, "min", 0)]),
            (9, {"soc": 83}, []),
        ],
    )


def test_no_flapping_around_a_threshold():
    s = make()
    table = [(i, {"soc": 15 + (0.4 if i % 2 else -0.4)}, [(PCS, "max", 0)]) for i in range(10)]
    run_table(s, table)


def test_reserve_raises_the_discharge_floor():
    run_table(make(reserve_soc_pct=30), [(0, {"soc": 31}, []), (1, {"soc": 30}, [(PCS, "max", 0)])])


def test_bad_soc_is_zero_kw():
    run_table(
        make(), [(0, {"bad": {"soc"}}, [(PCS, "eq", 0)]), (1, {"stale": {"soc"}}, [(PCS, "eq", 0)])]
    )


def test_weekly_calibration_window():
    # T0 is Thursday 2026-01-01 08:00 in Shanghai; the window is Thursdays 09:00-11:00
    cal = CalibrationParams(
        weekday=3, start="09:00", duration_h=2, power_kw=100, target_soc_pct=100
    )
    s = make(calibration=cal)
    week = 7 * 86400
    run_table(
        s,
        [
            (0, {"soc": 80}, []),  # before the window
            (3600, {"soc": 80}, [(PCS, "max", -100)]),  # in the window: charge
            (3601, {"soc": 90}, [(PCS, "max", -100)]),  # above soc_max: max lifted
            (5000, {"soc": 100}, [(PCS, "min", 0)]),  # target reached: done, guard back
            (5001, {"soc": 99}, [(PCS, "min", 0)]),  # not again in this window
            (3 * 3600, {"soc": 80}, []),  # after the window
            (week + 3600, {"soc": 80}, [(PCS, "max", -100)]),  # next week again
        ],
    )


@pytest.mark.parametrize(
    ("params", "field", "value"),
    [
        ({"soc_min_pct": 90, "soc_max_pct": 80}, "soc_min_pct", "90"),
        ({"reserve_soc_pct": 95}, "reserve_soc_pct", "95"),
        ({"force_charge_below_pct": 20}, "force_charge_below_pct", "20"),
        ({"force_charge_power_kw": -50}, "force_charge_power_kw", "-50"),
        ({"soc_max_pct": 120}, "soc_max_pct", "120"),
    ],
)
def test_invalid_params(params, field, value):
    with pytest.raises(ValidationError, match=field) as info:
        SocParams(**params)
    assert value in str(info.value)
