"""AlarmService.kpis: the KPI report of the running journal, computed on the journal's own
thread, equal to compute_kpis on the same entries (what ``main.py alarms --kpi`` prints)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest

from app import alarm_service as alarm_service_module
from app.alarm_service import AlarmService, AlarmServiceStopped
from app.alarms.journal_entry import JournalEntry
from app.alarms.kpi import compute_kpis
from app.alarms.states import AlarmState, Priority
from app.config.loader import load_station
from app.events import EventBus
from app.paths import DEMO_STATION

pytestmark = pytest.mark.timeout(30)

S = AlarmState
P = Priority
H = 3600.0
DAY = 24 * H
END = datetime(2026, 11, 30, 12, tzinfo=UTC).timestamp()
START = END - 7 * DAY


def _e(ts: float, alarm: str, state: AlarmState = S.UNACK, priority: Priority = P.LOW):
    return JournalEntry(ts, alarm, "bms1", priority, state, f"{alarm} {state}")


ENTRIES = [
    _e(START - 3 * DAY, "bms1.soc.L"),  # before the period, still active at the end: stale
    _e(START + H, "bms1.t_cell_max.H", priority=P.MEDIUM),
    _e(START + H + 1, "bms1.t_cell_max.HH", priority=P.HIGH),
    _e(START + H + 60, "bms1.t_cell_max.HH", S.ACKED, priority=P.HIGH),
    _e(START + 2 * DAY, "meter_grid.p.H"),
    _e(START + 2 * DAY + 10, "meter_grid.p.H", S.RTN_UNACK),
    _e(START + 2 * DAY + 20, "meter_grid.p.H"),  # chattering: 3 within 60 s
    _e(START + 2 * DAY + 30, "meter_grid.p.H", S.RTN_UNACK),
    _e(START + 2 * DAY + 40, "meter_grid.p.H"),
    JournalEntry(START + 3 * DAY, "event.login", "system", P.LOW, S.NORMAL, "op in", "event"),
    _e(END + H, "pcs1.running", priority=P.MEDIUM),  # after the end: not counted
]


async def test_kpis_are_compute_kpis_of_the_journal_on_the_journal_thread(tmp_path, monkeypatch):
    threads: list[str] = []
    real = alarm_service_module.compute_kpis

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(alarm_service_module, "compute_kpis", spy)
    service = AlarmService(load_station(DEMO_STATION), tmp_path, EventBus(), lambda: END)
    await service.start()
    try:
        service.submit(ENTRIES)
        kpis = await service.kpis(START, END)
    finally:
        await service.stop()

    expected = compute_kpis(ENTRIES, START, END)
    assert kpis == expected
    # meter_grid.p.H three times, the hot cell's H and HH; soc.L was raised before the period
    assert kpis.activations == 5
    assert kpis.by_priority == {P.LOW: 3, P.MEDIUM: 1, P.HIGH: 1}
    assert kpis.top[0] == ("meter_grid.p.H", 3)
    assert kpis.chattering == [("meter_grid.p.H", 3)]
    assert kpis.stale == [  # still unack or acked at the end, raised more than 24 h before
        ("bms1.soc.L", START - 3 * DAY),
        ("bms1.t_cell_max.H", START + H),
        ("bms1.t_cell_max.HH", START + H + 1),
        ("meter_grid.p.H", START + 2 * DAY + 40),
    ]
    assert threads and all(name.startswith("alarm-journal") for name in threads)
    assert threading.current_thread().name not in threads


async def test_kpis_need_a_running_service(tmp_path):
    service = AlarmService(load_station(DEMO_STATION), tmp_path, EventBus(), lambda: END)
    with pytest.raises(AlarmServiceStopped):
        await service.kpis(START, END)
    await service.start()
    await service.stop()
    with pytest.raises(AlarmServiceStopped):
        await asyncio.wait_for(service.kpis(START, END), 5)
