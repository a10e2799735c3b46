"""The console core against the simulator over loopback Modbus TCP: data, balance, faults."""

from __future__ import annotations

import logging
import time

from app.points import Quality
from tests.station_support import demo_station, wait_until

SITE = ("site.pv_p", "site.load_p", "site.grid_p", "site.bess_p", "site.bess_soc")


def _all_good(runtime, ids) -> bool:
    values = [runtime.points.get(i) for i in ids]
    return all(v is not None and v.quality is Quality.GOOD for v in values)


def _device_points(runtime, device_id: str) -> list[str]:
    return [p.id for p in runtime.station.devices[device_id].points]


def _balanced(load: float, pv: float, grid: float, bess: float) -> bool:
    return abs(load - (pv + grid + bess)) <= max(2.0, 0.01 * abs(load))


async def test_site_values_arrive_and_balance_live_and_in_history(tmp_path):
    async with demo_station(tmp_path) as (runtime, _sim):
        await wait_until(runtime, lambda: _all_good(runtime, SITE), timeout=10)
        assert runtime.points.get("site.pv_p").value > 0  # the simulated noon has sun
        # live: after each full round of polls the aliases come from one plant instant
        for _ in range(3):
            stamp = max(runtime.points.get(i).ts for i in SITE)
            await wait_until(
                runtime, lambda s=stamp: min(runtime.points.get(i).ts for i in SITE) > s, 5
            )
            pv, load, grid, bess = (runtime.points.get(i).value for i in SITE[:4])
            assert _balanced(load, pv, grid, bess), (load, pv, grid, bess)
        assert 0 <= runtime.points.get("site.bess_soc").value <= 100
        await runtime.flush_history()
        now = time.time()
        series = {
            i: await runtime.query_history(i, now - 600, now + 1, resolution="raw")
            for i in SITE[:4]
        }
    # history: samples of one round share a poll; pair them by nearest timestamp
    load = series["site.load_p"]
    checked = 0
    for t, value in zip(load.ts, load.value, strict=True):
        parts = []
        for pid in ("site.pv_p", "site.grid_p", "site.bess_p"):
            s = series[pid]
            j = abs(s.ts - t).argmin()
            if abs(s.ts[j] - t) > 0.3:
                break
            parts.append(s.value[j])
        else:
            assert _balanced(value, *parts), (t, value, parts)
            checked += 1
    assert checked >= 3


async def test_simulator_stop_marks_points_comm_lost_then_recovers(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    async with demo_station(tmp_path) as (runtime, sim):
        ids = _device_points(runtime, "pcs1") + _device_points(runtime, "meter_grid")
        await wait_until(runtime, lambda: _all_good(runtime, ids), timeout=10)
        port = sim.port
        stopped_at = time.monotonic()
        await sim.stop()
        await wait_until(
            runtime,
            lambda: all(runtime.points.get(i).quality is Quality.BAD_COMM_LOST for i in ids),
            timeout=5,
        )
        assert time.monotonic() - stopped_at <= 2.0  # within two poll periods of 1 s
        assert runtime.points.get("site.grid_p").quality is Quality.BAD_COMM_LOST
        assert runtime.links["pcs1"].up is False
        await runtime.flush_history()
        now = time.time()
        stored = await runtime.query_history("pcs1.p", now - 60, now + 1, resolution="raw")
        assert Quality.BAD_COMM_LOST in set(stored.quality.tolist())
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]  # one line per outage

        await sim.start(host="127.0.0.1", port=port)
        await wait_until(runtime, lambda: _all_good(runtime, ids), timeout=15)
        assert runtime.links["pcs1"].up is True


async def test_a_faulty_device_goes_bad_while_the_others_keep_flowing(tmp_path):
    async with demo_station(tmp_path) as (runtime, sim):
        pv1 = _device_points(runtime, "pv1")
        await wait_until(runtime, lambda: _all_good(runtime, pv1), timeout=10)
        sim.set_fault("pv1", "exception")
        await wait_until(
            runtime, lambda: runtime.points.get("pv1.p").quality is Quality.BAD_DEVICE_EXCEPTION, 5
        )
        stamp = runtime.points.get("meter_grid.p").ts
        await wait_until(runtime, lambda: runtime.points.get("meter_grid.p").ts > stamp, 5)
        assert runtime.points.get("meter_grid.p").quality is Quality.GOOD
        assert runtime.points.get("site.pv_p").quality.is_bad

        sim.set_fault("pv2", "garbage")
        await wait_until(
            runtime, lambda: runtime.points.get("pv2.p").quality is Quality.BAD_INVALID, 5
        )
        sim.set_fault("pv1", None)
        await wait_until(runtime, lambda: _all_good(runtime, pv1), timeout=10)
