"""Optimal schedule (MPC): the day-ahead LP of app/optimizer, re-planned every 15 minutes.

At the first cycle of every quarter hour (``REPLAN_PERIOD_S``, aligned to the epoch) the
strategy re-plans a rolling ``horizon_h`` horizon from that step, on the measured SOC, with:

* load forecast: same-weekday profile (``app.forecast.same_weekday_load``) over a history the
  strategy accumulates itself: a bounded ring of 15-minute averages of the load it has seen
  (``history_days`` days); public ``holidays`` forecast like Sundays; with ``weekly_trend``
  each past day scaled by the fitted weekly growth; with no usable history a flat profile at
  the mean seen so far, or at the current load;
* PV forecast: clear-sky x recent ratio (``app.forecast.clear_sky_ratio_pv``) at
  ``latitude``/``longitude`` over the same kind of PV history; without a location, the PV
  history's own last-day profile (same fallbacks as the load);
* prices: the station tariff's ``prices(ts_array)`` for the horizon;
* demand: the month's running peak (the highest 15-minute average import since the
  station-local month began, from the snapshots and from ``prime``'s grid data) is paid: only
  raising it costs - up to the peak the LP optimum holds over the history (computed once a
  day) at the plan's share of the rest of the month, above it the whole monthly charge
  (``demand_charge_share: hindsight``; docs/optimizer.md "Demand charge in the MPC"); hours
  past a month boundary set the next month's peak, from 0 kW;
* spike reserve: ``spike_reserve_kw`` for ``spike_reserve_min`` minutes is kept in the
  battery (an SOC floor in the plan) in the hours whose forecast import is within
  ``spike_reserve_kw`` of the running peak; only the closed-loop guard discharges it.

Between re-plans it applies ``pcs == plan.setpoint_at(now)`` (economics band, 400), and
guards the plan's peak in closed loop: ``pcs >= base_import - target``, the target budgeting
what is left of the current 15-minute window against max(planned peak, month's peak so far)
plus ``peak_margin_kw`` (demand control's window, strategies/demand_control.py). The plan is
open loop between re-plans; without the guard a load above its forecast would set the
month's demand before the next re-plan could see it. ``prime(ts, load, pv[, grid])`` feeds
recorded quarter hours into the forecast history and the running peak (the backtest primes
it with the days before its start, as a station would from its history).

Planning (forecasts + LP, ~30-60 ms) is a pure job on copied inputs handed to a
``PlanExecutor`` (app/optimizer/executor.py): on the asyncio event loop (run time) a worker
thread, so ``compute`` never blocks the loop - it starts the re-plan and keeps applying the
previous plan (which covers 24 h) until a later cycle finds the new one finished; elsewhere
(the backtest, tests) inline, so simulated time gets the plan in the same cycle,
deterministically. An executor can also be injected (``executor=``).

Fallback: SOC unusable when a re-plan is due, an infeasible plan or a solver error -> ask
nothing (the PCS goes to its neutral 0 kW unless another strategy asks) and queue an event
with the plan's reason (``drain_events()``). A re-plan skipped for a bad SOC is retried on the
next cycle; an infeasible one at the next quarter hour. Deterministic given the snapshots and
the clock (inline): the state is only the accumulated history, the running peak and the plan.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from typing import ClassVar
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from app.battery import BatteryParams
from app.control.constraints import BAND_ECONOMICS, Constraint
from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import Clock, ControlEvent, StrategyContext, StrategyParams
from app.optimizer import (
    INLINE,
    Plan,
    PlanExecutor,
    ThreadExecutor,
    on_event_loop,
    step_start,
)
from strategies.demand_control import DemandWindow
from strategies.optimal_params import (
    HINDSIGHT_DAYS,
    PEAK_TOL_KW,
    STEP_S,
    OptimalParams,
    PriceSource,
)
from strategies.optimal_plan_job import (
    DemandTerms,
    PlanJob,
    PlanResult,
    demand_terms,
    forecasts,
    history_optimum_peak,
    plan_inputs,
    run_job,
    spike_floor,
    trend_factor,
)

__all__ = [
    "HINDSIGHT_DAYS",
    "PEAK_TOL_KW",
    "STEP_S",
    "DemandTerms",
    "OptimalParams",
    "OptimalSchedule",
    "PlanJob",
    "PlanResult",
    "PriceSource",
    "QuarterRing",
    "demand_terms",
    "forecasts",
    "history_optimum_peak",
    "plan_inputs",
    "run_job",
    "spike_floor",
    "trend_factor",
]


class QuarterRing:
    """15-minute averages of one quantity, at most ``size`` of them (oldest dropped)."""

    def __init__(self, size: int) -> None:
        self.done: deque[tuple[float, float]] = deque(maxlen=size)  # (step start, mean kW)
        self.step: float | None = None
        self._sum = 0.0
        self._count = 0

    def add(self, ts: float, kw: float | None) -> tuple[float, float] | None:
        """Add a sample; returns the (start, mean) of a quarter hour that just closed."""
        start = step_start(ts, STEP_S)
        closed = None
        if self.step is not None and start != self.step:
            if self._count:
                closed = (self.step, self._sum / self._count)
                self.done.append(closed)
            self._sum, self._count = 0.0, 0
        self.step = start
        if kw is not None:
            self._sum += kw
            self._count += 1
        return closed

    def arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if not self.done:
            return np.zeros(0), np.zeros(0)
        ts, kw = zip(*self.done, strict=True)
        return np.asarray(ts, dtype=np.float64), np.asarray(kw, dtype=np.float64)


class OptimalSchedule:
    kind: ClassVar[str] = "optimal_schedule"
    default_priority: ClassVar[int] = BAND_ECONOMICS
    params_model: ClassVar[type[StrategyParams]] = OptimalParams

    def __init__(
        self,
        params: OptimalParams,
        tariff: PriceSource,
        roles: SiteRoles | None = None,
        priority: int = BAND_ECONOMICS,
        timezone: str = "Asia/Shanghai",
        name: str = "optimal_schedule",
        executor: PlanExecutor | None = None,
    ) -> None:
        self.params = params
        self.tariff = tariff
        self.roles = roles or SiteRoles()
        self.priority = priority
        self.name = name
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        p = params
        rating = self.roles.pcs_rating_kw
        self.battery = BatteryParams(
            capacity_kwh=p.capacity_kwh,
            p_charge_max_kw=p.p_charge_max_kw or rating,
            p_discharge_max_kw=p.p_discharge_max_kw or rating,
            eta_charge=p.eta_charge,
            eta_discharge=p.eta_discharge,
        )
        size = p.history_days * round(86400 / STEP_S)
        self.load_history = QuarterRing(size)
        self.pv_history = QuarterRing(size)
        self.import_quarters = QuarterRing(4)
        self.peak_month: tuple[int, int] | None = None  # (year, month) local
        self.peak_so_far_kw = 0.0
        self.primed_peaks: dict[tuple[int, int], float] = {}  # (year, month) -> kW, from prime
        self.plan: Plan | None = None
        self.window = DemandWindow()
        self.planned_step: float | None = None  # step of the last re-plan attempt
        self.replans = 0
        self.forecast_method = ""
        # None: a worker thread when computing on an asyncio event loop, else inline
        self.executor = executor
        self._thread: ThreadExecutor | None = None
        self.pending: Future[PlanResult] | None = None  # the re-plan being computed
        # the history optimum's peak, recomputed once a (local) day: (date, kW or None)
        self.hindsight: tuple[dt.date, float | None] | None = None
        self._soc_bad = False
        self._events: list[ControlEvent] = []

    @classmethod
    def create(cls, params: object, context: StrategyContext, priority: int) -> OptimalSchedule:
        if context.tariff is None:
            raise ValueError("optimal_schedule needs the station's tariff, and none is configured")
        tariff = context.tariff
        if not isinstance(tariff, PriceSource):
            raise ValueError("optimal_schedule needs a tariff with prices and a demand charge")
        assert isinstance(params, OptimalParams)
        return cls(params, tariff, context.roles, priority, context.timezone)

    @property
    def inputs(self) -> Sequence[str]:
        return (self.roles.soc,)  # load, PV and grid only feed the history: gaps are skipped

    def drain_events(self) -> list[ControlEvent]:
        out, self._events = self._events, []
        return out

    def _event(self, now: float, message: str, severity: str = "warning") -> None:
        self._events.append(ControlEvent(now, self.name, message, None, severity))

    # --- what the strategy learns from the snapshots ------------------------------------

    def prime(
        self,
        ts: Sequence[float],
        load_kw: Sequence[float],
        pv_kw: Sequence[float],
        grid_kw: Sequence[float] | None = None,
    ) -> None:
        """Feed recorded quarter-hour averages (start times, oldest first) into the history;
        with ``grid_kw`` (net import) also the running peak of each station-local month."""
        for t, load, pv in zip(ts, load_kw, pv_kw, strict=True):
            self.load_history.add(float(t), float(load))
            self.pv_history.add(float(t), float(pv))
        if len(ts):  # close the last quarter: the next sample starts a new one
            end = float(ts[-1]) + STEP_S
            self.load_history.add(end, None)
            self.pv_history.add(end, None)
        if grid_kw is not None:
            for t, grid in zip(ts, grid_kw, strict=True):
                if not math.isfinite(grid):
                    continue
                local = dt.datetime.fromtimestamp(float(t), self.zone)
                key = (local.year, local.month)
                self.primed_peaks[key] = max(self.primed_peaks.get(key, 0.0), float(grid))
                if key == self.peak_month:
                    self.peak_so_far_kw = max(self.peak_so_far_kw, float(grid))

    def _observe(self, snapshot: Snapshot, now: float) -> None:
        self.load_history.add(now, snapshot.load_p())
        self.pv_history.add(now, snapshot.pv_p())
        grid = snapshot.grid_p()
        closed = self.import_quarters.add(now, None if grid is None else max(0.0, grid))
        self.window.add(now, grid)
        local = dt.datetime.fromtimestamp(now, self.zone)
        month = (local.year, local.month)
        if self.peak_month != month:  # a new month (station time): nothing is paid yet
            self.peak_month, self.peak_so_far_kw = month, self.primed_peaks.get(month, 0.0)
        if closed is not None:
            closed_local = dt.datetime.fromtimestamp(closed[0], self.zone)
            if (closed_local.year, closed_local.month) == month:
                self.peak_so_far_kw = max(self.peak_so_far_kw, closed[1])

    def _job(self, start: float, soc_pct: float, current_load: float | None) -> PlanJob:
        p = self.params
        lts, lkw = self.load_history.arrays()
        pts, pkw = self.pv_history.arrays()
        today = dt.datetime.fromtimestamp(start, self.zone).date()
        known = self.hindsight is not None and self.hindsight[0] == today
        return PlanJob(
            params=p,
            battery=self.battery,
            tariff=self.tariff,
            timezone=self.timezone,
            pv_kwp=p.pv_kwp or self.roles.pv_rating_total_kw,
            start=start,
            steps=max(1, round(p.horizon_h * 3600 / STEP_S)),
            soc_pct=soc_pct,
            current_load=current_load,
            peak_so_far_kw=self.peak_so_far_kw,
            load_ts=lts,
            load_kw=lkw,
            pv_ts=pts,
            pv_kw=pkw,
            hindsight_kw=self.hindsight[1] if known and self.hindsight else None,
            hindsight_known=known,
        )

    def _forecasts(
        self, start: float, steps: int, current_load: float | None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], str]:
        job = self._job(start, 50.0, current_load)
        return forecasts(PlanJob(**{**job.__dict__, "steps": steps}))

    def _trend(self, ts: NDArray[np.float64], kw: NDArray[np.float64]) -> float:
        return trend_factor(self.params, self.timezone, ts, kw)

    # --- planning ------------------------------------------------------------------------

    def _replan(self, start: float, soc_pct: float, current_load: float | None) -> Plan:
        """One re-plan, computed here and now (tests; ``compute`` goes through the executor)."""
        result = run_job(self._job(start, soc_pct, current_load))
        self.forecast_method = result.forecast_method
        return result.plan

    def _executor(self) -> PlanExecutor:
        if self.executor is not None:
            return self.executor
        if not on_event_loop():
            return INLINE
        if self._thread is None:
            self._thread = ThreadExecutor(f"{self.name}-plan")
        return self._thread

    def _collect(self, now: float) -> None:
        """Take a finished re-plan (never waits for one still being computed)."""
        future = self.pending
        if future is None or not future.done():
            return
        self.pending = None
        exc = future.exception()
        if exc is not None:  # a tariff or forecast failure: neutral, said once
            self.plan = None
            self._event(now, f"re-plan failed: {exc!r}; asking nothing", "alarm")
            return
        result = future.result()
        self.forecast_method = result.forecast_method
        day = dt.datetime.fromtimestamp(result.plan.start_ts, self.zone).date()
        self.hindsight = (day, result.hindsight_kw)
        if not result.plan.ok:
            self.plan = None
            self._event(now, f"plan {result.plan.status}: {result.plan.reason}; asking nothing")
            return
        self.plan = result.plan

    def compute(self, snapshot: Snapshot, clock: Clock) -> list[Constraint]:
        now = clock.now()
        self._observe(snapshot, now)
        step = step_start(now, STEP_S)
        self._collect(now)
        soc = snapshot.soc()
        if soc is None:  # safe action: ask nothing; a due re-plan waits for a usable SOC
            if not self._soc_bad:
                self._soc_bad = True
                problem = snapshot.problem(self.roles.soc)
                self._event(now, f"SOC {problem}: asking nothing until it is usable")
            return []
        if self._soc_bad:
            self._soc_bad = False
            self._event(now, "SOC usable again", "info")
        if self.planned_step != step and self.pending is None:
            self.planned_step = step
            self.replans += 1
            job = self._job(step, soc, snapshot.load_p())
            self.pending = self._executor().submit(lambda: run_job(job))
            self._collect(now)  # inline: the plan is there already
        if self.plan is None:
            return []
        setpoint = self.plan.setpoint_at(now)
        if setpoint is None:
            return []
        why = f"optimal plan from {self._clock(self.plan.start_ts)} (SOC {self.plan.soc_start:.0%})"
        setpoint, why = self._surplus_only(snapshot, now, setpoint, why)
        setpoint, why = self._shave_only(snapshot, now, setpoint, why)
        setpoint, why = self._fill_to_peak(snapshot, now, setpoint, why)
        out = self._guard(snapshot, now)
        out.append(
            Constraint(self.roles.pcs_setpoint, "eq", setpoint, self.name, self.priority, why)
        )
        return out

    def _plan_step(self, now: float) -> int | None:
        """The index of the plan's step holding ``now``, None outside the plan."""
        if self.plan is None:
            return None
        i = int((now - self.plan.start_ts) // self.plan.step_s)
        return i if 0 <= i < self.plan.n else None

    def _surplus_only(
        self, snapshot: Snapshot, now: float, setpoint: float, why: str
    ) -> tuple[float, str]:
        """Where the plan charges without importing, it charges from PV surplus: charge what
        the site has to spare now, at most the planned power, never buying for it (a cloud
        the forecast missed would otherwise be bought at that hour's price)."""
        i = self._plan_step(now)
        if not self.params.surplus_only_charging or setpoint >= 0 or i is None:
            return setpoint, why
        assert self.plan is not None
        if self.plan.import_kw[i] > 1e-3:
            return setpoint, why
        base = snapshot.base_import()
        if base is None:
            return setpoint, why
        spare = max(0.0, -base)
        if spare >= -setpoint:
            return setpoint, why
        return -spare, f"{why}; charging from PV surplus only ({spare:.0f} kW spare)"

    def _shave_only(
        self, snapshot: Snapshot, now: float, setpoint: float, why: str
    ) -> tuple[float, str]:
        """Where the plan discharges to hold its peak, discharge what holds the peak now: a
        load below its (cautious) forecast needs less, and the energy stays for later; a
        load above it is the guard's."""
        plan, i = self.plan, self._plan_step(now)
        if not self.params.peak_guard or setpoint <= 0 or plan is None or i is None:
            return setpoint, why
        peak = plan.peak_at(now)  # not the month's peak so far: that would ratchet it up
        if plan.import_kw[i] < peak - PEAK_TOL_KW:
            return setpoint, why
        base = snapshot.base_import()
        if base is None:
            return setpoint, why
        needed = max(0.0, base - peak)
        if needed >= setpoint:
            return setpoint, why
        return needed, f"{why}; shaving to the planned peak {peak:.0f} kW only"

    def _fill_to_peak(
        self, snapshot: Snapshot, now: float, setpoint: float, why: str
    ) -> tuple[float, str]:
        """Where the plan charges as hard as its peak allows, charge in closed loop up to the
        peak already paid this month: a load below its forecast (a compressor off) leaves
        room the plan could not count on, and that kW of the month is paid anyway. The
        counterpart of ``_shave_only``; the guard still holds the window from above."""
        plan, i = self.plan, self._plan_step(now)
        if not self.params.fill_to_peak or setpoint >= 0 or plan is None or i is None:
            return setpoint, why
        peak = plan.peak_at(now)
        if plan.import_kw[i] < peak - PEAK_TOL_KW:
            return setpoint, why
        base = snapshot.base_import()
        if base is None:
            return setpoint, why
        paid = max(peak, self.peak_so_far_kw if peak == plan.peak_import_kw else 0.0)
        paid -= self.params.fill_margin_kw  # a load step after the last cycle of a window
        target = self.window.target(now, paid, 0.8 * paid, paid)
        room = min(target - base, self.battery.p_charge_max_kw)
        if room <= -setpoint:
            return setpoint, why
        return -room, f"{why}; charging up to the paid peak {paid:.0f} kW ({room:.0f} kW)"

    def _guard(self, snapshot: Snapshot, now: float) -> list[Constraint]:
        """The planned peak held in closed loop (first, so the plan's setpoint is clamped to it)."""
        base = snapshot.base_import()
        if not self.params.peak_guard or self.plan is None or base is None:
            return []
        planned = self.plan.peak_at(now)
        peak = max(planned, self.peak_so_far_kw) + self.params.peak_margin_kw
        if not math.isfinite(peak) or peak <= 0:
            return []
        target = self.window.target(now, peak, 0.8 * peak, peak)
        why = f"hold the planned peak {peak:.0f} kW (window target {target:.0f} kW)"
        least = base - target
        margin = self.params.charge_margin_kw
        if margin > 0:  # a charge stays the margin below the peak; no discharge is forced
            low = peak - margin
            least = max(least, min(0.0, base - self.window.target(now, low, 0.8 * low, low)))
        return [Constraint(self.roles.pcs_setpoint, "min", least, self.name, self.priority, why)]

    def _clock(self, ts: float) -> str:
        return dt.datetime.fromtimestamp(ts, self.zone).strftime("%H:%M")
