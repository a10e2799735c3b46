"""The day-ahead LP (strategy 7): hand-solvable cases, limits, infeasibility, vs a rule."""

from __future__ import annotations

import numpy as np
import pytest

from app.battery import Battery, BatteryParams
from app.optimizer import (
    PlanInputs,
    full_power_soc_window,
    plan_day,
    schedule_cost,
    soc_trajectory,
    solver_version,
    thirds_rule,
)

H = 3600.0
SMALL = BatteryParams(capacity_kwh=100.0, p_charge_max_kw=50.0, p_discharge_max_kw=50.0)


def _inputs(**kw: object) -> PlanInputs:
    base: dict[str, object] = dict(
        load_kw=np.full(8, 100.0),
        pv_kw=np.zeros(8),
        import_price=np.array([0.1] * 4 + [0.5] * 4),
        battery=SMALL,
        soc_initial=0.1,
        step_s=H,
    )
    base.update(kw)
    return PlanInputs(**base)  # type: ignore[arg-type]


def _assert_within_limits(inputs: PlanInputs, plan_soc: np.ndarray, bat: np.ndarray) -> None:
    lo, hi = full_power_soc_window(inputs.battery)
    assert np.all(plan_soc >= lo - 1e-9) and np.all(plan_soc <= hi + 1e-9)
    assert np.all(bat <= inputs.battery.p_discharge_max_kw + 1e-9)
    assert np.all(bat >= -inputs.battery.p_charge_max_kw - 1e-9)


def test_solver_is_highs() -> None:
    assert solver_version().startswith("HiGHS")


def test_default_soc_window_comes_from_the_battery_derating() -> None:
    assert full_power_soc_window(BatteryParams()) == (0.10, 0.90)


def test_two_price_day_charges_cheap_and_discharges_dear() -> None:
    inputs = _inputs()
    plan = plan_day(inputs)
    assert plan.ok, plan.reason
    cheap, dear = plan.battery_kw[:4], plan.battery_kw[4:]
    assert np.all(cheap <= 1e-9) and np.all(dear >= -1e-9)
    # 0.1 -> 0.9 of 100 kWh: 80 kWh into the cells = 80/0.95 AC; back out 80*0.95 AC
    assert -cheap.sum() == pytest.approx(80 / 0.95, rel=1e-6)
    assert dear.sum() == pytest.approx(80 * 0.95, rel=1e-6)
    _assert_within_limits(inputs, plan.soc, plan.battery_kw)
    assert plan.soc[-1] >= 0.1 - 1e-9
    expected = (400 + 80 / 0.95) * 0.1 + (400 - 76) * 0.5
    assert plan.objective == pytest.approx(expected, rel=1e-6)
    assert plan.grid_kw == pytest.approx(100.0 - plan.battery_kw)


def test_no_arbitrage_when_the_spread_is_below_the_round_trip_loss() -> None:
    # round trip 0.95 * 0.95 = 0.9025: needs dear/cheap > 1.108; 1.05 is not enough
    plan = plan_day(_inputs(import_price=np.array([0.100] * 4 + [0.105] * 4)))
    assert plan.ok
    assert np.allclose(plan.battery_kw, 0.0, atol=1e-6)


def test_demand_charge_makes_the_plan_shave_the_peak() -> None:
    bat = BatteryParams(capacity_kwh=200.0, p_charge_max_kw=150.0, p_discharge_max_kw=150.0)
    load = np.array([100.0, 100.0, 400.0, 100.0])
    common = dict(load_kw=load, pv_kw=np.zeros(4), import_price=0.1, battery=bat, step_s=H)
    flat = plan_day(PlanInputs(soc_initial=0.5, **common))  # type: ignore[arg-type]
    assert flat.peak_import_kw == pytest.approx(400.0)
    shaved = plan_day(
        PlanInputs(soc_initial=0.5, demand_charge_per_kw=10.0, **common)  # type: ignore[arg-type]
    )
    assert shaved.ok
    # discharge is capped at 150 kW, so the best peak is 400 - 150 = 250 kW
    assert shaved.peak_import_kw == pytest.approx(250.0, abs=1e-6)
    assert shaved.battery_kw[2] == pytest.approx(150.0, abs=1e-6)
    assert shaved.demand_cost == pytest.approx(2500.0, abs=1e-4)
    assert shaved.soc[-1] >= 0.5 - 1e-9


