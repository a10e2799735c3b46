"""One re-plan of the optimal-schedule strategy as a pure job on copied inputs: forecasts,
the demand terms of the running monthly peak, the spike reserve and the LP. It reads nothing
but its job, so it runs on a worker thread at run time and inline in the backtest."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from app.battery import BatteryParams
from app.forecast import clear_sky_ratio_pv, quantile_ratio_pv, same_weekday_load
from app.optimizer import (
    Plan,
    PlanInputs,
    full_power_soc_window,
    plan_day,
)
from app.optimizer.demand import hindsight_peak, month_end, regular
from strategies.optimal_params import (
    HINDSIGHT_DAYS,
    STEP_S,
    OptimalParams,
    PriceSource,
)
from strategies.optimal_reserve import dark_floor


@dataclass(frozen=True)
class PlanJob:
    """Everything one re-plan needs, copied out of the strategy: planning reads nothing else,
    so it may run on a worker thread while the strategy goes on observing."""

    params: OptimalParams
    battery: BatteryParams
    tariff: PriceSource
    timezone: str
    pv_kwp: float
    start: float  # UTC epoch seconds, a step start
    steps: int
    soc_pct: float
    current_load: float | None
    peak_so_far_kw: float  # the month's running peak (kW)
    load_ts: NDArray[np.float64]
    load_kw: NDArray[np.float64]
    pv_ts: NDArray[np.float64]
    pv_kw: NDArray[np.float64]
    hindsight_kw: float | None = None  # the history optimum's peak, when already known
    hindsight_known: bool = False


@dataclass(frozen=True)
class DemandTerms:
    split: int | None  # first step of the next month in the horizon
    segments: list[tuple[float, float]]  # (upper kW, share) above the running peak
    next_segments: list[tuple[float, float]]  # the next month's, above 0 kW


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    forecast_method: str
    hindsight_kw: float | None = None


def demand_terms(job: PlanJob) -> DemandTerms:
    """How the plan prices raising the month's running peak (app/optimizer/demand.py).

    ``hindsight``: a kW up to the peak the history's LP optimum holds (the month will set it
    anyway, and it serves all the rest of the month) costs D x the plan's hours in the month /
    the hours left in it; above that level, or without that estimate, the whole D. Hours past
    a month boundary set the next month's peak from 0 kW, priced the same way over that
    month. ``full``: the whole charge (D) throughout."""
    p, zone = job.params, ZoneInfo(job.timezone)
    end = job.start + job.steps * STEP_S
    m_end = month_end(job.start, zone)
    split = math.ceil((m_end - job.start) / STEP_S - 1e-9) if end > m_end else None
    if p.demand_charge_share == "full":
        return DemandTerms(split, [], [])
    target = job.hindsight_kw
    if target is not None:
        base = job.peak_so_far_kw * p.paid_peak_share
        # a kW up to the target serves the rest of the month: this plan bears its share
        share = (min(end, m_end) - job.start) / (m_end - job.start)
        segs = [(target, share)] if target > base else []
        next_segs: list[tuple[float, float]] = []
        if split is not None:
            next_share = (end - m_end) / (month_end(m_end, zone) - m_end)
            next_segs = [(target, next_share)]
        return DemandTerms(split, segs, next_segs)
    return DemandTerms(split, [], [])  # no history optimum yet: the whole charge


def trend_factor(
    params: OptimalParams, tz: str, ts: NDArray[np.float64], kw: NDArray[np.float64]
) -> float:
    """The last 24 h of load over what the same method forecast for them (1 without two
    days of history), clamped to 0.8..1.25: a load that grows week on week
    (summer cooling) runs above every past same-weekday day, and the evening peak would
    be under-planned."""
    n = round(86400 / STEP_S)  # the last day: a week-long window did worse (94.8 %)
    if ts.size < 2 * n:
        return 1.0
    past = same_weekday_load(
        ts[:-n],
        kw[:-n],
        float(ts[-n]),
        n,
        STEP_S,
        tz,
        k=params.forecast_weeks,
        statistic=params.load_statistic,
        holidays=params.holidays,
        trend=params.weekly_trend,
        workdays=params.workdays,
    )
    expected = float(np.mean(past.values))
    if "flat" in past.method or expected <= 0:
        return 1.0
    return min(max(float(np.mean(kw[-n:])) / expected, 0.8), 1.25)


def forecasts(job: PlanJob) -> tuple[NDArray[np.float64], NDArray[np.float64], str]:
    """Load and PV forecasts (kW per step) for the job's horizon, and how they were made."""
    p, start, steps = job.params, job.start, job.steps
    lts, lkw = job.load_ts, job.load_kw
    flat = job.current_load if job.current_load is not None else 0.0
    load = same_weekday_load(
        lts,
        lkw,
        start,
        steps,
        STEP_S,
        job.timezone,
        k=p.forecast_weeks,
        flat_kw=flat,
        statistic=p.load_statistic,
        holidays=p.holidays,
        trend=p.weekly_trend,
        workdays=p.workdays,
    )
    load_kw = load.values
    method = load.method
    if p.trend_correction:
        factor = trend_factor(p, job.timezone, lts, lkw)
        load_kw = load_kw * factor
        method += f" x trend {factor:.3f}"
    pts, pkw, kwp = job.pv_ts, job.pv_kw, job.pv_kwp
    if p.latitude is not None and p.longitude is not None and kwp > 0:
        if p.pv_forecast == "quantile":
            pv = quantile_ratio_pv(
                pts,
                pkw,
                start,
                p.latitude,
                p.longitude,
                kwp,
                steps,
                STEP_S,
                job.timezone,
                days=p.pv_days,
                quantile=p.pv_quantile,
            )
        else:
            pv = clear_sky_ratio_pv(pts, pkw, start, p.latitude, p.longitude, kwp, steps, STEP_S)
    else:
        pv = same_weekday_load(pts, pkw, start, steps, STEP_S, job.timezone, k=1, flat_kw=0)
        if "flat" in pv.method:  # no whole day of PV seen: no PV rather than a flat mean
            return load_kw, np.zeros(steps), f"load: {method}; PV: none yet"
    pv_kw = np.clip(pv.values, 0.0, None)
    return load_kw, pv_kw, f"load: {method}; PV: {pv.method}"


