"""MPC re-planning: rolling 24 h horizon from the step containing ``now``, on the latest SOC."""

from __future__ import annotations

import numpy as np
import pytest

from app.battery import Battery, BatteryParams
from app.optimizer import REPLAN_PERIOD_S, PlanInputs, plan_day, replan, step_start

DAY0 = 1_750_032_000.0  # a UTC midnight
N = 96


def _template(soc: float = 0.5) -> PlanInputs:
    t = np.arange(N) / 4.0
    price = np.where((t >= 8) & (t < 22), 1.0, 0.3)
    return PlanInputs(
        load_kw=np.full(N, 300.0),
        pv_kw=np.clip(400 * np.sin((t - 6) / 12 * np.pi), 0, None),
        import_price=price,
        export_price=0.2,
        demand_charge_per_kw=20.0,
        battery=BatteryParams(),
        soc_initial=soc,
        start_ts=DAY0,
    )


def test_step_start_aligns_to_the_quarter_hour() -> None:
    assert step_start(DAY0 + 3 * 900 + 123.4) == DAY0 + 2700
    assert REPLAN_PERIOD_S == 900.0


def test_replan_starts_at_the_current_step_with_the_measured_soc() -> None:
    template = _template()
    plan = replan(DAY0 + 3 * 900 + 100, 0.42, template)
    assert plan.ok, plan.reason
    assert plan.start_ts == DAY0 + 2700
    assert plan.soc_start == 0.42
    assert plan.n >= N  # at least 24 h ahead
    assert plan.setpoint_at(DAY0 + 3 * 900 + 100) == pytest.approx(plan.battery_kw[0])


def test_replan_uses_fresh_forecasts_when_given() -> None:
    template = _template()
    load = np.full(N, 100.0)
    plan = replan(DAY0 + 900, 0.5, template, load_kw=load, pv_kw=np.zeros(N))
    assert plan.ok
    assert plan.grid_kw + plan.battery_kw == pytest.approx(load)


def test_closed_loop_with_the_shared_battery_keeps_soc_in_bounds() -> None:
    template = _template(0.5)
    battery = Battery(params=template.battery, soc=0.5)
    first = plan_day(template)
    assert first.ok
    for k in range(8):  # two hours of 15-minute re-plans
        now = DAY0 + k * 900 + 5
        plan = replan(now, battery.soc, template)
        assert plan.ok, plan.reason
        battery.step(plan.battery_kw[0], 900.0, ambient_c=25.0)
        assert 0.1 - 1e-6 <= battery.soc <= 0.9 + 1e-6


def test_replan_below_the_soc_floor_recovers_instead_of_failing() -> None:
    plan = replan(DAY0, 0.05, _template())
    assert plan.ok, plan.reason
    assert plan.soc[-1] >= 0.1 - 1e-9
    assert np.all(plan.soc >= 0.05 - 1e-9)
