"""The simulator over real Modbus TCP on loopback, read with a plain pymodbus client and
decoded with the driver's codec: balance, setpoints with ramp and watchdog, faults, restarts.

The plant runs on a ManualClock, so "one second later" is a call, not a sleep.
"""

from __future__ import annotations

import asyncio
import math

import pytest
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException, ModbusIOException

from drivers.modbus.codec import decode, encode
from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.clock import parse_sim_start
from simulator.config import ServedPoint

pytestmark = pytest.mark.timeout(60)

CONFIG = SimulatorConfig.default(cloudiness=0.0)
NOON = parse_sim_start("2025-07-16T12:30", CONFIG.site.zone)  # a summer Wednesday


class ModbusError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"Modbus exception {code:02X}")
        self.code = code


class Probe:
    """Reads and writes template points of the served devices by id, like the driver would."""

    def __init__(self, client: AsyncModbusTcpClient, sim: Simulator) -> None:
        self.client = client
        self.sim = sim
        self.devices = {d.id: d for d in sim.config.devices}

    def point(self, device: str, point: str) -> ServedPoint:
        return next(p for p in self.devices[device].points if p.id == point)

    async def read(self, device: str, point: str) -> float:
        a = self.point(device, point).address
        unit = self.devices[device].unit_id
        fn = (
            self.client.read_holding_registers
            if a.table == "holding"
            else self.client.read_input_registers
        )
        r = await fn(a.start, count=a.width, device_id=unit)
        if r.isError():
            raise ModbusError(r.exception_code)
        return decode(a, r.registers)

    async def write(self, device: str, point: str, value: float) -> None:
        a = self.point(device, point).address
        r = await self.client.write_registers(
            a.start, encode(a, value), device_id=self.devices[device].unit_id
        )
        if r.isError():
            raise ModbusError(r.exception_code)


@pytest.fixture
async def sim():
    s = Simulator(CONFIG, ManualClock(NOON))
    await s.start(host="127.0.0.1", port=0)
    yield s
    await s.stop()


@pytest.fixture
async def probe(sim):
    client = AsyncModbusTcpClient("127.0.0.1", port=sim.port, timeout=0.5, retries=0)
    assert await client.connect()
    yield Probe(client, sim)
    client.close()


async def site_powers(probe: Probe) -> dict[str, float]:
    return {
        "pv": await probe.read("pv1", "p") + await probe.read("pv2", "p"),
        "load": await probe.read("meter_load", "p"),
        "grid": await probe.read("meter_grid", "p"),
        "bess": await probe.read("pcs1", "p"),
    }


async def test_start_reports_a_free_port_and_unit_ids(sim):
    assert sim.port and sim.port > 0
    assert sim.unit_ids["pv1"] == 1 and len(set(sim.unit_ids.values())) == len(sim.unit_ids)
    other = Simulator(CONFIG, ManualClock(NOON))
    try:
        assert await other.start(port=0) != sim.port
    finally:
        await other.stop()


async def test_a_busy_port_is_an_os_error(sim):
    other = Simulator(CONFIG, ManualClock(NOON))
    with pytest.raises(OSError):
        await other.start(port=sim.port)
    await other.stop()


async def test_power_balance_holds_in_what_is_read(sim, probe):
    clock: ManualClock = sim.clock  # type: ignore[assignment]
    for _ in range(5):
        p = await site_powers(probe)
        assert p["pv"] > 500 and p["load"] > 300
        assert p["load"] == pytest.approx(p["pv"] + p["grid"] + p["bess"], abs=0.05)
        clock.advance(1.0)


async def test_values_decode_to_the_plant_snapshot(sim, probe):
    snap = sim.plant.refresh()
    assert await probe.read("bms1", "soc") == pytest.approx(snap.bess_soc, abs=0.05)
    assert await probe.read("meter_grid", "e_import") == pytest.approx(
        snap.value("grid_meter", "e_import"), abs=0.001
    )
    assert await probe.read("pv1", "running") == 1.0
    assert await probe.read("brk_grid", "closed") == 1.0
    assert await probe.read("tx1", "temp_a") == pytest.approx(
        snap.value("transformer", "temp_a"), abs=0.05
    )
    assert 49.9 < await probe.read("pcs1", "freq") < 50.1


async def test_setpoint_write_moves_pcs_power_with_its_ramp(sim, probe):
    clock: ManualClock = sim.clock  # type: ignore[assignment]
    await probe.write("pcs1", "mode", 0)  # remote
    assert await probe.read("pcs1", "remote") == 1.0
    await probe.write("pcs1", "heartbeat", 1)
    await probe.write("pcs1", "p_set", 250.0)
    assert await probe.read("pcs1", "p_set") == 250.0  # reads back at once
    seen = []
    for beat in range(2, 6):
        clock.advance(1.0)
        await probe.write("pcs1", "heartbeat", beat)
        seen.append(await probe.read("pcs1", "p"))
    assert seen == pytest.approx([100.0, 200.0, 250.0, 250.0], abs=0.5)
    p = await site_powers(probe)
    assert p["load"] == pytest.approx(p["pv"] + p["grid"] + p["bess"], abs=0.05)


