"""The shared battery model: energy bookkeeping, derating, temperature, voltage."""

from __future__ import annotations

import math

import pytest

from app.battery import Battery, BatteryParams

HOUR = 3600.0


def run(b: Battery, p_kw: float, seconds: float, dt: float = 10.0, ambient: float = 25.0) -> float:
    """Energy (kWh, > 0 delivered) over ``seconds`` at a constant request."""
    kwh = 0.0
    for _ in range(round(seconds / dt)):
        kwh += b.step(p_kw, dt, ambient) * dt / HOUR
    return kwh


def test_defaults_are_500kw_1mwh():
    p = BatteryParams()
    assert (p.capacity_kwh, p.p_charge_max_kw, p.p_discharge_max_kw) == (1000, 500, 500)


def test_charging_stores_energy_times_efficiency():
    b = Battery(soc=0.5)
    delivered = run(b, -100.0, HOUR)
    assert delivered == pytest.approx(-100.0)
    assert b.charged_kwh == pytest.approx(100.0)
    assert b.soc == pytest.approx(0.5 + 100.0 * 0.95 / 1000.0)


def test_discharging_draws_energy_over_efficiency():
    b = Battery(soc=0.5)
    delivered = run(b, 100.0, HOUR)
    assert delivered == pytest.approx(100.0)
    assert b.discharged_kwh == pytest.approx(100.0)
    assert b.soc == pytest.approx(0.5 - 100.0 / 0.95 / 1000.0)
    assert b.p_kw > 0  # sign convention: > 0 discharging


def test_round_trip_loses_what_the_efficiencies_say():
    b = Battery(soc=0.2)
    run(b, -200.0, HOUR)
    stored = (b.soc - 0.2) * b.usable_kwh
    b2 = Battery(soc=b.soc)
    out = 0.0
    while b2.discharge_limit_kw() > 0 and b2.soc > 0.2 + 1e-9:
        out += b2.step(min(200.0, (b2.soc - 0.2) * 1000 * 0.95 * 360), 10.0, 25.0) * 10 / HOUR
    assert out == pytest.approx(stored * 0.95, rel=1e-3)
    assert out / 200.0 == pytest.approx(0.95 * 0.95, rel=1e-3)


def test_soh_scales_usable_energy():
    b = Battery(soc=0.5, soh=0.8)
    run(b, -100.0, HOUR)
    assert b.soc == pytest.approx(0.5 + 95.0 / 800.0, rel=1e-3)


@pytest.mark.parametrize(
    ("soc", "charge", "discharge"),
    [
        (0.5, 500.0, 500.0),
        (0.95, 250.0, 500.0),  # taper over the last 10 % to full
        (1.0, 0.0, 500.0),
        (0.05, 500.0, 250.0),  # taper over the last 10 % to empty
        (0.0, 500.0, 0.0),
    ],
)
def test_power_limits_shrink_near_full_and_empty(soc, charge, discharge):
    b = Battery(soc=soc)
    assert b.charge_limit_kw() == pytest.approx(charge)
    assert b.discharge_limit_kw() == pytest.approx(discharge)


def test_requests_are_clamped_to_the_limits():
    b = Battery(soc=0.95)
    assert b.step(-500.0, 1.0, 25.0) == pytest.approx(-250.0, rel=1e-3)
    assert b.step(800.0, 1.0, 25.0) == pytest.approx(500.0)


def test_never_overfills_or_overdrains():
    b = Battery(soc=0.999)
    run(b, -500.0, HOUR, dt=60.0)
    assert b.soc <= 1.0
    b = Battery(soc=0.001)
    run(b, 500.0, HOUR, dt=600.0)  # big steps: the energy bound still holds
    assert b.soc >= 0.0


def test_temperature_derating():
    hot = Battery(soc=0.5, temp_c=50.0)
    assert hot.discharge_limit_kw() == pytest.approx(250.0)
    assert hot.charge_limit_kw() == pytest.approx(250.0)
    frozen = Battery(soc=0.5, temp_c=-1.0)
    assert frozen.charge_limit_kw() == 0.0
    assert frozen.discharge_limit_kw() > 0.0


def test_heats_with_power_squared_and_cools_to_ambient():
    prm = BatteryParams(capacity_kwh=1e7)  # big enough not to run empty in the test
    tau = prm.thermal_resistance_k_per_kw * prm.heat_capacity_kj_per_k
    b = Battery(prm, soc=0.5, temp_c=25.0)
    b.step(500.0, tau, 25.0)  # one time constant at rated power: 63 % of the rise
    rise = prm.heat_at_rated_kw * prm.thermal_resistance_k_per_kw
    assert b.temp_c - 25.0 == pytest.approx(rise * (1 - math.exp(-1)), rel=1e-6)
    half = Battery(prm, soc=0.5, temp_c=25.0)
    half.step(250.0, tau, 25.0)
    assert half.temp_c - 25.0 == pytest.approx((b.temp_c - 25.0) / 4, rel=1e-6)
    b.step(0.0, 20 * tau, 20.0)
    assert b.temp_c == pytest.approx(20.0, abs=1e-3)


def test_voltage_sags_when_discharging_and_power_is_consistent():
    b = Battery(soc=0.5)
    ocv = b.ocv_v()
    assert 700 < ocv < 820  # 240 LFP cells
    i = b.current_a(300.0)
    v = b.voltage_v(300.0)
    assert i > 0 and v < ocv
    assert v * i / 1000.0 == pytest.approx(300.0, rel=1e-6)
    assert b.voltage_v(-300.0) > ocv
    assert b.current_a(-300.0) < 0


def test_ocv_rises_with_soc():
    assert Battery(soc=0.1).ocv_v() < Battery(soc=0.5).ocv_v() < Battery(soc=0.99).ocv_v()


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        BatteryParams(capacity_kwh=0)
    with pytest.raises(ValueError):
        BatteryParams(eta_charge=1.2)
    with pytest.raises(ValueError):
        Battery(soc=1.5)