def test_peak_so_far_is_free_headroom() -> None:
    load = np.array([100.0, 300.0])
    inputs = PlanInputs(
        load_kw=load,
        pv_kw=np.zeros(2),
        import_price=0.1,
        demand_charge_per_kw=10.0,
        peak_so_far_kw=350.0,
        battery=SMALL,
        soc_initial=0.5,
        step_s=H,
    )
    plan = plan_day(inputs)
    assert plan.demand_cost == pytest.approx(0.0)
    assert np.allclose(plan.battery_kw, 0.0, atol=1e-6)  # no reason to shave below 350


def test_export_limit_zero_charges_then_curtails_pv_surplus() -> None:
    bat = BatteryParams(capacity_kwh=200.0, p_charge_max_kw=100.0, p_discharge_max_kw=100.0)
    inputs = PlanInputs(
        load_kw=np.full(4, 50.0),
        pv_kw=np.full(4, 200.0),
        import_price=0.5,
        export_price=0.3,
        export_limit_kw=0.0,
        battery=bat,
        soc_initial=0.5,
        step_s=H,
    )
    plan = plan_day(inputs)
    assert plan.ok, plan.reason
    assert np.all(plan.export_kw <= 1e-9) and np.all(plan.grid_kw >= -1e-9)
    stored_ac = (0.9 - 0.5) * 200 / 0.95
    assert -plan.battery_kw.sum() == pytest.approx(stored_ac, rel=1e-6)
    assert plan.soc[-1] == pytest.approx(0.9)
    assert plan.curtail_kw.sum() == pytest.approx(4 * 150 - stored_ac, rel=1e-6)


def test_export_limit_zero_without_curtailment_is_infeasible_with_a_reason() -> None:
    inputs = PlanInputs(
        load_kw=np.full(4, 50.0),
        pv_kw=np.array([0.0, 170.0, 170.0, 0.0]),
        import_price=0.5,
        export_limit_kw=0.0,
        allow_curtailment=False,
        battery=SMALL,
        soc_initial=0.9,  # full
        start_ts=1_700_000_000.0 - 1_700_000_000.0 % 86400 + 11 * 3600,  # 11:00 UTC
        step_s=900.0,
    )
    plan = plan_day(inputs)
    assert plan.status == "infeasible"
    assert "export limit 0 kW below PV surplus 120 kW" in plan.reason
    assert "at 11:15" in plan.reason
    assert "curtailment not allowed" in plan.reason
    assert "battery" in plan.reason


def test_import_limit_below_load_is_infeasible_with_a_reason() -> None:
    inputs = _inputs(import_limit_kw=40.0, soc_initial=0.5)
    plan = plan_day(inputs)
    assert plan.status == "infeasible"
    assert "import limit 40 kW below load deficit 100 kW" in plan.reason


def test_unreachable_terminal_target_is_reported() -> None:
    slow = BatteryParams(capacity_kwh=100.0, p_charge_max_kw=5.0, p_discharge_max_kw=5.0)
    plan = plan_day(_inputs(battery=slow, soc_initial=0.2, soc_target=0.9))
    assert plan.status == "infeasible"
    assert "terminal SOC target 90.0% not reachable" in plan.reason


def test_bad_inputs_give_an_error_plan_not_an_exception() -> None:
    plan = plan_day(_inputs(pv_kw=np.zeros(3)))
    assert plan.status == "error"
    assert "pv_kw has 3 values, expected 8" in plan.reason


def test_negative_price_never_charges_and_discharges_at_once() -> None:
    # being paid to import: burning energy by charging and discharging at once would pay
    inputs = _inputs(import_price=np.array([-0.2] * 4 + [0.5] * 4), soc_initial=0.5)
    plan = plan_day(inputs)
    assert plan.ok
    assert plan.used_mip
    assert np.all(np.minimum(plan.charge_kw, plan.discharge_kw) <= 1e-6)
    assert np.all(np.minimum(plan.import_kw, plan.export_kw) <= 1e-6)


def test_export_dearer_than_import_is_bounded() -> None:
    inputs = _inputs(import_price=0.1, export_price=0.2, soc_initial=0.5)
    plan = plan_day(inputs)
    assert plan.ok
    assert np.all(np.minimum(plan.import_kw, plan.export_kw) <= 1e-6)


def test_soc_follows_the_shared_battery_model() -> None:
    inputs = _inputs()
    plan = plan_day(inputs)
    assert plan.soc == pytest.approx(soc_trajectory(inputs, plan.battery_kw), abs=1e-9)
    battery = Battery(params=SMALL, soc=0.1)
    socs = []
    for p in plan.battery_kw:
        battery.step(float(p), H, ambient_c=25.0)
        socs.append(battery.soc)
    # within the full-power SOC window the simulator's battery does what the LP planned
    assert np.array(socs) == pytest.approx(plan.soc, abs=1e-3)


