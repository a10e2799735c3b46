"""The export guard: the export limit holds in every mode and through every fault.

Each case closes the loop over a small plant (PV curtailable through the inverters' %, a PCS
that follows or not, a grid meter that reads the balance) and runs the real ``Cycle``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from app.control import Cycle, ProtectionParams
from app.control.cycle import ControlMode
from app.control.export_guard import ExportGuardParams
from strategies.export_limit import ExportLimit, ExportLimitParams
from strategies.peak_valley_tou import PeakValleyParams, PeakValleyTou
from strategies.soc_management import SocManagement, SocParams
from tests.test_strategy_support import PCS, PV1, PV2, T0, FakeClock, snap

LIMIT = 0.0
TOLERANCE = 10.0


@dataclass
class Plant:
    """PV 2 x 500 kW behind ``p_limit``; a PCS that takes its setpoint at once (or not)."""

    load: float
    pv_available: float
    bess: float = 0.0
    soc: float = 60.0
    pct: float = 100.0
    follows: bool = True  # False: the PCS acknowledges and stays where it is
    pcs_link: bool = True  # False: silent; its watchdog returns it to 0 kW
    grid_good: bool = True
    exports: list[float] = field(default_factory=list)

    @property
    def pv(self) -> float:
        return min(self.pv_available, self.pct / 100.0 * 1000.0)

    @property
    def grid(self) -> float:
        return self.load - self.pv - self.bess

    def snapshot(self, ts: float):
        bad = set()
        if not self.pcs_link:
            bad.add("bess")
        if not self.grid_good:
            bad.add("grid")
        return snap(
            ts, grid=self.grid, bess=self.bess, pv=self.pv, load=self.load, soc=self.soc, bad=bad
        )

    def apply(self, setpoints: dict[str, float]) -> None:
        if PV1 in setpoints:
            assert setpoints[PV1] == setpoints[PV2]
            self.pct = setpoints[PV1]
        if not self.pcs_link:
            self.bess = 0.0
        elif self.follows and PCS in setpoints:
            self.bess = setpoints[PCS]
        self.exports.append(-self.grid)


def guard(**kw) -> ProtectionParams:
    return ProtectionParams(
        ramp_kw_per_s=None,
        export=ExportGuardParams(limit_kw=LIMIT, tolerance_kw=TOLERANCE, **kw),
    )


def run(cycle: Cycle, plant: Plant, cycles: int, *, mode=ControlMode.AUTO, manual=None, t=0):
    clock = FakeClock()
    last: dict[str, float] = {}
    reports = []
    for i in range(cycles):
        clock.t = T0 + t + i
        result = cycle.run(
            plant.snapshot(clock.t), clock, mode=mode, last_written=last, manual=manual
        )
        last.update(result.writes)
        plant.apply(result.setpoints)
        reports.append(result.report)
    return reports


def rules(soc_max: float = 85.0) -> list:
    return [
        SocManagement(SocParams(soc_max_pct=soc_max)),
        ExportLimit(ExportLimitParams(limit_kw=LIMIT)),
    ]


def test_manual_discharge_with_pv_above_the_load_curtails_pv_and_keeps_the_setpoint():
    # the case: operator discharges 150 kW, PV above the load: 542 kW were exported
    plant = Plant(load=400.0, pv_available=790.0)
    reports = run(Cycle([], guard()), plant, 6, mode=ControlMode.MANUAL, manual={PCS: 150.0})
    assert max(plant.exports[1:]) <= LIMIT  # from the first write on
    assert plant.bess == 150.0  # the operator's setpoint stands; PV made room for it
    assert plant.pct < 100.0
    assert "PV capped" in " ".join(reports[0].export.actions)


def test_manual_discharge_above_the_load_without_pv_is_reduced():
    plant = Plant(load=100.0, pv_available=0.0)
    reports = run(Cycle([], guard()), plant, 3, mode=ControlMode.MANUAL, manual={PCS: 300.0})
    assert max(plant.exports) <= LIMIT
    assert plant.bess == pytest.approx(95.0)  # load - 5 kW margin
    assert reports[-1].export.pcs_before == 300.0


def test_standby_with_pv_surplus_curtails_pv():
    plant = Plant(load=300.0, pv_available=900.0)
    run(Cycle(rules(), guard()), plant, 5, mode=ControlMode.STANDBY)
    assert plant.bess == 0.0
    assert max(plant.exports[1:]) <= LIMIT
    assert plant.pv == pytest.approx(295.0, abs=1.0)


def test_no_strategy_at_all_still_holds_the_limit():
    plant = Plant(load=300.0, pv_available=900.0)
    run(Cycle([], guard()), plant, 5)
    assert max(plant.exports[1:]) <= LIMIT


def test_soc_at_soc_management_maximum_curtails_pv_instead_of_counting_on_a_charge():
    # SOC 85 % = soc_management's maximum: no charge allowed, export_limit still asks for it
    plant = Plant(load=200.0, pv_available=700.0, soc=85.0)
    reports = run(Cycle(rules(soc_max=85.0), guard()), plant, 8)
    assert plant.bess == pytest.approx(0.0)
    assert max(plant.exports[1:]) <= LIMIT
    assert not any(r.export.violating for r in reports)


def test_auto_mode_stores_the_surplus_before_curtailing():
    plant = Plant(load=300.0, pv_available=600.0, soc=50.0)
    run(Cycle(rules(), guard()), plant, 5)
    assert plant.bess == pytest.approx(-305.0, abs=1.0)  # the battery takes the surplus
    assert plant.pct == 100.0  # nothing spilled
    assert max(plant.exports) <= LIMIT


def test_curtailment_releases_into_the_battery_once_it_may_charge_again():
    plant = Plant(load=200.0, pv_available=650.0, soc=85.0)
    cycle = Cycle(rules(soc_max=85.0), guard(release_kw_per_s=50.0))
    run(cycle, plant, 5)
    assert plant.pct < 30.0
    plant.soc = 70.0  # the SOC fell below soc_management's maximum: charging allowed again
    run(cycle, plant, 30, t=5)
    assert plant.pct == 100.0  # PV released step by step ...
    assert plant.bess == pytest.approx(-455.0, abs=10.0)  # ... into the battery
    assert max(plant.exports) <= LIMIT + TOLERANCE  # and no release ever exported


def test_pcs_link_lost_at_noon_curtails_pv_on_the_grid_meter():
    # the comm_fault at noon: PV 790 kW, load 394 kW, the battery was charging 401 kW
    plant = Plant(load=394.0, pv_available=790.0, soc=50.0)
    cycle = Cycle(rules(), guard())
    run(cycle, plant, 4)
    assert plant.bess < -380 and plant.pct == 100.0
    plant.pcs_link = False  # silent: its watchdog returns it to 0 kW
    reports = run(cycle, plant, 10, t=4)
    assert max(plant.exports[4:]) <= LIMIT  # curtailed in the cycle the PCS went silent
    assert plant.pv == pytest.approx(389.0, abs=2.0)
    assert not any(r.export.violating for r in reports)


def test_a_pcs_that_refuses_to_charge_gets_no_credit():
    plant = Plant(load=300.0, pv_available=800.0, follows=False)
    run(Cycle(rules(), guard()), plant, 6)
    assert plant.bess == 0.0
    assert max(plant.exports[2:]) <= LIMIT


@pytest.mark.parametrize(
    ("failsafe", "min_load", "expected_cap"),
    [("min_load", 150.0, 145.0), ("min_load", 0.0, 0.0), ("hold", 0.0, 350.0)],
)
def test_grid_meter_bad_applies_the_fail_safe(failsafe, min_load, expected_cap):
    plant = Plant(load=400.0, pv_available=350.0, soc=100.0)  # within the limit, not curtailing
    cycle = Cycle([], guard(failsafe=failsafe, min_load_kw=min_load))
    run(cycle, plant, 2)
    assert plant.pct == 100.0
    plant.grid_good = False
    reports = run(cycle, plant, 3, t=2)
    assert reports[-1].export.failsafe is not None
    assert reports[-1].export.pv_cap_kw == pytest.approx(expected_cap)
    assert plant.pct == pytest.approx(expected_cap / 10.0)
    events = [e for r in reports for e in r.events if e.source == "export_guard"]
    assert events and "fail-safe" in events[0].message


def test_an_export_that_cannot_be_removed_becomes_a_violation_after_the_delay():
    plant = Plant(load=100.0, pv_available=600.0, soc=100.0)  # full: no charge either
    cycle = Cycle([], guard(alarm_after_s=5.0))

    class Ignoring(Plant):  # inverters that ignore their limit
        @property
        def pv(self) -> float:
            return self.pv_available

    stuck = Ignoring(load=plant.load, pv_available=plant.pv_available, soc=plant.soc)
    reports = run(cycle, stuck, 10)
    over = [r.export.violating for r in reports]
    assert over[:5] == [False] * 5 and all(over[5:]), over
    alarms = [e for r in reports for e in r.events if e.severity == "alarm"]
    assert len(alarms) == 1 and "above the limit" in alarms[0].message


def test_protection_export_defaults_to_the_export_limit_strategy_even_disabled():
    from app.control.config import build_control_config
    from app.control.registry import StrategyRegistry
    from app.control.strategy import StrategyContext

    registry = StrategyRegistry.from_entry_points()
    section = {
        "strategies": [{"kind": "export_limit", "enabled": False, "params": {"limit_kw": 50}}]
    }
    config = build_control_config(section, "station.yaml", registry, StrategyContext())
    assert config.strategies == ()
    assert config.protection.export is not None and config.protection.export.limit_kw == 50
    explicit = {**section, "protection": {"export": {"limit_kw": 0, "min_load_kw": 80}}}
    config = build_control_config(explicit, "station.yaml", registry, StrategyContext())
    assert config.protection.export.limit_kw == 0 and config.protection.export.min_load_kw == 80


def test_tou_discharge_in_auto_never_exports():
    # TOU discharges 250 kW in its period with the load at 100 kW and no PV
    class Peak:
        def period(self, ts: float) -> str:
            return "peak"

    tou = PeakValleyTou(PeakValleyParams(charge_power_kw=250, discharge_power_kw=250), Peak())
    plant = Plant(load=100.0, pv_available=0.0)
    run(Cycle([tou], guard()), plant, 4)
    assert max(plant.exports) <= LIMIT
