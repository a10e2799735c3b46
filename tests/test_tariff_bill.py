"""The bill, checked by hand: energy per period, export, 15-minute demand, months, cents."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from app.tariff import compute_bill, parse_tariff, to_cents
from tests.test_tariff_periods import at


def two_period(basic: dict | None = None) -> object:
    data = {
        "name": "two-period",
        "source": "test",
        "seasons": [
            {
                "name": "all",
                "months": list(range(1, 13)),
                "weekday": {"peak": ["08:00-20:00"], "valley": ["20:00-08:00"]},
            }
        ],
        "prices": {"import": {"peak": 1.0, "valley": 0.4}, "export": 0.3},
        "basic_charge": "demand",
        "demand_charge": {"price_per_kw_month": 30.0},
    }
    data.update(basic or {})
    return parse_tariff(data, "two.yaml")


def series():
    # Two local months; 2026-02-01 00:00 Shanghai is still 2026-01-31 in UTC.
    ts = [
        at(2026, 1, 31, 7, 30),
        at(2026, 1, 31, 7, 45),
        at(2026, 1, 31, 8, 0),
        at(2026, 1, 31, 8, 15),
        at(2026, 2, 1, 0, 0),
        at(2026, 2, 1, 0, 15),
    ]
    kw = [100.0, 200.0, 300.0, -80.0, 50.0, -40.0]
    return np.array(ts), np.array(kw)


def test_bill_by_hand_over_two_months():
    bill = compute_bill(two_period(), *series())
    jan, feb = bill.months
    assert (jan.month, feb.month) == ("2026-01", "2026-02")
    lines = {line.period: line for line in jan.lines}
    # valley: 100 kW and 200 kW for 15 min = 25 + 50 kWh at 0.4
    assert lines["valley"].import_kwh == pytest.approx(75.0)
    assert lines["valley"].import_cost == pytest.approx(30.0)
    # peak: 300 kW for 15 min = 75 kWh at 1.0; -80 kW = 20 kWh exported at 0.3
    assert lines["peak"].import_cost == pytest.approx(75.0)
    assert lines["peak"].export_kwh == pytest.approx(20.0)
    assert lines["peak"].export_revenue == pytest.approx(6.0)
    assert jan.max_demand_kw == 300.0
    assert jan.max_demand_at == at(2026, 1, 31, 8, 0)
    assert jan.demand_charge == pytest.approx(9000.0)
    assert jan.total == pytest.approx(30 + 75 - 6 + 9000)
    # February: 12.5 kWh valley import, 10 kWh export, demand 50 kW
    assert feb.energy_cost == pytest.approx(5.0)
    assert feb.export_revenue == pytest.approx(3.0)
    assert feb.demand_charge == pytest.approx(1500.0)
    assert bill.total == 10601.0
    assert bill.total_cents == Decimal("10601.00")
    assert bill.summary()["peak_demand_kw"] == 300.0
    assert "2026-02" in bill.text() and "TOTAL 10601.00 CNY" in bill.text()
    rows = bill.rows()
    assert {r["month"] for r in rows} == {"2026-01", "2026-02"}
    assert [r["amount"] for r in rows if r["item"] == "demand charge"] == [9000.0, 1500.0]


def test_demand_is_the_15_minute_average_not_a_spike():
    ts = at(2026, 3, 2, 9, 0) + np.arange(6) * 300.0  # 5-minute steps, two quarter hours
    kw = np.array([100.0, 400.0, 100.0, 150.0, 150.0, 150.0])
    bill = compute_bill(two_period(), ts, kw, step_s=300)
    (month,) = bill.months
    assert month.max_demand_kw == pytest.approx(200.0)
    assert month.max_demand_at == at(2026, 3, 2, 9, 0)
    assert month.lines[1].import_kwh == pytest.approx(sum(kw) / 12)  # peak period


def test_export_in_a_quarter_hour_sets_no_demand():
    ts = at(2026, 3, 2, 9, 0) + np.arange(3) * 900.0
    bill = compute_bill(two_period(), ts, np.array([-50.0, -10.0, -5.0]))
    assert bill.months[0].max_demand_kw == 0.0 and bill.demand_charge == 0.0
    assert bill.total_raw == pytest.approx(-0.3 * 65 / 4)  # a credit of 4.875
    assert bill.total == -4.88  # half up, away from zero


def test_capacity_charge_per_month():
    tariff = two_period(
        {"basic_charge": "capacity", "capacity_charge": {"price_per_kva_month": 20, "kva": 1000}}
    )
    bill = compute_bill(tariff, *series())
    assert [m.capacity_charge for m in bill.months] == [20000.0, 20000.0]
    assert bill.demand_charge == 0.0
    assert bill.total == pytest.approx(30 + 75 - 6 + 5 - 3 + 40000)


def test_rounded_to_the_cent_once_and_reproducibly():
    assert to_cents(0.125) == Decimal("0.13")
    assert to_cents(2.675) == Decimal("2.68")
    rng = np.random.default_rng(3)
    ts = at(2026, 1, 1) + np.arange(96 * 60) * 900.0
    kw = rng.normal(300, 250, ts.size)
    first = compute_bill(two_period(), ts, kw)
    again = compute_bill(two_period(), ts.copy(), kw.copy())
    assert first.total_cents == again.total_cents
    assert first.total_cents == to_cents(first.total_raw)
    assert len(first.months) == 3  # Jan, Feb and 1 March
    # a third of a cent per interval adds up before rounding (per-line rounding would give 0)
    energy_only = two_period({"basic_charge": "none"})
    tiny = compute_bill(energy_only, ts[:3], np.array([1 / 30] * 3))  # valley: 1/120 kWh x 0.4
    assert tiny.total == 0.01


def test_bad_input_is_refused():
    ts, kw = series()
    with pytest.raises(ValueError, match="divisor of 900"):
        compute_bill(two_period(), ts, kw, step_s=600)
    with pytest.raises(ValueError, match="values"):
        compute_bill(two_period(), ts, kw[:-1])
    with pytest.raises(ValueError, match="NaN"):
        compute_bill(two_period(), ts, np.where(kw > 0, kw, np.nan))
    with pytest.raises(ValueError, match="increasing"):
        compute_bill(two_period(), ts[::-1], kw)
