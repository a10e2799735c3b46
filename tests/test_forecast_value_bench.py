"""The perfect-forecast benchmark: plans read the replayed series inside the block only."""

from __future__ import annotations

import numpy as np
import pytest

import strategies.optimal_plan_job as plan_job
from app.backtest import Series
from benchmarks import forecast_value


def _series(kw: np.ndarray) -> Series:
    return Series(ts=1000.0 + 60.0 * np.arange(kw.size), kw=kw, step_s=60)


def test_quarter_means_are_the_means_of_each_quarter_hour() -> None:
    s = _series(np.repeat([10.0, 20.0, 30.0], 15))
    assert forecast_value.quarter_means(s, 1000.0, 4) == pytest.approx([10.0, 20.0, 30.0, 0.0])


def test_perfect_forecasts_apply_inside_the_block_only() -> None:
    from tests.test_strategy_optimal_reserve import JULY, _job

    job = _job()  # a re-plan at JULY over 96 quarter hours
    minutes = np.arange(96 * 15)
    load = Series(JULY + 60.0 * minutes, 300.0 + (minutes // 15) % 7, 60)
    pv = Series(JULY + 60.0 * minutes, np.where(minutes // 15 % 2 == 0, 50.0, 0.0), 60)
    with forecast_value.perfect(load, pv, "pv"):
        got_load, got_pv, method = plan_job.forecasts(job)
    assert got_pv == pytest.approx(np.where(np.arange(96) % 2 == 0, 50.0, 0.0))
    assert "perfect pv" in method and not np.allclose(got_load, 300.0 + np.arange(96) % 7)
    with forecast_value.perfect(load, pv, "both"):
        got_load, _, _ = plan_job.forecasts(job)
    assert got_load == pytest.approx(300.0 + np.arange(96) % 7)
    assert "perfect" not in plan_job.forecasts(job)[2]  # restored after the block


def test_unknown_case_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        forecast_value.main(["--case", "nowhere/none/spring/s9"])
    assert "nowhere/none/spring/s9" in capsys.readouterr().err
