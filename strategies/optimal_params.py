"""The optimal-schedule strategy's parameters and the tariff capability it plans with
(strategies/optimal_schedule.py; docs/strategies.md, section 7)."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from app.control.strategy import StrategyParams
from app.optimizer import (
    REPLAN_PERIOD_S,
)

STEP_S = REPLAN_PERIOD_S
PEAK_TOL_KW = 1.0  # a planned import this close to the planned peak is peak shaving
HINDSIGHT_DAYS = 28  # the history the hindsight target's LP covers (~0.15 s)


@runtime_checkable
class PriceSource(Protocol):
    """The tariff capability the optimiser needs (app.tariff.Tariff has it)."""

    def prices(self, ts: NDArray[np.float64]) -> tuple[object, object, object]: ...

    @property
    def demand_charge_per_kw_month(self) -> float: ...


class OptimalParams(StrategyParams):
    capacity_kwh: float = Field(default=1000.0, gt=0)
    p_charge_max_kw: float | None = Field(default=None, gt=0)  # None: the PCS rating
    p_discharge_max_kw: float | None = Field(default=None, gt=0)
    eta_charge: float = Field(default=0.95, gt=0, le=1)
    eta_discharge: float = Field(default=0.95, gt=0, le=1)
    soc_min_pct: float | None = Field(default=None, ge=0, le=100)  # None: full-power window
    soc_max_pct: float | None = Field(default=None, ge=0, le=100)
    soc_target_pct: float | None = Field(default=None, ge=0, le=100)  # None: the initial SOC
    import_limit_kw: float | None = Field(default=None, ge=0)
    export_limit_kw: float | None = Field(default=None, ge=0)
    horizon_h: float = Field(default=24.0, ge=1, le=72)
    history_days: int = Field(default=28, ge=1, le=366)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    pv_kwp: float | None = Field(default=None, gt=0)  # None: the PV inverters' total rating
    # PV forecast (with a location): "recent_ratio" = clear sky x the last 3 days' ratio;
    # "quantile" = clear sky x the pv_quantile of the last pv_days' daily ratios, today's own
    # ratio for the rest of today (app/forecast/pv_quantile.py)
    pv_forecast: Literal["recent_ratio", "quantile"] = "recent_ratio"
    pv_quantile: float = Field(default=0.3, ge=0, le=1)
    pv_days: int = Field(default=14, ge=1, le=60)
    peak_guard: bool = True
    # what a kW above the month's running peak costs a plan (docs/optimizer.md "Demand charge
    # in the MPC"): "hindsight": up to the peak the LP optimum holds over the history, the
    # charge x the plan's share of the rest of the month, above it the whole charge;
    # "full": the whole monthly charge
    demand_charge_share: Literal["hindsight", "full"] = "hindsight"
    # the share of the running peak a plan treats as paid: below 1 a plan aims a little under
    # it, which leaves energy in the battery for the guard when the load beats its forecast
    paid_peak_share: float = Field(default=1.0, ge=0, le=1)
    # spike reserve: kWh for spike_reserve_min minutes at spike_reserve_kw, kept in the hours
    # where a spike of that size above the forecast would raise the running peak
    spike_reserve_kw: float = Field(default=0.0, ge=0)
    spike_reserve_min: float = Field(default=20.0, ge=0, le=240)
    # dark-day reserve: each step keeps the energy that holds the peak target from there on
    # with the PV of a dark day, the dark_quantile of the recent daily PV ratios
    # (strategies/optimal_reserve.py)
    dark_reserve: bool = False
    dark_quantile: float = Field(default=0.1, ge=0, le=1)
    # public holidays (station-local dates): forecast like Sundays; make-up working days
    # (weekend days worked instead, 调休): like a Wednesday
    holidays: list[dt.date] = Field(default_factory=list)
    workdays: list[dt.date] = Field(default_factory=list)
    weekly_trend: bool = False  # scale past days by the fitted weekly growth of the load
    surplus_only_charging: bool = True
    # where the plan charges at its peak, charge in closed loop up to the month's paid peak
    fill_to_peak: bool = False
    # kept below the paid peak when filling: a load step after the last cycle of a quarter
    # hour would otherwise raise the peak a little each day, and the next fill follows it up
    fill_margin_kw: float = Field(default=25.0, ge=0)
    # any charge the peak guard lets through keeps the import this far below the peak it holds
    charge_margin_kw: float = Field(default=0.0, ge=0)
    # per-slot statistic of the same-weekday load history: "max" does not under-forecast the
    # evening peak that sets the month's demand charge
    load_statistic: Literal["mean", "max"] = "mean"
    forecast_weeks: int = Field(default=4, ge=1, le=12)  # same-weekday days the forecast uses
    trend_correction: bool = False
    peak_margin_kw: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> OptimalParams:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        lo, hi = self.soc_min_pct, self.soc_max_pct
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"soc_min_pct {lo} is above soc_max_pct {hi}")
        return self
