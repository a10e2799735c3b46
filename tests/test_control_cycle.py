"""The cycle's phases: strategies by priority -> arbitrate -> protect; modes; fail-safe."""

import random

import pytest

from app.control import (
    Constraint,
    ControlMode,
    Cycle,
    ProtectionParams,
    StrategyRegistry,
)
from strategies.demand_control import DemandControl, DemandParams
from strategies.export_limit import ExportLimit, ExportLimitParams
from strategies.peak_valley_tou import PeakValleyParams, PeakValleyTou
from strategies.soc_management import CalibrationParams, SocManagement, SocParams
from tests.test_strategy_peak_valley import HourTariff
from tests.test_strategy_support import PCS, PV1, PV2, T0, FakeClock, snap

NO_RAMP = ProtectionParams(ramp_kw_per_s=None, deadband_kw=0)
PHASES = ["run_strategies", "arbitrate", "protect"]


class Fixed:
    def __init__(self, name, priority, *constraints, inputs=()):
        self.name, self.priority, self._cs, self._inputs = name, priority, constraints, inputs

    @property
    def inputs(self):
        return self._inputs

    def compute(self, snapshot, clock):
        return [Constraint(p, op, v, self.name, self.priority, "fixed") for p, op, v in self._cs]


class Broken(Fixed):
    def compute(self, snapshot, clock):
        raise RuntimeError("boom")


def all_four():
    return [
        SocManagement(SocParams(calibration=CalibrationParams(enabled=False))),
        DemandControl(DemandParams(limit_kw=600)),
        ExportLimit(ExportLimitParams()),
        PeakValleyTou(PeakValleyParams(), HourTariff()),
    ]


def test_phases_are_named_and_timed():
    result = Cycle([Fixed("a", 400, (PCS, "eq", 100))], NO_RAMP).run(snap(), FakeClock())
    assert list(result.report.durations) == PHASES
    assert all(d >= 0 for d in result.report.durations.values())
    assert result.report.total_s == pytest.approx(sum(result.report.durations.values()))
    assert result.writes[PCS] == 100
    assert result.writes[PV1] == result.writes[PV2] == 100.0  # neutral: no curtailment


def test_auto_priority_wins_and_override_is_reported():
    cycle = Cycle(
        [Fixed("tou", 400, (PCS, "eq", 300)), Fixed("soc", 800, (PCS, "max", 0))], NO_RAMP
    )
    result = cycle.run(snap(), FakeClock())
    assert result.setpoints[PCS] == 0
    (override,) = result.report.arbitration[PCS].overridden
    assert override.constraint.source == "tou" and override.by == "soc"


def test_protection_clamps_whatever_the_strategies_ask():
    cycle = Cycle([Fixed("greedy", 1000, (PCS, "eq", 900))], NO_RAMP)
    assert cycle.run(snap(discharge_max=200), FakeClock()).setpoints[PCS] == 200


def test_manual_mode_operator_wins_and_is_still_clamped():
    cycle = Cycle([Fixed("tou", 400, (PCS, "eq", 300))], NO_RAMP)
    r = cycle.run(snap(), FakeClock(), mode=ControlMode.MANUAL, manual={PCS: -150.0})
    assert r.setpoints[PCS] == -150 and r.report.arbitration[PCS].winner == "operator"
    r = cycle.run(snap(soc=100), FakeClock(), mode=ControlMode.MANUAL, manual={PCS: -150.0})
    assert r.setpoints[PCS] == 0  # protection: no charge at the hard maximum
    r = cycle.run(snap(), FakeClock(), mode=ControlMode.MANUAL)
    assert r.setpoints[PCS] == 0  # no operator setpoint: neutral, strategies do not run


def test_standby_mode_is_zero_kw():
    cycle = Cycle([Fixed("tou", 900, (PCS, "eq", 300))], NO_RAMP)
    r = cycle.run(snap(), FakeClock(), mode=ControlMode.STANDBY, last_written={PCS: 300.0})
    assert r.writes[PCS] == 0 and r.setpoints[PV1] == 100.0
    assert ControlMode("standby") is ControlMode.STANDBY


