"""Scenarios played on the plant in simulated time: load spike, PV surplus, heat, comm fault."""

from __future__ import annotations

import pytest

from app.paths import DEMO_STATION
from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.scenarios import SCENARIOS, scenario
from tests.test_simulator_physics import advance, at, plant_at


def test_load_spike_holds_about_900_kw_from_the_10th_second_for_five_minutes():
    plant, clock = plant_at("2025-06-04T14:00", scenario=SCENARIOS["load_spike"])
    before = advance(plant, clock, 5).load_p
    assert before < 880
    during = advance(plant, clock, 20).load_p
    assert 880 <= during <= 920
    assert abs(during - (plant.snapshot.pv_p + plant.snapshot.grid_p + plant.snapshot.bess_p)) < 2
    after = advance(plant, clock, 300).load_p
    assert after == pytest.approx(before, abs=60)


def test_pv_surplus_puts_pv_well_above_load():
    plant, clock = plant_at("2025-06-04T12:00", scenario=SCENARIOS["pv_surplus"])
    snap = advance(plant, clock, 10)
    assert snap.pv_p > 1.5 * snap.load_p


def test_over_temperature_heats_the_cells_through_derate_and_stop():
    plant, clock = plant_at("2025-06-04T14:00", scenario=SCENARIOS["over_temperature"])
    start = advance(plant, clock, 5).value("bms", "cell_t_max")
    limits = []
    for _ in range(60):
        snap = advance(plant, clock, 10)
        limits.append((snap.value("bms", "cell_t_max"), snap.value("bms", "p_discharge_max")))
    temps = [t for t, _ in limits]
    assert temps == sorted(temps) and temps[-1] > 55 > 45 > start
    derating = [p for t, p in limits if 46 < t < 54]
    assert derating and 0 < min(derating) < 500  # derated, not yet stopped
    assert limits[-1][1] == 0  # above the stop limit nothing may flow


async def test_comm_fault_silences_the_pcs_from_10_to_30_seconds():
    clock = ManualClock(at("2025-06-04T12:00"))
    config = SimulatorConfig.from_station_file(DEMO_STATION, scenario="comm_fault")
    sim = Simulator(config, clock=clock)
    endpoint = sim._endpoints["pcs1"]
    meter = sim._endpoints["meter_grid"]
    seen = []
    for second in range(0, 40, 5):
        seen.append((second, endpoint.current_fault(), meter.current_fault()))
        clock.advance(5)
    assert [s for s, pcs, _ in seen if pcs == "silent"] == [10, 15, 20, 25]
    assert all(m is None for _, _, m in seen)


def test_unknown_scenario_is_named():
    with pytest.raises(ValueError, match="unknown scenario 'load_spik'"):
        scenario("load_spik")