def spike_floor(
    job: PlanJob, load: NDArray[np.float64], pv: NDArray[np.float64], split: int | None
) -> NDArray[np.float64] | None:
    """The spike reserve as a per-step SOC floor: soc_min + the reserve's energy in the steps
    whose forecast import is within ``spike_reserve_kw`` of the month's running peak (every
    step of a new month, whose running peak starts at 0); None without a reserve."""
    p, bat = job.params, job.battery
    kwh = p.spike_reserve_kw * p.spike_reserve_min / 60.0 / bat.eta_discharge
    if kwh <= 0:
        return None
    soc_min = full_power_soc_window(bat)[0] if p.soc_min_pct is None else p.soc_min_pct / 100
    ref = np.full(load.size, job.peak_so_far_kw)
    if split is not None:
        ref[split:] = 0.0
    near = load - pv + p.spike_reserve_kw > ref
    return np.where(near, soc_min + kwh / bat.capacity_kwh, 0.0)


def soc_floor(
    job: PlanJob, load: NDArray[np.float64], pv: NDArray[np.float64], split: int | None
) -> NDArray[np.float64] | None:
    """The higher of the spike reserve and the dark-day reserve per step (None: neither)."""
    floors = [
        f
        for f in (spike_floor(job, load, pv, split), dark_floor(job, load, split))
        if f is not None
    ]
    return np.maximum.reduce(floors) if floors else None


def plan_inputs(job: PlanJob) -> tuple[PlanInputs, str]:
    p = job.params
    load, pv, method = forecasts(job)
    ts = job.start + STEP_S * np.arange(job.steps, dtype=np.float64)
    imp, exp, _periods = job.tariff.prices(ts)
    demand = demand_terms(job)
    pct = lambda v: None if v is None else v / 100.0  # noqa: E731
    inputs = PlanInputs(
        load_kw=load,
        pv_kw=pv,
        import_price=np.asarray(imp, dtype=np.float64),
        export_price=np.asarray(exp, dtype=np.float64),
        demand_charge_per_kw=float(job.tariff.demand_charge_per_kw_month),
        peak_so_far_kw=job.peak_so_far_kw * p.paid_peak_share,
        demand_segments=demand.segments,
        next_month_step=demand.split,
        next_demand_segments=demand.next_segments,
        battery=job.battery,
        soc_initial=min(max(job.soc_pct / 100.0, 0.0), 1.0),
        soc_min=pct(p.soc_min_pct),
        soc_max=pct(p.soc_max_pct),
        soc_target=pct(p.soc_target_pct),
        soc_floor=soc_floor(job, load, pv, demand.split),
        import_limit_kw=math.inf if p.import_limit_kw is None else p.import_limit_kw,
        export_limit_kw=math.inf if p.export_limit_kw is None else p.export_limit_kw,
        start_ts=job.start,
        step_s=STEP_S,
        timezone=job.timezone,
    )
    return inputs, method


def history_optimum_peak(job: PlanJob) -> float | None:
    """The peak the LP optimum with perfect foresight holds over the load and PV history
    (app.optimizer.demand.hindsight_peak): what a month like the last weeks sets anyway."""
    p = job.params
    recent = job.load_ts >= job.start - HINDSIGHT_DAYS * 86400.0  # a month's LP at most
    load = regular(job.load_ts[recent], job.load_kw[recent], STEP_S)
    if load is None:
        return None
    ts, load_kw = load
    pv_kw = np.zeros(ts.size)
    if job.pv_ts.size:
        pv_kw = np.interp(ts, job.pv_ts, job.pv_kw, left=0.0, right=0.0)
    imp, exp, _periods = job.tariff.prices(ts)
    return hindsight_peak(
        ts,
        load_kw,
        pv_kw,
        np.asarray(imp, dtype=np.float64),
        np.asarray(exp, dtype=np.float64),
        float(job.tariff.demand_charge_per_kw_month),
        job.battery,
        None if p.soc_min_pct is None else p.soc_min_pct / 100,
        None if p.soc_max_pct is None else p.soc_max_pct / 100,
        math.inf if p.export_limit_kw is None else p.export_limit_kw,
        STEP_S,
    )


def run_job(job: PlanJob) -> PlanResult:
    """Forecast and solve: the pure part of a re-plan (thread-safe: reads only ``job``)."""
    if job.params.demand_charge_share == "hindsight" and not job.hindsight_known:
        job = replace(job, hindsight_kw=history_optimum_peak(job), hindsight_known=True)
    inputs, method = plan_inputs(job)
    return PlanResult(plan_day(inputs), method, job.hindsight_kw)
