"""Backtest: replay load and PV through the strategies, protection and the battery model in
simulated time, and compare three bills: without storage, with the strategies, LP optimum.

    result = run_backtest(station, tariff, load, pv, start_ts=..., days=30)
    result.figures()   # bills, savings, ratio to optimal, peak, throughput, cycles

See docs/backtest.md. The command line is in ``app.backtest.cli``.
"""

from app.backtest.control import StrategyNotFound, default_control
from app.backtest.engine import DEFAULT_STEP_S, StrategyRun
from app.backtest.optimum import OptimalRun, OptimumError
from app.backtest.result import BacktestResult
from app.backtest.run import run_backtest
from app.backtest.series import Series, SeriesError, read_series_csv, write_series_csv

__all__ = [
    "DEFAULT_STEP_S",
    "BacktestResult",
    "OptimalRun",
    "OptimumError",
    "Series",
    "SeriesError",
    "StrategyNotFound",
    "StrategyRun",
    "default_control",
    "read_series_csv",
    "run_backtest",
    "write_series_csv",
]