def test_bad_input_raises_an_event_and_the_strategy_falls_back():
    cycle = Cycle(all_four(), NO_RAMP)
    r = cycle.run(snap(bad={"grid"}), FakeClock(), last_written={PCS: 200.0})
    texts = [(e.source, e.point_id) for e in r.events]
    assert ("demand_control", "site.grid_p") in texts and ("export_limit", "site.grid_p") in texts
    assert r.setpoints[PCS] == 0  # nobody asks: neutral 0 kW


def test_lost_pcs_side_inputs_put_the_cycle_in_a_safe_state_and_it_resumes():
    cycle = Cycle(all_four(), NO_RAMP)
    clock = FakeClock(T0 + 8 * 3600)  # peak: TOU discharges
    r = cycle.run(snap(clock.t, grid=500, bess=0), clock)
    assert r.setpoints[PCS] > 0
    r = cycle.run(snap(clock.t + 1, bad={"soc", "charge_max", "discharge_max"}), clock)
    assert r.setpoints[PCS] == 0 and any("0 kW" in e.message for e in r.events)
    clock.t += 2
    r = cycle.run(snap(clock.t, grid=500, bess=0), clock)
    assert r.setpoints[PCS] > 0


def test_a_failing_strategy_is_skipped_and_reported():
    cycle = Cycle([Broken("bad", 900), Fixed("ok", 400, (PCS, "eq", 50))], NO_RAMP)
    r = cycle.run(snap(), FakeClock())
    assert r.setpoints[PCS] == 50
    assert any(e.source == "bad" and e.severity == "alarm" for e in r.events)


def test_strategies_run_by_priority():
    order = []

    class Spy(Fixed):
        def compute(self, snapshot, clock):
            order.append(self.name)
            return []

    Cycle([Spy("econ", 400), Spy("safety", 1000), Spy("grid", 600)]).run(snap(), FakeClock())
    assert order == ["safety", "grid", "econ"]


def test_conflicting_strategies_never_write_outside_the_limits():
    rng = random.Random(3)
    params = ProtectionParams(ramp_kw_per_s=50)
    last: dict[str, float] = {}
    cycle = Cycle(all_four(), params)
    clock = FakeClock()
    for i in range(2000):
        clock.t = T0 + i * 37.0
        inputs = {
            "grid": rng.uniform(-900, 1200),
            "bess": rng.uniform(-500, 500),
            "pv": rng.uniform(0, 1000),
            "soc": rng.uniform(0, 100),
            "charge_max": rng.uniform(0, 600),
            "discharge_max": rng.uniform(0, 600),
            "temp": rng.uniform(20, 60),
        }
        s = snap(clock.t, **inputs)
        r = cycle.run(s, clock, last_written=last, dt=1.0)
        p = r.setpoints[PCS]
        assert -inputs["charge_max"] - 1e-9 <= p <= inputs["discharge_max"] + 1e-9
        assert -500 <= p <= 500
        if inputs["soc"] <= params.soc_min_pct:
            assert p <= 0
        if inputs["temp"] >= params.temp_stop_c:
            assert p == 0
        for pid in (PV1, PV2):
            assert 0 <= r.setpoints[pid] <= 100
        assert len(r.writes) <= 3
        last.update(r.writes)


def test_demo_like_scenario_load_step():
    """Demand control at 600 kW with TOU (peak) and SOC guard; load jumps to 900 kW."""
    cycle = Cycle(all_four(), ProtectionParams(ramp_kw_per_s=None))
    clock = FakeClock(T0 + 8 * 3600)
    r = cycle.run(snap(clock.t, grid=900, bess=0, pv=0, soc=60), clock)
    assert r.setpoints[PCS] == pytest.approx(300, abs=1)  # TOU 250 lifted to demand's 300


def test_registry_finds_the_shipped_strategies_through_entry_points():
    registry = StrategyRegistry.from_entry_points()
    assert {"peak_valley_tou", "demand_control", "export_limit", "soc_management"} <= set(
        registry.kinds()
    )
    assert registry.get("soc_management").default_priority == 800
    own = StrategyRegistry()
    own.register(SocManagement)
    assert own.kinds() == ["soc_management"] and "demand_control" not in own
