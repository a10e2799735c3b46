"""Peak/valley TOU: cycle tables with an injected clock and a tariff double by hour."""

import pytest
from pydantic import ValidationError

from strategies.peak_valley_tou import PeakValleyParams, PeakValleyTou
from tests.test_strategy_support import PCS, run_table

H = 3600.0


class HourTariff:
    """UTC hour -> period: 0-8 valley, 8-10 peak, 10-11 critical peak, otherwise flat."""

    def period(self, ts: float) -> str:
        hour = int(ts // 3600) % 24
        if hour < 8:
            return "valley"
        if hour < 10:
            return "peak"
        if hour < 11:
            return "critical_peak"
        return "flat"


def make(**params):
    return PeakValleyTou(PeakValleyParams(**params), HourTariff())


def test_cycle_table():
    run_table(
        make(charge_power_kw=250, discharge_power_kw=300, grid_import_cap_kw=700),
        [
            # valley: charge at full power while import stays under the cap
            (0, {"grid": 300, "bess": 0, "soc": 50}, [(PCS, "eq", -250)]),
            # valley, base import 500: only 200 kW of room under the 700 kW cap
            (1, {"grid": 750, "bess": -250, "soc": 50}, [(PCS, "eq", -200)]),
            # valley, base import above the cap: no charging at all
            (2, {"grid": 720, "bess": 0, "soc": 50}, [(PCS, "eq", 0)]),
            # valley target (85 %) reached: nothing asked
            (3, {"soc": 85}, []),
            # peak: discharge, limited to the site's own import (no arbitrage export)
            (8 * H, {"grid": 400, "bess": 0, "soc": 60}, [(PCS, "eq", 300)]),
            (8 * H + 1, {"grid": 100, "bess": 120, "soc": 60}, [(PCS, "eq", 220)]),
            # peak target (30 %) reached
            (9 * H, {"soc": 30}, []),
            # critical peak: discharge down to its own target (15 %)
            (10 * H, {"grid": 500, "bess": 0, "soc": 30}, [(PCS, "eq", 300)]),
            (10 * H + 1, {"soc": 15}, []),
            # flat: idle
            (12 * H, {"soc": 50}, []),
        ],
    )


def test_safe_action_on_bad_inputs_is_to_ask_nothing():
    run_table(
        make(),
        [
            (0, {"bad": {"soc"}}, []),
            (1, {"stale": {"grid"}}, []),  # cannot check the import cap while charging
            (8 * H, {"bad": {"bess"}}, []),
        ],
    )


def test_a_failing_tariff_asks_nothing():
    class Broken:
        def period(self, ts: float) -> str:
            raise LookupError("no tariff for this date")

    from tests.test_strategy_support import FakeClock, snap

    assert PeakValleyTou(PeakValleyParams(), Broken()).compute(snap(), FakeClock()) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"charge_power_kw": -10}, "charge_power_kw"),
        ({"grid_import_cap_kw": -1}, "grid_import_cap_kw"),
        ({"charge_periods": ["valley", "midnight"]}, "midnight"),
        ({"charge_periods": ["valley", "peak"]}, "both charge and discharge"),
        ({"soc_targets": {"valley": 120}}, "outside 0..100"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_invalid_params(params, field):
    with pytest.raises(ValidationError, match=field):
        PeakValleyParams(**params)


def test_reserve_window_stops_discharge_at_its_soc_on_its_weekdays_only():
    # T0 of the cycle tables is a Thursday (UTC); windows are in the strategy's zone (UTC here)
    params = {
        "discharge_power_kw": 300,
        "reserve_windows": [{"start": "08:30", "end": "10:00", "soc_pct": 60, "weekdays": [3]}],
    }
    s = make(**params)
    thursday = 8 * H + 45 * 60  # 08:45, peak period, inside the window
    run_table(
        s,
        [
            (thursday, {"grid": 400, "bess": 0, "soc": 70}, [(PCS, "eq", 300)]),
            (thursday + 60, {"grid": 400, "bess": 0, "soc": 60}, []),  # held at the reserve
            (9 * H + 59 * 60, {"grid": 400, "bess": 0, "soc": 55}, []),
            # 10:00: critical peak, outside the window: discharge down to its own 15 %
            (10 * H, {"grid": 400, "bess": 0, "soc": 55}, [(PCS, "eq", 300)]),
        ],
    )
    friday = 86400 + 8 * H + 45 * 60  # same time on Friday: the window does not apply
    run_table(make(**params), [(friday, {"grid": 400, "bess": 0, "soc": 55}, [(PCS, "eq", 300)])])


def test_charge_window_caps_grid_charging_below_the_period_target():
    params = {"charge_windows": [{"start": "02:00", "end": "04:00", "soc_pct": 50}]}
    run_table(
        make(**params),
        [
            (1 * H, {"grid": 300, "bess": 0, "soc": 55}, [(PCS, "eq", -250)]),  # valley, 85 %
            (2 * H, {"grid": 300, "bess": 0, "soc": 55}, []),  # window: stop at 50 %
            (3 * H, {"grid": 300, "bess": 0, "soc": 45}, [(PCS, "eq", -250)]),
            (4 * H, {"grid": 300, "bess": 0, "soc": 55}, [(PCS, "eq", -250)]),
        ],
    )


def test_window_past_midnight_and_bad_weekdays():
    from strategies.peak_valley_tou import SocWindow

    w = SocWindow(start="22:00", end="02:00", soc_pct=40, weekdays=[4])  # Friday night
    import datetime as dt

    assert w.contains(dt.datetime(2026, 7, 3, 23, 0))  # Friday 23:00
    assert w.contains(dt.datetime(2026, 7, 4, 1, 0))  # Saturday 01:00, Friday's window
    assert not w.contains(dt.datetime(2026, 7, 4, 23, 0))
    with pytest.raises(ValidationError, match="weekdays"):
        SocWindow(start="01:00", end="02:00", soc_pct=40, weekdays=[7])
