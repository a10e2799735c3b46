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