async def test_watchdog_reverts_pcs_to_zero_when_heartbeat_stops(sim, probe):
    clock: ManualClock = sim.clock  # type: ignore[assignment]
    await probe.write("pcs1", "mode", 0)
    await probe.write("pcs1", "heartbeat", 7)
    await probe.write("pcs1", "p_set", -200.0)
    clock.advance(3.0)
    assert await probe.read("pcs1", "p") == pytest.approx(-200.0, abs=0.5)
    for _ in range(6):  # keeps polling, but no heartbeat any more: 9 s since the last one
        clock.advance(1.0)
        assert await probe.read("pcs1", "watchdog_expired") == 0.0
    clock.advance(2.0)  # 11 s since the last heartbeat
    assert await probe.read("pcs1", "watchdog_expired") == 1.0
    assert await probe.read("pcs1", "p_set") == 0.0
    clock.advance(3.0)
    assert await probe.read("pcs1", "p") == 0.0


async def test_refused_writes_answer_exceptions(sim, probe):
    with pytest.raises(ModbusError) as err:
        await probe.write("pcs1", "p_set", 100.0)  # local mode at start
    assert err.value.code == 3
    await probe.write("pcs1", "mode", 0)
    with pytest.raises(ModbusError) as err:
        await probe.write("pcs1", "p_set", 900.0)  # beyond the template's limits
    assert err.value.code == 3
    r = await probe.client.write_register(0, 123, device_id=sim.unit_ids["bms1"])
    assert r.isError() and r.exception_code == 2  # a measurement is read-only
    with pytest.raises(ModbusError) as err:
        await probe.write("brk_grid", "cmd", 7)
    assert err.value.code == 3


async def test_breaker_command_over_the_wire(sim, probe):
    clock: ManualClock = sim.clock  # type: ignore[assignment]
    await probe.write("brk_pv", "cmd", 2)
    clock.advance(1.0)
    assert await probe.read("brk_pv", "open") == 1.0
    assert await probe.read("pv1", "p") == 0.0
    ops = await probe.read("brk_pv", "operations")
    await probe.write("brk_pv", "cmd", 1)
    clock.advance(1.0)
    assert await probe.read("brk_pv", "closed") == 1.0
    assert await probe.read("brk_pv", "operations") == ops + 1


async def test_wrong_table_and_unknown_unit(sim, probe):
    r = await probe.client.read_holding_registers(2, count=2, device_id=sim.unit_ids["pcs1"])
    assert r.isError() and r.exception_code == 2  # PCS measurements are input registers
    r = await probe.client.read_holding_registers(0, count=2, device_id=200)
    assert r.isError() and r.exception_code == 0x0B


async def test_a_block_read_bridges_small_gaps(sim, probe):
    # pv inverter: 32000..32115 is one block of defined registers (reserved ones read 0)
    r = await probe.client.read_holding_registers(32000, count=116, device_id=1)
    assert not r.isError()
    r = await probe.client.read_holding_registers(32200, count=2, device_id=1)
    assert r.isError() and r.exception_code == 2


async def test_fault_exception_answers_04(sim, probe):
    sim.set_fault("pcs1", "exception")
    with pytest.raises(ModbusError) as err:
        await probe.read("pcs1", "p")
    assert err.value.code == 4
    assert await probe.read("bms1", "soc") > 0  # other devices keep answering
    sim.set_fault("pcs1", None)
    assert math.isfinite(await probe.read("pcs1", "p"))


async def test_fault_garbage_serves_nan_and_out_of_range(sim, probe):
    sim.set_fault("pcs1", "garbage")
    sim.set_fault("bms1", "garbage")
    assert math.isnan(await probe.read("pcs1", "p"))
    soc = await probe.read("bms1", "soc")
    assert soc > 100.0  # outside the template's limits
    sim.set_fault("bms1", None)
    assert 0 <= await probe.read("bms1", "soc") <= 100


async def test_fault_silent_times_out_then_recovers(sim, probe):
    sim.set_fault("meter_grid", "silent")
    with pytest.raises(ModbusIOException):
        await probe.read("meter_grid", "p")
    sim.set_fault("meter_grid", None)
    assert math.isfinite(await probe.read("meter_grid", "p"))


async def test_unknown_fault_mode_and_device_are_refused(sim):
    with pytest.raises(ValueError):
        sim.set_fault("pcs1", "smoke")  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        sim.set_fault("nope", None)


async def read_until_ok(probe: Probe, timeout_s: float = 10.0) -> float:
    """Retry a read until the client has reconnected (it does so by itself)."""
    async with asyncio.timeout(timeout_s):
        while True:
            try:
                return await probe.read("bms1", "soc")
            except (ModbusException, ModbusError):
                await asyncio.sleep(0.05)


async def test_stop_drops_clients_and_restart_on_the_same_port_recovers(sim, probe):
    port = sim.port
    soc = await probe.read("bms1", "soc")
    await sim.stop()
    await sim.stop()  # idempotent
    assert sim.port is None
    with pytest.raises(ModbusException):  # no answer, or not connected any more
        await probe.read("bms1", "soc")
    assert await sim.start(port=port) == port
    assert await read_until_ok(probe) == pytest.approx(soc, abs=0.1)  # the plant kept its state
