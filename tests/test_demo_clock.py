"""The demo on one clock: with a sim start the whole EMS runs on the simulator's time.

Point stamps, link states, the control loop's TOU period, history and the audit trail all
follow the simulated time (far from now here); without a sim start they stay on the wall
clock. Real simulator on 127.0.0.1, the demo station with its control loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.config.loader import load_station
from app.control_loop import CYCLE, CycleStats
from app.events import POINTS
from app.paths import DEMO_STATION
from app.points import Quality
from main import StationSession
from simulator.clock import parse_sim_start

pytestmark = pytest.mark.timeout(30)

DAY = 24 * 3600.0
# a Wednesday in the spring/autumn tariff season, over a year away from any run of this test
SIM_DAY = "2025-06-18"
NEAR_S = 30.0  # a stamp this close to a clock's now was made on that clock


@contextlib.asynccontextmanager
async def demo(data: Path, sim_start: str | None) -> AsyncIterator[StationSession]:
    session = StationSession(DEMO_STATION, data, demo=True, sim_start=sim_start)
    try:
        await session.start()
        yield session
    finally:
        await session.stop()


async def wait_for(session: StationSession, topic: str, condition: Callable[[], bool]) -> None:
    """Wait (at most 10 s) until ``condition()`` holds, re-checking on each ``topic`` event."""
    changed = asyncio.Event()
    unsubscribe = session.bus.subscribe(topic, lambda _: changed.set())
    try:
        async with asyncio.timeout(10):
            while not condition():
                changed.clear()
                await changed.wait()
    finally:
        unsubscribe()


def good(session: StationSession, point_id: str) -> bool:
    pv = session.points.get(point_id)
    return pv is not None and pv.quality is Quality.GOOD


def sim_start_in_another_period() -> tuple[str, str]:
    """A sim start whose TOU period differs from the wall clock's now, and that period."""
    station = load_station(DEMO_STATION)
    zone = ZoneInfo(station.info.timezone)
    wall = station.tariff.period(time.time())
    for hhmm in ("03:00", "09:00"):  # valley (charge), peak (discharge)
        start = f"{SIM_DAY}T{hhmm}"
        period = station.tariff.period(parse_sim_start(start, zone))
        if period != wall:
            return start, period
    raise AssertionError("unreachable: valley and peak differ")


async def test_sim_start_moves_the_whole_ems_to_simulated_time(tmp_path):
    start, period = sim_start_in_another_period()
    async with demo(tmp_path, start) as session:
        sim_now = session.now()
        assert abs(sim_now - time.time()) > 300 * DAY  # the runtime's clock is the plant's
        await wait_for(session, POINTS, lambda: good(session, "site.grid_p"))

        # point stamps (drivers) and link states are simulated time, not the wall clock
        ts = session.points.get("meter_grid.p").ts
        assert abs(ts - session.now()) < NEAR_S
        assert abs(session.links["meter_grid"].ts - session.now()) < NEAR_S

        # the strategies see simulated time: the TOU strategy works in the simulated period
        def tou_reasons() -> list[str]:
            stats: CycleStats = session.control.stats
            report = stats.last_report
            if report is None:
                return []
            return [c.reason for c in report.constraints if c.source == "peak_valley_tou"]

        await wait_for(session, CYCLE, lambda: bool(tou_reasons()))
        assert all(r.startswith(f"{period}:") for r in tou_reasons()), (period, tou_reasons())
        assert abs(session.control.stats.last_report.ts - session.now()) < NEAR_S

        # history is stored and found by simulated time
        await session.flush_history()
        now = session.now()
        sim = await session.query_history("meter_grid.p", now - 600, now + 1, resolution="raw")
        assert len(sim.ts) > 0
        assert all(abs(t - now) < 600 for t in sim.ts)
        wall = time.time()
        at_wall = await session.query_history("meter_grid.p", wall - 600, wall + 1, "raw")
        assert len(at_wall.ts) == 0

        # audit entries carry simulated time
        await session.set_mode("auto", "test", "demo clock")
        entry = session.audit.entries()[-1]
        assert (entry.action, entry.actor) == ("mode", "test")
        assert abs(entry.ts - session.now()) < NEAR_S


async def test_without_sim_start_everything_is_wall_time(tmp_path):
    async with demo(tmp_path, None) as session:
        assert abs(session.now() - time.time()) < 1.0
        await wait_for(session, POINTS, lambda: good(session, "meter_grid.p"))
        assert abs(session.points.get("meter_grid.p").ts - time.time()) < NEAR_S
        assert abs(session.links["meter_grid"].ts - time.time()) < NEAR_S