def _random_day(seed: int) -> PlanInputs:
    rng = np.random.default_rng(seed)
    n = 96
    t = np.arange(n) / 4.0
    load = 400 + 150 * np.sin((t - 6) / 24 * 2 * np.pi) + rng.normal(0, 30, n)
    pv = np.clip(600 * np.sin((t - 6) / 12 * np.pi), 0, None) * rng.uniform(0.6, 1.0)
    price = np.where((t >= 8) & (t < 22), 1.0, 0.35) + np.where((t >= 18) & (t < 21), 0.4, 0)
    price = price + rng.normal(0, 0.03, n)
    return PlanInputs(
        load_kw=load,
        pv_kw=pv,
        import_price=price,
        export_price=0.3,
        demand_charge_per_kw=float(rng.uniform(0, 40)),
        battery=BatteryParams(),
        soc_initial=float(rng.uniform(0.2, 0.8)),
        start_ts=1_750_000_000.0,
    )


def test_a_96_step_plan_solves() -> None:
    plan = plan_day(_random_day(0))
    assert plan.ok and plan.n == 96
    _assert_within_limits(_random_day(0), plan.soc, plan.battery_kw)


@pytest.mark.parametrize("seed", range(5))
def test_lp_costs_no_more_than_the_thirds_rule(seed: int) -> None:
    inputs = _random_day(seed)
    rule = thirds_rule(inputs)
    rule_cost = schedule_cost(inputs, rule)
    lo, hi = full_power_soc_window(inputs.battery)
    assert np.all(rule_cost.soc >= lo - 1e-9) and np.all(rule_cost.soc <= hi + 1e-9)
    # same terminal requirement as the rule meets, so the rule is a feasible LP point
    target = min(inputs.soc_initial, float(rule_cost.soc[-1]))
    plan = plan_day(PlanInputs(**{**inputs.__dict__, "soc_target": target}))
    assert plan.ok
    assert plan.objective <= rule_cost.total + 1e-3
    # and the plan's own costs agree with the independent evaluator
    own = schedule_cost(inputs, plan.battery_kw)
    if plan.curtail_kw.sum() < 1e-6:
        assert own.total == pytest.approx(plan.objective, rel=1e-6, abs=1e-3)


def test_surplus_that_could_only_be_burnt_in_the_battery_is_infeasible_with_a_reason() -> None:
    # full battery, 4 kW surplus, no export, no curtailment: the LP alone would burn the
    # surplus by charging and discharging at once; a PCS cannot, so the plan says why
    inputs = PlanInputs(
        load_kw=np.array([50.0, 50.0]),
        pv_kw=np.array([54.0, 50.0]),
        import_price=0.5,
        export_limit_kw=0.0,
        allow_curtailment=False,
        battery=SMALL,
        soc_initial=0.9,
        step_s=900.0,
    )
    plan = plan_day(inputs)
    assert plan.status == "infeasible"
    assert "surplus power has nowhere to go at 00:00" in plan.reason
    assert "charging and discharging at once" in plan.reason


# --- the month's running peak in a plan (issue 9) ---------------------------------------------

BIG = BatteryParams()  # 500 kW / 1 MWh


def _night_day(**kw: object) -> PlanInputs:
    """96 quarter hours: 300 kW of load all day; 8 cheap hours, then 16 dear ones."""
    base: dict[str, object] = dict(
        load_kw=np.full(96, 300.0),
        pv_kw=np.zeros(96),
        import_price=np.array([0.3] * 32 + [1.2] * 64),
        demand_charge_per_kw=40.0,
        peak_so_far_kw=300.0,
        battery=BIG,
        soc_initial=0.1,
        soc_target=0.1,
    )
    base.update(kw)
    return PlanInputs(**base)  # type: ignore[arg-type]


def test_a_raise_the_rest_of_the_month_reaches_anyway_is_nearly_free() -> None:
    # charging 800 kWh in the 8 cheap hours raises the import above the 300 kW already paid:
    # at the whole monthly charge (40/kW) that costs more than a day's arbitrage earns
    full = plan_day(_night_day())
    assert full.ok and full.peak_import_kw < 320.0
    # later days of the month reach 700 kW anyway: a kW up to there costs 1/30 of it
    cheap = plan_day(_night_day(demand_segments=[(700.0, 1 / 30)]))
    assert cheap.ok and cheap.peak_import_kw > 380.0
    assert -cheap.battery_kw[:32].sum() / 4 > 400  # kWh charged at night
    assert cheap.objective < full.objective
    raised = cheap.peak_import_kw - 300.0
    assert cheap.demand_cost == pytest.approx(40.0 * raised / 30, rel=1e-6)


