"""Self-tuning of the rule strategies: learn from the LP optimum of the window, refine by backtests.

The window is the ``days`` (28) before ``end_ts``; the month to be controlled is the one that
starts there. Before anything is scored, the window is made to look like that month:

- **tariff season**: the window is priced and its TOU periods are read in the target month's
  tariff season (``season_tariff``: June history is re-priced as July's summer_winter
  season, with its critical peaks, when the tuned rules are for July);
- **growth**: the load's trend over the window (daily peaks regressed on the day, one
  intercept per weekday) is extrapolated by ``AHEAD_DAYS`` (a month) and the window's load
  scaled by the ratio (``growth_factor``, clipped to ``GROWTH_RANGE``).

Every candidate is a backtest of that adjusted window (``run_backtest``, default step 300 s)
scored by its bill. The first one also gives the LP optimum (perfect foresight) of the
window, which the rules are derived from (docs/strategies.md, "Tuning a new station"):

- the demand limit (``demand_control.limit_kw``, also TOU's ``grid_import_cap_kw``) as a
  factor of the LP's peak demand (``LIMIT_FACTORS``; ``None``: no demand target, the
  window's net peak); the limit proposed is the one chosen times ``1 + LIMIT_MARGIN``;
- ``shape="lp"``: the LP's state of charge per hour (median over the window's Mondays to
  Fridays, Saturdays and Sundays, moved by ``lp_shift``) becomes hourly discharge floors
  (``reserve_windows``) and grid-charging ceilings (``charge_windows``) for TOU, which
  charges in the valley and discharges in peak, critical peak and (``flat_discharge``) flat
  periods; ``shape="simple"``: one reserve window at 100 %, the valley target, the peak
  floor and one midday charge window from a small grid (the previous tuner's coordinates).

Search: coordinate descent from ``Candidate()`` over the coordinates relevant to its shape,
two passes at most (~30-45 backtests of 28 days at 300 s, about a minute). Then the section
with the margin is backtested on the window; if it costs more than no storage there, the
tuner falls back to TOU arbitrage without a demand target and, if that costs more too, to an
idle battery (never more than no storage on the window). Everything else in the current
section (protection, export limit, other strategies) is kept as it is.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from app.backtest.result import BacktestResult
from app.backtest.run import run_backtest
from app.backtest.series import QUARTER_S, FloatArray, Series, on_grid, quarter_means
from app.model import Station
from app.tariff import Tariff

WINDOW_DAYS = 28.0
TUNE_STEP_S = 300
RULE_KINDS = ("demand_control", "soc_management", "peak_valley_tou")

# design parameters (chosen on the benchmark's TUNING set only, docs/performance.md)
AHEAD_DAYS = 30.0  # how far the load trend is extrapolated (the window's days -> the month's)
GROWTH_RANGE = (0.9, 1.25)  # clip of the growth factor
LIMIT_MARGIN = 0.03  # the proposed limit: the chosen one x (1 + this), for forecast error
SOC_MIN_PCT = 10.0

# the demand limit as a factor of the LP's peak on the window; None: no demand target
LIMIT_FACTORS: tuple[float | None, ...] = (1.0, 1.03, 1.06, 1.1, 1.15, 1.2, 1.3, 1.45, None)
SHAPES = ("lp", "simple")
LP_SHIFTS = (0.0, 10.0, -10.0, 20.0)
# (start, end) of the reserve window, local; None: no reserve (shape "simple")
RESERVES: tuple[tuple[str, str] | None, ...] = (
    None,
    ("13:00", "20:00"),
    ("15:00", "21:00"),
    ("16:00", "22:00"),
    ("17:00", "23:00"),
    ("11:00", "17:00"),
)
RESERVE_DAYS: tuple[tuple[int, ...], ...] = ((0, 1, 2, 3, 4), (0, 1, 2, 3, 4, 5), tuple(range(7)))
VALLEY_TARGETS = (60.0, 80.0, 100.0)
# the lowest SOC TOU discharges to (peak, critical peak, flat): what is left above the
# minimum is a reserve for demand control's unforeseen peaks
PEAK_FLOORS = (10.0, 20.0, 30.0, 45.0, 60.0)
# (start, end, SOC ceiling) of a grid-charging ceiling; None: none (shape "simple")
CHARGE_WINDOWS: tuple[tuple[str, str, float] | None, ...] = (
    None,
    ("11:00", "13:00", 60.0),
    ("10:00", "14:00", 40.0),
)
DAY_GROUPS: tuple[tuple[int, ...], ...] = ((0, 1, 2, 3, 4), (5,), (6,))
SOC_ROUND_PCT = 5.0

# SOC (%) at the end of each local hour, per day group: (groups, 24)
Profile = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class Candidate:
    limit_factor: float | None = 1.1
    shape: str = "lp"
    flat_discharge: bool = True
    lp_shift: float = 0.0
    reserve: tuple[str, str] | None = ("13:00", "20:00")
    reserve_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    valley: float = 80.0
    peak_floor: float = 10.0
    charge_window: tuple[str, str, float] | None = None
    idle: bool = False  # the fallback: the battery does nothing for the tariff

    def describe(self, lp_peak_kw: float, net_peak_kw: float | None = None) -> str:
        if self.idle:
            return "idle battery (no TOU, no demand target): nothing on the window saved money"
        limit = limit_kw(self, lp_peak_kw, net_peak_kw or lp_peak_kw)
        lim = (
            f"limit {limit:g} kW (no demand target: the window's net peak)"
            if self.limit_factor is None
            else f"limit {limit:g} kW ({self.limit_factor:g} x the LP's peak {lp_peak_kw:.0f} kW)"
        )
        flat = ", discharging in flat" if self.flat_discharge else ""
        if self.shape == "lp":
            shift = f" {self.lp_shift:+g} %" if self.lp_shift else ""
            return (
                f"{lim}, hourly SOC floors/ceilings from the LP{shift}, "
                f"discharge floor {self.peak_floor:g} %{flat}"
            )
        reserve = "none" if self.reserve is None else f"{self.reserve[0]}-{self.reserve[1]}"
        days = {5: "Mon-Fri", 6: "Mon-Sat", 7: "every day"}[len(self.reserve_days)]
        charge = (
            "none"
            if self.charge_window is None
            else f"{self.charge_window[0]}-{self.charge_window[1]} <= {self.charge_window[2]:g} %"
        )
        return (
            f"{lim}, reserve {reserve} {days if self.reserve else ''}".rstrip()
            + f", valley {self.valley:g} %, peak floor {self.peak_floor:g} %, "
            f"charge window {charge}{flat}"
        )


COMMON = ("limit_factor", "shape", "flat_discharge")
COORDINATES: dict[str, tuple[Any, ...]] = {
    "limit_factor": LIMIT_FACTORS,
    "shape": SHAPES,
    "flat_discharge": (True, False),
    "lp_shift": LP_SHIFTS,
    "reserve": RESERVES,
    "reserve_days": RESERVE_DAYS,
    "valley": VALLEY_TARGETS,
    "charge_window": CHARGE_WINDOWS,
    "peak_floor": PEAK_FLOORS,
}
SHAPE_COORDINATES = {
    "lp": ("lp_shift", "peak_floor"),
    "simple": ("reserve", "reserve_days", "valley", "charge_window", "peak_floor"),
}


@dataclass(frozen=True)
class Evaluation:
    candidate: Candidate
    bill: float
    ratio: float | None


@dataclass(frozen=True)
class TuneResult:
    section: dict[str, Any]
    best: Evaluation  # the candidate chosen (on the adjusted window, before the margin)
    current: Evaluation | None  # the current section on the same window
    evaluations: tuple[Evaluation, ...]
    start_ts: float
    end_ts: float
    peak_kw: float  # highest 15-minute net import of the adjusted window
    lp_peak_kw: float = 0.0  # the LP optimum's peak demand on the adjusted window
    growth: float = 1.0  # load scale applied to the window
    season: str = ""  # the tariff season the window was priced in
    bill_without: float = 0.0  # no storage, on the adjusted window
    proposed: Evaluation | None = None  # the proposed section (with the margin) on the window
    notes: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        return self.best.candidate.describe(self.lp_peak_kw, self.peak_kw)


def limit_kw(c: Candidate, lp_peak_kw: float, net_peak_kw: float) -> float:
    """The candidate's demand limit on the window (before ``LIMIT_MARGIN``)."""
    raw = net_peak_kw if c.limit_factor is None else c.limit_factor * lp_peak_kw
    return float(max(5.0, 5.0 * round(min(raw, net_peak_kw) / 5.0)))


