"""The MPC's dark-day reserve: the energy that holds the peak target if the sun does not come,
never more than the battery can store by charging below that target."""

from __future__ import annotations

import numpy as np
import pytest

from strategies.optimal_reserve import reachable_kwh, reserve_kwh

H = 0.25  # hours per step


def test_reserve_is_the_energy_above_the_target_still_to_come() -> None:
    # four steps 100 kW above a 400 kW target, then nothing: the reserve drains step by step
    net = np.array([300.0, 500.0, 500.0, 500.0, 500.0, 300.0])
    need = reserve_kwh(net, np.full(6, 400.0), 500.0, 1.0, 1.0)
    assert need == pytest.approx([100.0, 75.0, 50.0, 25.0, 0.0, 0.0])


def test_reserve_counts_the_recharge_below_the_target_between_two_peaks() -> None:
    # 50 kWh of peak, then two steps of 40 kW headroom (40 * 0.25 * 0.9 = 9 kWh each), then
    # 50 kWh of peak again: the first peak's reserve covers what the gap cannot refill
    net = np.array([600.0, 360.0, 360.0, 600.0])
    need = reserve_kwh(net, np.full(4, 400.0), 500.0, eta_charge=0.9, eta_discharge=1.0)
    assert need[2] == pytest.approx(50.0)
    assert need[1] == pytest.approx(50.0 - 9.0)
    assert need[0] == pytest.approx(50.0 - 18.0)
    # discharge losses count on the battery side
    lossy = reserve_kwh(np.array([0.0, 500.0]), np.full(2, 400.0), 500.0, 1.0, 0.8)
    assert lossy[0] == pytest.approx(25.0 / 0.8)


def test_charging_power_limits_the_recharge() -> None:
    net = np.array([0.0, 0.0, 600.0])  # 400 kW headroom, but the PCS charges 100 kW at most
    need = reserve_kwh(net, np.full(3, 400.0), 100.0, 1.0, 1.0)
    assert need == pytest.approx([25.0, 50.0, 0.0])


def test_reachable_energy_charges_only_below_the_target() -> None:
    # starting at 100 kWh: 200 kW headroom adds 50 kWh a step up to the 180 kWh top, then a
    # step 400 kW above the target takes 100 kWh, never below the 50 kWh floor
    net = np.array([200.0, 200.0, 800.0, 800.0])
    reach = reachable_kwh(100.0, net, np.full(4, 400.0), 500.0, 1.0, 1.0, 50.0, 180.0)
    assert reach == pytest.approx([150.0, 180.0, 80.0, 50.0])


# --- in the plan: a strategy primed with a cloudy fortnight -----------------------------

JULY = 1_782_835_200.0  # 2026-07-01 00:00 in Shanghai
SHANGHAI = dict(latitude=31.23, longitude=121.47)


def _job(**params):
    """The 1 July 00:00 re-plan (SOC 20 %) of a strategy primed with 14 days: 200 kW at night,
    600 kW from 06:00 to 22:00, 800 kWp of PV at 90 % of clear sky but one day in four at 15 %."""
    from app.forecast import clear_sky_kw
    from tests.test_strategy_optimal import make

    s = make(history_days=28, pv_kwp=800.0, pv_forecast="quantile", **SHANGHAI, **params)
    ts = JULY - 14 * 86400 + 900 * np.arange(14 * 96)
    slot = np.arange(ts.size) % 96
    load = np.where((slot >= 24) & (slot < 88), 600.0, 200.0)
    ratio = np.where((np.arange(ts.size) // 96) % 4 == 1, 0.15, 0.9)
    s.prime(ts, load, ratio * clear_sky_kw(ts, kwp=800.0, **SHANGHAI), load)
    return s._job(JULY, 20.0, 200.0)


def test_the_reserve_buys_the_night_energy_a_dark_day_needs_to_hold_the_peak():
    from strategies.optimal_plan_job import plan_inputs, run_job

    sunny = run_job(_job())
    reserved = run_job(_job(dark_reserve=True))
    assert sunny.plan.ok and reserved.plan.ok
    morning = 23  # SOC at the end of 05:45-06:00, when the day's load starts
    # counting on the sun, the plan leaves the battery low at night; with the reserve it
    # charges in the valley for the dark day's evening
    assert reserved.plan.soc[morning] > sunny.plan.soc[morning] + 0.2
    job = replace_hindsight(_job(dark_reserve=True), reserved.hindsight_kw)
    inputs, _ = plan_inputs(job)
    floor = np.asarray(inputs.soc_floor)
    assert floor[morning] > 0.5 and floor[-1] == pytest.approx(0.1, abs=0.02)
    assert np.all(reserved.plan.soc >= np.minimum(floor, 1.0) - 1e-6)
    # the plan never imports above the target to meet the floor: its peak stays that of the
    # history's optimum
    assert reserved.plan.peak_import_kw <= max(reserved.hindsight_kw or 0.0, 0.0) + 1.0
    # off by default
    assert plan_inputs(_job())[0].soc_floor is None


def replace_hindsight(job, kw):
    from dataclasses import replace

    return replace(job, hindsight_kw=kw, hindsight_known=True)