def test_demand_segments_are_convex_and_end_at_the_final_share() -> None:
    # a raise above the last segment costs the whole share; shares below are made rising
    plan = plan_day(_night_day(demand_segments=[(320.0, 0.5), (330.0, 0.1)]))
    assert plan.ok
    raised = plan.peak_import_kw - 300.0
    expected = 40.0 * (0.5 * min(raised, 20) + 0.5 * min(max(raised - 20, 0), 10))
    expected += 40.0 * max(raised - 30.0, 0.0)
    assert plan.demand_cost == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_steps_past_the_month_boundary_set_the_next_months_peak_from_zero() -> None:
    load = np.array([500.0] * 48 + [100.0] * 48)
    price = np.array([1.2] * 48 + [0.3] * 16 + [1.2] * 32)
    inputs = _night_day(
        load_kw=load, import_price=price, peak_so_far_kw=500.0, soc_initial=0.5, soc_target=0.5
    )
    one_month = plan_day(inputs)  # this month's 500 kW are paid: charge at up to 400 kW
    assert one_month.ok and one_month.import_kw[48:64].max() > 300.0
    split = plan_day(PlanInputs(**{**inputs.__dict__, "next_month_step": 48}))
    assert split.ok
    assert split.next_month_ts == inputs.start_ts + 48 * 900
    # the new month starts from nothing: its peak is not raised for a day's arbitrage
    assert split.import_kw[48:].max() == pytest.approx(split.next_peak_import_kw)
    assert split.next_peak_import_kw < 150.0
    assert split.peak_at(inputs.start_ts) == pytest.approx(500.0)
    assert split.peak_at(inputs.start_ts + 50 * 900) == pytest.approx(split.next_peak_import_kw)


def test_soc_floor_keeps_a_reserve_in_the_given_steps() -> None:
    floor = np.zeros(96)
    floor[40:60] = 0.3
    plan = plan_day(_night_day(soc_initial=0.9, soc_target=0.1, soc_floor=floor))
    assert plan.ok
    assert np.all(plan.soc[40:60] >= 0.3 - 1e-9)
    assert plan.soc[-1] < 0.2  # elsewhere the battery is used down to soc_min
    low = plan_day(_night_day(soc_initial=0.1, soc_target=0.1, soc_floor=floor))
    assert low.ok and np.all(low.soc[40:60] >= 0.3 - 1e-9)  # charged up to it in time


def test_hindsight_peak_is_the_history_optimums_peak() -> None:
    from app.optimizer.demand import hindsight_peak, regular

    n = 8 * 96
    ts = 1_750_032_000.0 + 900.0 * np.arange(n)
    slot = np.arange(n) % 96
    load = np.where((slot >= 40) & (slot < 56), 700.0, 300.0)  # 4 h at 700 kW a day
    price = np.where(slot < 32, 0.3, 1.0)
    peak = hindsight_peak(ts, load, np.zeros(n), price, price * 0, 40.0, BIG, 0.1, 0.9)
    # 400 kW over 4 h is 1.6 MWh: a 1 MWh battery holds the peak at ~300 + 400 - 200 kW
    assert peak is not None and 450.0 < peak < 560.0
    assert (
        hindsight_peak(ts[:96], load[:96], np.zeros(96), price[:96], 0 * price[:96], 40, BIG)
        is None
    )
    grid = regular(np.delete(ts, [5, 6]), np.delete(load, [5, 6]))
    assert grid is not None and grid[0].size == n and grid[1][5] == pytest.approx(300.0)
    assert regular(ts[::3], load[::3]) is None  # a third of the samples: too sparse


def test_below_soc_min_the_plan_climbs_back_without_raising_the_peak() -> None:
    # the peak guard spent the battery to 5 % at 18:00 (dear evening hours, 300 kW of load,
    # 300 kW already paid; a 100 kW night at the cheap price follows): recharging to 10 % at
    # full power at once would buy a 210 kW raise of the month's peak; the plan climbs back
    # in the cheap night instead
    price = np.array([1.2] * 24 + [0.3] * 32 + [1.2] * 40)
    load = np.where((np.arange(96) >= 24) & (np.arange(96) < 56), 100.0, 300.0)
    plan = plan_day(
        _night_day(soc_initial=0.05, soc_min=0.1, soc_target=0.1, import_price=price, load_kw=load)
    )
    assert plan.ok, plan.reason
    assert plan.peak_import_kw == pytest.approx(300.0, abs=1e-3)
    assert np.all(plan.soc >= 0.05 - 1e-9) and plan.soc[-1] >= 0.1 - 1e-9
    assert np.all(plan.battery_kw[:24] >= -1e-6)  # nothing bought in the dear hours