def net_peak_kw(load: Series, pv: Series, start_ts: float, days: float) -> float:
    """Highest 15-minute mean of load - PV over the window (what the grid sees without a
    battery; export counts as 0)."""
    return float(max(_net_quarters(load, pv, start_ts, days).max(), 0.0))


def _net_quarters(load: Series, pv: Series, start_ts: float, days: float) -> FloatArray:
    step = min(load.step_s, pv.step_s, QUARTER_S)
    while QUARTER_S % step:
        step -= 1
    n = round(days * 86400 / QUARTER_S) * (QUARTER_S // step)
    net = on_grid(load, start_ts, n, step, "load") - np.maximum(
        on_grid(pv, start_ts, n, step, "pv"), 0.0
    )
    return quarter_means(net, step)


# ---- the window made to look like the target month ----------------------------------------------


def season_tariff(tariff: Tariff, start_ts: float, end_ts: float) -> tuple[Tariff, str]:
    """``tariff`` with the months of [start_ts, end_ts) in the season of the month at
    ``end_ts`` (the month the rules are tuned for), and that season's name. The same tariff
    when the window is in that season already."""
    target = tariff.local(end_ts).date()
    season = tariff.season(target)
    first = tariff.local(start_ts).date()
    last = tariff.local(end_ts - 1).date()
    months = {first.month, last.month}
    months |= {(first + dt.timedelta(days=d)).month for d in range(0, (last - first).days + 1)}
    if all(tariff.season(dt.date(2000, m, 1)) == season for m in months):
        return tariff, season
    out = copy.copy(tariff)
    index = tariff.season_names.index(season)
    month_season = list(tariff._month_season)
    for m in months:
        month_season[m] = index
    out._month_season = month_season
    return out, season


def growth_factor(
    load: Series,
    start_ts: float,
    days: float,
    zone: Any,
    ahead_days: float,
    holidays: frozenset[dt.date] = frozenset(),
) -> float:
    """Ratio of the load's busy level ``ahead_days`` later to now: a least-squares trend of
    each day's 90th percentile of quarter hours over the window (one intercept per weekday,
    so the week's shape is not a trend; ``holidays`` left out), clipped to ``GROWTH_RANGE``.
    1 with less than two weeks of data."""
    n_days = int(days)
    if n_days < 14:
        return 1.0
    step = min(load.step_s, QUARTER_S)
    while QUARTER_S % step:
        step -= 1
    n = n_days * 96 * (QUARTER_S // step)
    q = quarter_means(on_grid(load, start_ts, n, step, "load"), step).reshape(n_days, 96)
    # the day's 90th percentile: the level of its busy hours, not a short spike
    peaks = np.quantile(q, 0.9, axis=1)
    dates = [
        dt.datetime.fromtimestamp(start_ts + 86400 * d + 43200, zone).date() for d in range(n_days)
    ]
    weekday = np.array([d.weekday() for d in dates])
    x = np.zeros((n_days, 8))
    x[:, 0] = np.arange(n_days, dtype=np.float64)
    x[np.arange(n_days), 1 + weekday] = 1.0
    keep = np.array([d not in holidays for d in dates])
    if keep.sum() < 14:
        return 1.0
    coef, *_ = np.linalg.lstsq(x[keep], peaks[keep], rcond=None)
    level = float(np.mean(x @ coef))  # the trend's level at the window's middle
    if level <= 0:
        return 1.0
    ratio = 1.0 + float(coef[0]) * (n_days / 2.0 + ahead_days / 2.0) / level
    return float(min(max(ratio, GROWTH_RANGE[0]), GROWTH_RANGE[1]))


def _scaled(series: Series, factor: float) -> Series:
    if factor == 1.0:
        return series
    return replace(series, kw=series.kw * factor)


def lp_profile(result: BacktestResult, tariff: Tariff) -> Profile:
    """The LP optimum's SOC (%) at the end of each local hour, median per day group."""
    ts, soc = result.run.ts, result.optimal.soc
    out: list[tuple[float, ...]] = []
    local = [tariff.local(float(t)) for t in ts]
    hours = np.array([t.hour for t in local])
    minutes = np.array([t.minute for t in local])
    weekday = np.array([t.weekday() for t in local])
    end_of_hour = minutes == 45
    for group in DAY_GROUPS:
        in_group = np.isin(weekday, group) & end_of_hour
        if not in_group.any():
            in_group = end_of_hour
        row = []
        for h in range(24):
            m = in_group & (hours == h)
            row.append(float(np.median(soc[m])) * 100.0 if m.any() else 50.0)
        out.append(tuple(row))
    return tuple(out)


def _hour(h: int) -> str:
    return f"{h % 24:02d}:00"


def _profile_windows(profile: Profile, shift: float) -> list[dict[str, Any]]:
    """Hourly SOC windows from ``profile`` (runs of equal rounded levels merged)."""
    windows: list[dict[str, Any]] = []
    for group, row in zip(DAY_GROUPS, profile, strict=True):
        levels = [
            min(100.0, max(SOC_MIN_PCT, SOC_ROUND_PCT * round((v + shift) / SOC_ROUND_PCT)))
            for v in row
        ]
        h = 0
        while h < 24:
            end = h + 1
            while end < 24 and levels[end] == levels[h]:
                end += 1
            windows.append(
                {
                    "start": _hour(h),
                    "end": _hour(end),
                    "soc_pct": levels[h],
                    "weekdays": list(group),
                }
            )
            h = end
    return windows


# ---- candidates as control sections -------------------------------------------------------------


def _entry(section: dict[str, Any], kind: str) -> dict[str, Any]:
    for s in section.setdefault("strategies", []):
        if isinstance(s, dict) and s.get("kind") == kind:
            s.setdefault("params", {})
            return s
    entry: dict[str, Any] = {"kind": kind, "params": {}}
    section["strategies"].append(entry)
    return entry


def _power_kw(section: dict[str, Any]) -> float:
    prot = section.get("protection") or {}
    return float(prot.get("pcs_rating_kw", 500.0))


def apply_candidate(
    base: dict[str, Any],
    c: Candidate,
    lp_peak_kw: float,
    net_peak: float | None = None,
    profile: Profile | None = None,
    margin: float = 0.0,
) -> dict[str, Any]:
    """``base`` with the rule strategies' tuned parameters set from ``c`` (a new dict).

    ``net_peak``: the window's net peak (default ``lp_peak_kw``); ``profile``: the LP's SOC
    per hour (needed for ``shape="lp"``; without it the shape is "simple"); ``margin``: the
    limit is raised by this share (``LIMIT_MARGIN`` for the proposed section)."""
    section = copy.deepcopy(base)
    section.setdefault("mode", "auto")
    net = lp_peak_kw if net_peak is None else net_peak
    limit = limit_kw(c, lp_peak_kw, net)
    if margin:
        limit = float(5.0 * round(limit * (1.0 + margin) / 5.0))
    power = _power_kw(section)
    demand = _entry(section, "demand_control")["params"]
    demand.update({"limit_kw": limit, "recharge_power_kw": 1, "recharge_soc_pct": 0})
    if c.idle:
        demand["limit_kw"] = float(5.0 * round((2.0 * net + power) / 5.0))
    soc = _entry(section, "soc_management")["params"]
    soc.update(
        {
            "soc_min_pct": SOC_MIN_PCT,
            "soc_max_pct": 100,
            "force_charge_below_pct": 5,
            "force_charge_until_pct": 10,
            "calibration": {"enabled": False},
        }
    )
    tou = _entry(section, "peak_valley_tou")["params"]
    discharge = ["peak", "critical_peak"] + (["flat"] if c.flat_discharge else [])
    tou.update(
        {
            "charge_periods": [] if c.idle else ["valley"],
            "discharge_periods": [] if c.idle else discharge,
            "charge_power_kw": power,
            "discharge_power_kw": power,
            "grid_import_cap_kw": limit,
        }
    )
    if c.shape == "lp" and profile is not None:
        windows = _profile_windows(profile, c.lp_shift)
        tou.update(
            {
                "soc_targets": {
                    "valley": 100,
                    "flat": c.peak_floor,
                    "peak": c.peak_floor,
                    "critical_peak": c.peak_floor,
                },
                "reserve_windows": windows,
                "charge_windows": windows,
            }
        )
        return section
    tou.update(
        {
            "soc_targets": {
                "valley": c.valley,
                "flat": c.peak_floor,
                "peak": c.peak_floor,
                "critical_peak": c.peak_floor,
            },
            "reserve_windows": []
            if c.reserve is None
            else [
                {
                    "start": c.reserve[0],
                    "end": c.reserve[1],
                    "soc_pct": 100,
                    "weekdays": list(c.reserve_days),
                }
            ],
            "charge_windows": []
            if c.charge_window is None
            else [
                {
                    "start": c.charge_window[0],
                    "end": c.charge_window[1],
                    "soc_pct": c.charge_window[2],
                }
            ],
        }
    )
    return section


# ---- the search ---------------------------------------------------------------------------------


def tune_rules(
    station: Station,
    tariff: Tariff,
    load: Series,
    pv: Series,
    *,
    end_ts: float,
    days: float = WINDOW_DAYS,
    step_s: int = TUNE_STEP_S,
    base: dict[str, Any] | None = None,
    soc_pct: float = 60.0,
    max_passes: int = 2,
    adjust: bool = True,
    margin: float = LIMIT_MARGIN,
    progress: Callable[[Evaluation], None] | None = None,
) -> TuneResult:
    """Tune the rule parameters on the ``days`` before ``end_ts`` (UTC, on a quarter hour).

    ``base``: the current control section (kept apart from the tuned parameters); default
    the station file's. ``adjust``: re-price the window in the target month's season and
    scale it by the load's trend (else the window as recorded). Raises SeriesError (series
    do not cover the window), ConfigError, OptimumError as ``run_backtest`` does.
    """
    start_ts = end_ts - round(days * 86400 / QUARTER_S) * QUARTER_S
    if base is None:
        from app.backtest.control import control_section, default_control

        base = control_section(station) or default_control()
    notes: list[str] = []
    season = tariff.season(tariff.local(end_ts).date())
    growth = 1.0
    if adjust:
        priced, season = season_tariff(tariff, start_ts, end_ts)
        if priced is not tariff:
            notes.append(f"the window is priced in the target month's season {season}")
        growth = growth_factor(load, start_ts, days, tariff.zone, AHEAD_DAYS, tariff.holidays)
        if abs(growth - 1.0) >= 0.005:
            notes.append(f"the window's load is scaled by {growth:.3f} (its trend over a month)")
        tariff = priced
        load = _scaled(load, growth)
    peak = net_peak_kw(load, pv, start_ts, days)
    cache: dict[Candidate, Evaluation] = {}
    evaluations: list[Evaluation] = []
    state: dict[str, Any] = {"lp_peak": peak, "profile": None, "without": None}

    def backtest(section: dict[str, Any]) -> BacktestResult:
        return run_backtest(
            station,
            tariff,
            load,
            pv,
            start_ts=start_ts,
            days=days,
            soc_pct=soc_pct,
            step_s=step_s,
            control=section,
        )

    def section_of(c: Candidate, with_margin: float = 0.0) -> dict[str, Any]:
        return apply_candidate(base, c, state["lp_peak"], peak, state["profile"], with_margin)

    def evaluate(c: Candidate) -> Evaluation:
        hit = cache.get(c)
        if hit is None:
            result = backtest(section_of(c))
            hit = cache[c] = Evaluation(c, result.strategy.total, result.ratio_to_optimal)
            evaluations.append(hit)
            if progress is not None:
                progress(hit)
        return hit

    # the LP optimum of the window: its peak and its SOC per hour (any run gives the same LP
    # up to the SOC band it is widened to; an idle run leaves it at the default band)
    first = backtest(section_of(Candidate(idle=True)))
    state["without"] = first.without.total
    state["lp_peak"] = max(float(first.optimum.peak_demand_kw), 5.0)
    state["profile"] = lp_profile(first, tariff)
    idle = Evaluation(Candidate(idle=True), first.strategy.total, first.ratio_to_optimal)
    cache[idle.candidate] = idle

    # the demand limit and the reserve kept for it, jointly (they trade off directly)
    best = evaluate(Candidate())
    for factor in LIMIT_FACTORS:
        for floor in PEAK_FLOORS:
            trial = evaluate(Candidate(limit_factor=factor, peak_floor=floor))
            if trial.bill < best.bill - 0.005:
                best = trial
    for _ in range(max_passes):
        improved = False
        names = COMMON + SHAPE_COORDINATES[best.candidate.shape]
        for name in names:
            for value in COORDINATES[name]:
                trial = evaluate(replace(best.candidate, **{name: value}))
                if trial.bill < best.bill - 0.005:
                    best, improved = trial, True
        if not improved:
            break

    # the proposed section (with the margin) must not cost more than no storage
    without = float(state["without"])
    chosen = best.candidate
    proposed: Evaluation | None = None
    for fallback in (chosen, replace(chosen, limit_factor=None), Candidate(idle=True)):
        result = backtest(section_of(fallback, margin))
        proposed = Evaluation(fallback, result.strategy.total, result.ratio_to_optimal)
        if proposed.bill <= without + 0.005:
            break
        notes.append(
            f"{fallback.describe(state['lp_peak'], peak)} costs more than no storage on the "
            f"window ({proposed.bill:,.2f} > {without:,.2f}); falling back"
        )
    assert proposed is not None
    if proposed.candidate != chosen:
        best = cache.get(proposed.candidate) or proposed
    try:
        result = backtest(base)
        current: Evaluation | None = Evaluation(
            Candidate(), result.strategy.total, result.ratio_to_optimal
        )
    except Exception as exc:  # the current section may not run in a backtest (I/O strategies)
        current = None
        notes.append(f"the current section does not backtest: {exc}")
    if current is not None and current.bill <= proposed.bill:
        notes.append("the current section is at least as cheap on the window as the proposal")
    return TuneResult(
        section=section_of(proposed.candidate, margin),
        best=best,
        current=current,
        evaluations=tuple(evaluations),
        start_ts=start_ts,
        end_ts=end_ts,
        peak_kw=peak,
        lp_peak_kw=float(state["lp_peak"]),
        growth=growth,
        season=season,
        bill_without=without,
        proposed=proposed,
        notes=tuple(notes),
    )
