"""The export guard as alarms: a violation that lasts is a HIGH alarm, a blind guard a
MEDIUM one, and each ended violation is an event whose energy and duration the KPIs sum."""

from __future__ import annotations

from app.alarms.engine import AlarmEngine
from app.alarms.kpi import compute_kpis
from app.alarms.sources import EXPORT_FAILSAFE, ProtectionAlarms
from app.alarms.states import AlarmState, Priority
from app.config.loader import load_station
from app.control import Cycle, ProtectionParams
from app.control.export_guard import ExportGuardParams
from app.control.snapshot import SiteRoles
from app.paths import DEMO_STATION
from tests.test_strategy_support import T0, FakeClock, snap

PARAMS = ProtectionParams(
    ramp_kw_per_s=None,
    export=ExportGuardParams(limit_kw=0, tolerance_kw=10, alarm_after_s=5),
)


def _reports(exports: list[float], bad_grid_from: int | None = None):
    """One cycle a second; the grid meter reads ``-export`` whatever the guard asks (PV
    inverters that ignore their limit), SOC 100 % so the battery cannot take it either."""
    cycle, clock = Cycle((), PARAMS), FakeClock()
    for i, export in enumerate(exports):
        clock.t = T0 + i
        bad = ["grid"] if bad_grid_from is not None and i >= bad_grid_from else []
        shot = snap(ts=clock.t, grid=-export, bess=0, pv=export + 100, soc=100, bad=bad)
        yield cycle.run(shot, clock).report


def test_a_lasting_export_is_a_high_alarm_and_its_end_an_event_the_kpis_sum():
    engine = AlarmEngine(load_station(DEMO_STATION))
    alarms = ProtectionAlarms(engine, SiteRoles())
    exports = [0.0] * 2 + [60.0] * 12 + [0.0] * 3  # 60 kW for 12 s, the alarm after 5 s
    entries = [e for r in _reports(exports) for e in alarms.update(r)]
    raised = [e for e in entries if e.alarm_id == "protection.export_limit"]
    assert raised[0].state is AlarmState.UNACK and raised[0].priority is Priority.HIGH
    assert raised[0].ts == T0 + 2 + 5  # over since the 3rd cycle, alarmed 5 s later
    assert "60 kW above the limit 0 kW" in raised[0].message and "逆流" in raised[0].message_zh
    ended = [e for e in entries if e.alarm_id == "event.export_violation"]
    assert len(ended) == 1 and ended[0].kind == "event"
    kpis = compute_kpis(entries, T0, T0 + len(exports))
    assert kpis.export.count == 1
    assert kpis.export.longest_s == 11.0  # first over at +2, last over at +13
    assert abs(kpis.export.energy_kwh - 60 * 11 / 3600) < 1e-3  # 60 kW above for 11 s
    assert "export violations: 1" in kpis.text()


def test_a_blind_guard_is_a_medium_alarm_naming_what_it_holds():
    engine = AlarmEngine(load_station(DEMO_STATION))
    alarms = ProtectionAlarms(engine, SiteRoles())
    entries = [e for r in _reports([0.0] * 6, bad_grid_from=2) for e in alarms.update(r)]
    blind = [e for e in entries if e.alarm_id == EXPORT_FAILSAFE]
    assert blind and blind[0].priority is Priority.MEDIUM
    assert "PV held at" in blind[0].message and "光伏限发" in blind[0].message_zh
