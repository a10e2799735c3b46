"""Optimal schedule (MPC): re-plans at quarter-hour boundaries only, applies the plan between,
falls back with an event when the plan is infeasible or the SOC is unusable."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from app.control import SiteRoles, StrategyContext
from strategies.optimal_schedule import OptimalParams, OptimalSchedule, QuarterRing
from tests.test_strategy_support import PCS, T0, FakeClock, snap

H = 3600.0


class HourPrices:
    """UTC hour -> import price: 0-6 valley 0.3, 6-12 peak 1.2, else flat 0.7; export 0.2."""

    def __init__(self, demand_charge: float = 30.0) -> None:
        self.demand_charge_per_kw_month = demand_charge

    def prices(self, ts):
        t = np.asarray(ts, dtype=np.float64)
        hour = (t // 3600) % 24
        imp = np.where(hour < 6, 0.3, np.where(hour < 12, 1.2, 0.7))
        return imp, np.full(t.shape, 0.2), np.where(hour < 6, "valley", "peak")

    def period(self, ts: float) -> str:
        return "valley"


def make(tariff=None, **params) -> OptimalSchedule:
    context = StrategyContext(SiteRoles(), "Asia/Shanghai", tariff or HourPrices())  # type: ignore[arg-type]
    return OptimalSchedule.create(OptimalParams(**params), context, 400)


PLANT = {"grid": 300.0, "bess": 0.0, "pv": 0.0, "soc": 50.0}  # load 300 kW, night


def run(s: OptimalSchedule, rows):
    """Rows (seconds after T0, inputs); returns per row (constraints, events)."""
    clock = FakeClock()
    out = []
    for dt, inputs in rows:
        clock.t = T0 + dt
        got = s.compute(snap(clock.t, **{**PLANT, **inputs}), clock)
        out.append(([(c.point_id, c.op, c.value) for c in got], s.drain_events()))
    return out


def test_replans_at_quarter_hour_boundaries_only_and_applies_the_plan_between():
    s = make(HourPrices(demand_charge=0.0))  # flat load: any demand charge forbids charging
    seen = []
    clock = FakeClock()
    for dt, replans in [
        (0, 1),
        (1, 1),
        (450, 1),
        (899, 1),
        (900, 2),
        (901, 2),
        (1799, 2),
        (1800, 3),
    ]:
        clock.t = T0 + dt
        got = s.compute(snap(clock.t, **PLANT), clock)
        assert s.replans == replans, dt
        assert s.plan is not None and s.plan.ok
        assert s.plan.start_ts == T0 + 900 * (replans - 1)
        expected = s.plan.setpoint_at(clock.t)
        # the planned peak's guard first (so it clamps the plan's setpoint), then the setpoint
        assert [(c.point_id, c.op) for c in got] == [(PCS, "min"), (PCS, "eq")]
        assert got[1].value == pytest.approx(expected)
        assert all(c.priority == 400 for c in got)
        seen.append(got[1].value)
    # from 00:30 UTC: the plan charges in the valley hours and discharges in the dear ones
    plan = s.plan.battery_kw
    assert plan[:20].sum() < -100 and plan[22:46].sum() > 100
    assert seen[-1] == pytest.approx(plan[0])
    assert s.drain_events() == []


def test_replans_on_the_latest_soc():
    s = make()
    run(s, [(0, {"soc": 50}), (900, {"soc": 63})])
    assert s.plan is not None and s.plan.soc_start == pytest.approx(0.63)


def test_deterministic_given_the_snapshots_and_the_clock():
    rows = [(dt, {"grid": 300 + dt % 7, "soc": 50 + dt / 900}) for dt in (0, 5, 900, 1000, 1800)]
    a, b = run(make(), rows), run(make(), rows)
    assert a == b


def test_infeasible_plan_falls_back_to_nothing_with_the_reason_as_an_event():
    s = make(import_limit_kw=10.0)  # 300 kW of load, 24 h, a 1 MWh battery: impossible
    out = run(s, [(0, {}), (1, {}), (899, {}), (900, {})])
    assert [c for c, _ in out] == [[], [], [], []]
    (event,) = out[0][1]
    assert event.source == "optimal_schedule" and event.severity == "warning"
    assert event.message.startswith("plan infeasible: import limit 10 kW below load deficit")
    assert out[1][1] == out[2][1] == []  # no re-plan, no flood inside the quarter hour
    assert len(out[3][1]) == 1 and s.replans == 2  # tried again at the next boundary


def test_bad_soc_asks_nothing_says_so_once_and_replans_when_usable():
    s = make()
    out = run(
        s,
        [
            (0, {"bad": {"soc"}}),  # due re-plan cannot run
            (1, {"stale": {"soc"}}),
            (2, {}),  # usable: the re-plan happens now, in the same quarter hour
            (3, {"bad": {"soc"}}),  # mid-step: ask nothing, keep the plan
            (4, {}),
        ],
    )
    assert out[0][0] == out[1][0] == out[3][0] == []
    assert "SOC comm_lost" in out[0][1][0].message or "SOC" in out[0][1][0].message
    assert out[1][1] == []
    assert [e.message for e in out[2][1]] == ["SOC usable again"]
    assert out[2][0] and out[4][0] == out[2][0]
    assert s.replans == 1


def test_peak_so_far_is_the_months_highest_quarter_hour_import():
    s = make()
    run(s, [(0, {"grid": 700}), (450, {"grid": 500}), (900, {"grid": 300})])
    assert s.peak_so_far_kw == pytest.approx(600)  # mean of the first quarter hour
    run(s, [(1800, {"grid": 100})])
    assert s.peak_so_far_kw == pytest.approx(600)
    assert s.plan is not None and s.plan.peak_import_kw >= 600 - 1e-6  # handed to the LP
    # the 1st of February (station time) starts a new month
    feb = 31 * 86400 - 8 * H
    run(s, [(feb, {"grid": 100})])
    assert s.peak_so_far_kw == 0.0


def test_history_ring_is_bounded_and_feeds_the_load_forecast():
    ring = QuarterRing(size=96)
    for q in range(200):
        ring.add(T0 + q * 900, 100.0 + q)
    assert len(ring.done) == 96
    assert ring.done[0] == (T0 + 103 * 900, 203.0)

    s = make(history_days=2)
    assert s.load_history.done.maxlen == 192
    for q in range(2 * 96 + 1):  # two whole local days of load 100 at night, 400 by day
        ts = T0 - 8 * H + q * 900
        s.load_history.add(ts, 400.0 if 8 <= ((q // 4) % 24) < 20 else 100.0)
    load, pv, method = s._forecasts(T0 - 8 * H + 2 * 86400, 96, 250.0)
    assert "last complete day" in method and "PV: none yet" in method
    assert load[0] == pytest.approx(100.0) and load[40] == pytest.approx(400.0)
    assert np.all(pv == 0)


def test_flat_load_and_clear_sky_pv_without_history():
    s = make(latitude=30.27, longitude=120.15)
    load, pv, method = s._forecasts(T0 - 8 * H, 96, 250.0)  # local midnight
    assert np.all(load == 250.0) and "flat" in method
    assert pv[:20].max() == 0.0  # night in Hangzhou
    assert pv[48] > 300  # local noon, clear sky x the default ratio 0.8, 1000 kWp


def test_with_the_shipped_tariff():
    from app.paths import BUILTIN_TARIFFS
    from app.tariff import load_tariff

    tariff = load_tariff(BUILTIN_TARIFFS / "zhejiang_large_industrial_1_10kv.yaml")
    s = make(tariff)
    ((got, events),) = run(s, [(0, {})])
    assert events == [] and [op for _, op, _ in got] == ["min", "eq"]


def test_needs_a_tariff_with_prices():
    context = StrategyContext(SiteRoles(), "Asia/Shanghai", None)
    with pytest.raises(ValueError, match="needs the station's tariff"):
        OptimalSchedule.create(OptimalParams(), context, 400)

    class PeriodsOnly:
        def period(self, ts: float) -> str:
            return "flat"

    with pytest.raises(ValueError, match="prices and a demand charge"):
        OptimalSchedule.create(
            OptimalParams(), StrategyContext(SiteRoles(), "UTC", PeriodsOnly()), 400
        )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"capacity_kwh": 0}, "capacity_kwh"),
        ({"eta_charge": 1.2}, "eta_charge"),
        ({"soc_min_pct": 80, "soc_max_pct": 20}, "above soc_max_pct"),
        ({"latitude": 30}, "both latitude and longitude"),
        ({"horizon_h": 0.5}, "horizon_h"),
        ({"import_limit_kw": -1}, "import_limit_kw"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_invalid_params(params, field):
    with pytest.raises(ValidationError, match=field):
        OptimalParams(**params)


def test_the_planned_peak_is_held_in_closed_loop_when_the_load_beats_its_forecast():
    s = make()  # flat 300 kW forecast (no history), demand charge 30: the plan's peak ~300 kW
    clock = FakeClock()
    clock.t = T0
    s.compute(snap(clock.t, **PLANT), clock)
    peak = s.plan.peak_import_kw
    assert 0 < peak < 400
    # the load jumps 200 kW above the forecast a minute later: the guard asks the battery to
    # cover the difference now, not at the next re-plan
    clock.t = T0 + 60
    got = s.compute(snap(clock.t, grid=500.0, bess=0.0, pv=0.0, soc=50.0), clock)
    guard = next(c for c in got if c.op == "min")
    assert guard.value == pytest.approx(500.0 - peak, abs=25.0)
    assert "planned peak" in guard.reason
    # without the guard only the open-loop setpoint remains
    t = make(peak_guard=False)
    t.compute(snap(T0, **PLANT), clock)
    assert [c.op for c in t.compute(snap(T0 + 60, grid=500.0, soc=50.0), clock)] == ["eq"]


def test_prime_feeds_recorded_quarter_hours_into_the_forecast():
    s = make(history_days=7)
    ts = T0 - 8 * H - 86400 + 900 * np.arange(96)  # the whole local day before
    load = np.where((np.arange(96) // 4 >= 8) & (np.arange(96) // 4 < 20), 400.0, 100.0)
    s.prime(ts, load, np.zeros(96))
    assert len(s.load_history.done) == 96
    got, _, method = s._forecasts(T0 - 8 * H, 96, 250.0)
    assert "last complete day" in method
    assert got[0] == pytest.approx(100.0) and got[40] == pytest.approx(400.0)


def _with_plan(battery_kw: float, import_kw: float, peak_kw: float, **params) -> OptimalSchedule:
    """A strategy holding a one-step plan (as if re-planned at T0) without solving."""
    from app.optimizer import Plan

    s = make(**params)
    s.planned_step = T0
    arr = lambda v: np.array([v], dtype=np.float64)  # noqa: E731
    s.plan = Plan(
        status="optimal",
        start_ts=T0,
        step_s=900.0,
        battery_kw=arr(battery_kw),
        import_kw=arr(import_kw),
        peak_import_kw=peak_kw,
    )
    return s


def _eq(s: OptimalSchedule, op: str = "eq", **inputs) -> float:
    """The value of the strategy's ``op`` constraint a minute into the plan's step."""
    clock = FakeClock()
    clock.t = T0 + 60
    got = s.compute(snap(clock.t, **inputs), clock)
    return next(c.value for c in got if c.op == op)


def test_where_the_plan_shaves_its_peak_it_discharges_only_what_holds_it_now():
    # planned: discharge 300 kW to hold import at the 450 kW peak (a 750 kW load forecast)
    s = _with_plan(300.0, 450.0, 450.0)
    assert _eq(s, grid=600.0, bess=0.0, pv=0.0, soc=80.0) == pytest.approx(150.0)  # less load
    s = _with_plan(300.0, 450.0, 450.0)
    assert _eq(s, grid=900.0, bess=0.0, pv=0.0, soc=80.0) == pytest.approx(300.0)  # the guard's
    # an arbitrage discharge below the peak is applied as planned
    s = _with_plan(300.0, 200.0, 450.0)
    assert _eq(s, grid=600.0, bess=0.0, pv=0.0, soc=80.0) == pytest.approx(300.0)


def test_where_the_plan_charges_from_pv_it_never_buys_for_it():
    # planned: charge 200 kW with no import (PV surplus forecast); a cloud leaves 50 kW spare
    s = _with_plan(-200.0, 0.0, 450.0)
    assert _eq(s, grid=-50.0, bess=0.0, pv=300.0, soc=50.0) == pytest.approx(-50.0)
    s = _with_plan(-200.0, 0.0, 450.0)
    assert _eq(s, grid=100.0, bess=0.0, pv=300.0, soc=50.0) == pytest.approx(0.0)
    # switched off, or a plan that imports to charge: the planned power
    s = _with_plan(-200.0, 0.0, 450.0, surplus_only_charging=False)
    assert _eq(s, grid=100.0, bess=0.0, pv=300.0, soc=50.0) == pytest.approx(-200.0)
    s = _with_plan(-200.0, 150.0, 450.0)
    assert _eq(s, grid=100.0, bess=0.0, pv=300.0, soc=50.0) == pytest.approx(-200.0)


def test_paid_peak_share_sets_how_much_of_the_months_peak_a_plan_treats_as_paid():
    # a month's peak of 700 kW already seen: the textbook MPC (share 1) treats it as paid and
    # plans up to it; with share 0 the plan aims at the lowest peak it can hold
    for share, expect_low in ((1.0, False), (0.0, True)):
        s = make(paid_peak_share=share)
        s.peak_month = (2026, 1)
        s.peak_so_far_kw = 700.0
        clock = FakeClock()
        clock.t = T0
        s.compute(snap(clock.t, **PLANT), clock)
        assert (s.plan.peak_import_kw < 600.0) is expect_low


def test_trend_correction_scales_the_forecast_by_how_the_last_day_beat_its_own_forecast():
    days = 15
    ts = T0 - 8 * H - days * 86400 + 900 * np.arange(days * 96)  # local midnights onwards
    load = 100.0 * (1 + 0.01 * (np.arange(days * 96) // 96))  # +1 % a day, flat in the day
    s = make(history_days=21, trend_correction=True)
    s.prime(ts, load, np.zeros(ts.size))
    got, _, method = s._forecasts(T0 - 8 * H, 96, None)
    # the last day (114 kW) against its same-weekday forecast (mean of 107 and 100 kW)
    assert "trend 1.101" in method
    # today's forecast (mean of 108 and 101 kW) scaled: the 115 kW the load will be
    assert got[0] == pytest.approx(104.5 * 114.0 / 103.5)
    assert abs(got[0] - 115.0) < 0.2
    plain = make(history_days=21)
    plain.prime(ts, load, np.zeros(ts.size))
    assert plain._forecasts(T0 - 8 * H, 96, None)[0][0] == pytest.approx(104.5)


# --- running monthly peak, spike reserve, planning off the event loop (issue 9) --------------

JULY = 1_782_835_200.0  # 2026-07-01 00:00 in Shanghai (2026-06-30 16:00 UTC)


def _primed(days: int = 28, day_kw: float = 700.0, grid: bool = True, **params):
    """A strategy primed with ``days`` days before July: 300 kW at night, ``day_kw`` by day."""
    s = make(history_days=28, **params)
    ts = JULY - days * 86400 + 900 * np.arange(days * 96)
    slot = np.arange(ts.size) % 96
    load = np.where((slot >= 32) & (slot < 88), day_kw, 300.0)
    s.prime(ts, load, np.zeros(ts.size), load if grid else None)
    return s, ts


def test_prime_with_grid_data_sets_the_running_peak_of_its_month_only():
    s, _ = _primed(days=10)
    assert s.primed_peaks == {(2026, 6): pytest.approx(700.0)}
    clock = FakeClock()
    clock.t = JULY - 3600  # still June: the primed June peak is already paid
    s.compute(snap(clock.t, **PLANT), clock)
    assert s.peak_so_far_kw == pytest.approx(700.0)
    clock.t = JULY + 60  # July (station time): nothing paid yet
    s.compute(snap(clock.t, **PLANT), clock)
    assert s.peak_month == (2026, 7) and s.peak_so_far_kw == 0.0


def test_a_plan_across_the_month_boundary_starts_the_next_months_peak_from_zero():
    s, _ = _primed(days=10, demand_charge_share="full")
    clock = FakeClock()
    clock.t = JULY - 4 * H  # 20:00 on 30 June
    s.compute(snap(clock.t, **PLANT), clock)
    plan = s.plan
    assert plan is not None and plan.ok
    assert plan.next_month_ts == JULY  # the station's midnight, not UTC's
    assert plan.peak_import_kw >= 700.0 - 1e-6  # June's peak, paid
    assert plan.peak_at(JULY + 60) == pytest.approx(plan.next_peak_import_kw)
    assert plan.next_peak_import_kw < 700.0 - 20.0  # July's is shaved from 0 kW up


def test_the_plan_does_not_pay_to_shave_below_what_the_rest_of_the_month_reaches():
    # 1 July, nothing paid yet, but every day of June reached 700 kW: a plan that holds its
    # peak far below that saves nothing - the month will set 700 kW anyway
    cheap, _ = _primed()
    full, _ = _primed(demand_charge_share="full")
    clock = FakeClock()
    clock.t = JULY
    for s in (cheap, full):
        s.compute(snap(clock.t, grid=300.0, bess=0.0, pv=0.0, soc=20.0), clock)
        assert s.plan is not None and s.plan.ok
    assert cheap.plan.objective < full.plan.objective
    assert cheap.plan.peak_import_kw > full.plan.peak_import_kw + 50.0
    # the peak June's optimum held: computed once a day, handed to the later re-plans
    assert cheap.hindsight is not None and cheap.hindsight[0].isoformat() == "2026-07-01"
    assert cheap.hindsight[1] is not None and cheap.hindsight[1] > 700.0  # charges at night
    job = cheap._job(JULY + 900, 20.0, 300.0)
    assert job.hindsight_known and job.hindsight_kw == cheap.hindsight[1]
    assert not cheap._job(JULY + 86400, 20.0, 300.0).hindsight_known  # the next day: again


def test_spike_reserve_keeps_soc_where_a_spike_would_raise_the_running_peak():
    s, _ = _primed(spike_reserve_kw=300.0, spike_reserve_min=20.0, demand_charge_share="full")
    clock = FakeClock()
    clock.t = JULY - 3600  # June, whose 700 kW are paid
    s.compute(snap(clock.t, grid=300.0, bess=0.0, pv=0.0, soc=80.0), clock)
    plan = s.plan
    assert plan is not None and plan.ok
    from strategies.optimal_schedule import spike_floor

    job = s._job(plan.start_ts, 80.0, 300.0)
    load = np.where((np.arange(96) + 31) % 96 >= 32, 700.0, 300.0)  # any forecast
    floor = spike_floor(job, load, np.zeros(96), None)
    reserve = 300.0 * 20 / 60 / 0.95 / 1000  # SOC share of 20 min at 300 kW
    assert floor is not None
    assert np.all(floor[load > 400.0 + 1e-6] == pytest.approx(0.1 + reserve))
    assert np.all(floor[load <= 400.0] == 0.0)  # 300 kW + a 300 kW spike stays under 700
    assert make()._job(T0, 50.0, None).params.spike_reserve_kw == 0.0


class GatedPrices(HourPrices):
    """A tariff whose prices wait for a gate: a plan 'being computed' for as long as needed."""

    def __init__(self) -> None:
        import threading

        super().__init__()
        self.gate = threading.Event()
        self.calls = 0

    def prices(self, ts):
        self.calls += 1
        assert self.gate.wait(10.0)
        return super().prices(ts)


def test_compute_never_waits_for_a_plan_being_computed_on_the_worker():
    import time

    from app.optimizer import ThreadExecutor

    tariff = GatedPrices()
    context = StrategyContext(SiteRoles(), "Asia/Shanghai", tariff)  # type: ignore[arg-type]
    s = OptimalSchedule(OptimalParams(), tariff, context.roles, 400, executor=ThreadExecutor())
    clock = FakeClock()
    t = time.perf_counter()
    assert s.compute(snap(clock.t, **PLANT), clock) == []  # started, not finished: no plan yet
    clock.t += 1
    assert s.compute(snap(clock.t, **PLANT), clock) == []
    assert time.perf_counter() - t < 1.0 and s.replans == 1 and s.pending is not None
    tariff.gate.set()
    deadline = time.monotonic() + 10
    while s.pending is not None and not s.pending.done() and time.monotonic() < deadline:
        time.sleep(0.01)
    clock.t += 1
    got = s.compute(snap(clock.t, **PLANT), clock)  # the finished plan is picked up
    assert [c.op for c in got] == ["min", "eq"] and s.plan is not None
    assert s.plan.start_ts == T0 and s.pending is None
    # the next quarter hour: re-planning again while the previous plan keeps being applied
    tariff.gate.clear()
    clock.t = T0 + 900
    got = s.compute(snap(clock.t, **PLANT), clock)
    assert s.replans == 2 and [c.op for c in got] == ["min", "eq"]
    assert s.plan.start_ts == T0  # still the old one, used at once
    tariff.gate.set()


def test_on_the_event_loop_planning_moves_to_a_thread_by_itself():
    import asyncio

    tariff = GatedPrices()
    s = make(tariff)

    async def cycle():
        clock = FakeClock()
        return s.compute(snap(clock.t, **PLANT), clock)

    assert asyncio.run(cycle()) == []  # would deadlock if the job ran inline
    assert s.pending is not None and not s.pending.done()
    tariff.gate.set()
    s.pending.result(timeout=10)
    # outside a loop (the backtest, these tests) the plan comes in the same cycle
    inline = make(HourPrices())
    clock = FakeClock()
    assert [c.op for c in inline.compute(snap(clock.t, **PLANT), clock)] == ["min", "eq"]


def test_where_the_plan_charges_at_its_peak_it_fills_up_to_the_paid_peak():
    # planned: charge 200 kW holding import at the 450 kW peak; the load is 300 kW below its
    # forecast (grid 150 kW with the battery idle): 290 kW more fit under 450 - 10 kW
    s = _with_plan(-200.0, 450.0, 450.0, fill_to_peak=True, fill_margin_kw=10.0)
    filled = _eq(s, grid=150.0, bess=0.0, pv=0.0, soc=50.0)
    assert filled == pytest.approx(-290.0, abs=1.0)
    # the PCS rating bounds it
    s = _with_plan(-200.0, 450.0, 450.0, fill_to_peak=True, fill_margin_kw=10.0)
    assert _eq(s, grid=-200.0, bess=0.0, pv=300.0, soc=50.0) == pytest.approx(-500.0, abs=1.0)
    # off by default; a charge below the peak, or a load at its forecast: as planned
    s = _with_plan(-200.0, 450.0, 450.0)
    assert _eq(s, grid=150.0, bess=0.0, pv=0.0, soc=50.0) == pytest.approx(-200.0)
    s = _with_plan(-200.0, 300.0, 450.0, fill_to_peak=True)
    assert _eq(s, grid=150.0, bess=0.0, pv=0.0, soc=50.0) == pytest.approx(-200.0)
    s = _with_plan(-200.0, 450.0, 450.0, fill_to_peak=True, fill_margin_kw=10.0)
    assert _eq(s, grid=250.0, bess=0.0, pv=0.0, soc=50.0) == pytest.approx(-200.0)


def test_a_charge_the_guard_lets_through_keeps_the_margin_below_the_peak():
    # the guard holds 450 kW; with a 25 kW margin a charge stops at 425 kW of import
    s = _with_plan(-200.0, 300.0, 450.0, charge_margin_kw=25.0)
    assert _eq(s, "min", grid=400.0, bess=0.0, pv=0.0, soc=50.0) == pytest.approx(-25.0, abs=2.0)
    s = _with_plan(-200.0, 300.0, 450.0)
    assert _eq(s, "min", grid=400.0, bess=0.0, pv=0.0, soc=50.0) == pytest.approx(-50.0, abs=2.0)
    # between the two levels the margin asks for no discharge; above the peak the guard
    # discharges what holds the peak, not the margin as well
    s = _with_plan(-200.0, 300.0, 450.0, charge_margin_kw=25.0)
    assert _eq(s, "min", grid=440.0, bess=0.0, pv=0.0, soc=50.0) == pytest.approx(0.0, abs=2.0)
    s = _with_plan(-200.0, 300.0, 450.0, charge_margin_kw=25.0)
    assert _eq(s, "min", grid=500.0, bess=0.0, pv=0.0, soc=50.0) == pytest.approx(50.0, abs=2.0)
