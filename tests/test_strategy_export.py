"""Export limit strategy: battery first (the PV half is the export guard's)."""

import pytest
from pydantic import ValidationError

from strategies.export_limit import ExportLimit, ExportLimitParams
from tests.test_strategy_support import PCS, run_table


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


def test_bad_grid_or_bess_asks_nothing_of_the_battery():
    run_table(make(), [(0, {"bad": {"grid"}}, []), (1, {"stale": {"bess"}}, [])])


def test_pv_is_never_curtailed_by_the_strategy():
    """The battery full, 300 kW of surplus: the strategy keeps to the battery ceiling; PV is
    the export guard's (tests/test_export_guard.py)."""
    run_table(make(), [(0, {"grid": -300, "bess": 0, "pv": 800, "soc": 100}, [(PCS, "max", -305)])])


def test_nonzero_export_limit():
    run_table(make(limit_kw=100, margin_kw=0), [(0, {"grid": -50, "bess": 0}, [(PCS, "max", 50)])])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit_kw": -1}, "limit_kw"),
        ({"margin_kw": -5}, "margin_kw"),
        # PV curtailment moved to the export guard: its old keys are errors, not ignored
        ({"max_step_down_kw": 200}, "max_step_down_kw"),
        ({"charge_stop_soc_pct": 95}, "charge_stop_soc_pct"),
    ],
)
def test_invalid_params(params, field):
    with pytest.raises(ValidationError, match=field):
        ExportLimitParams(**params)
