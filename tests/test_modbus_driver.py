"""The Modbus driver against a real pymodbus server on loopback: values, faults, comm loss,
recovery, writes. Short poll periods keep the suite fast; conditions are awaited, not slept."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

import pytest
from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException

from app.points import Quality
from drivers.modbus import ModbusDriver, ModbusWriteError
from drivers.modbus.poller import SILENT_BACKOFF_MAX_S
from tests.test_modbus_support import (  # no_leaked_tasks: an autouse fixture
    FACTORY,
    RecordingSink,
    SimServer,
    connection,
    device,
    no_leaked_tasks,  # noqa: F401
    point,
    registers,
    sim_device,
)

METER_POINTS = [
    point("p", {"register": 0, "type": "float32"}, unit="kW"),
    point("e", {"register": 2, "type": "uint32", "word_order": "little"}, kind="counter"),
    point("t", {"register": 4, "type": "int16", "scale": 0.1}),
    point("run", {"register": 5, "type": "uint16", "bit": 0}, kind="digital"),
    point("fault", {"register": 5, "type": "uint16", "bit": 1}, kind="digital"),
    point(
        "p_set",
        {"register": 10, "type": "int16", "scale": 0.1},
        kind="setpoint",
        limits={"min": -500, "max": 500},
    ),
    point("f_set", {"register": 12, "type": "float32"}, kind="setpoint"),
    point("i", {"table": "input", "register": 0, "type": "uint16"}),
    point("breaker", {"table": "coil", "register": 3, "type": "bool"}, kind="command"),
    point("alarm", {"table": "discrete", "register": 1, "type": "bool"}, kind="digital"),
]
METER_IMAGE = {
    0: ({"type": "float32"}, 123.5),
    2: ({"type": "uint32", "word_order": "little"}, 70000),
    4: ({"type": "int16", "scale": 0.1}, -12.5),
    5: ({"type": "uint16"}, 0b01),
}
METER_IDS = [f"meter.{p['id']}" for p in METER_POINTS]


def meter_sim(unit_id: int = 1, action=None):
    return sim_device(
        unit_id,
        registers(METER_IMAGE),
        inputs=[42] * 4,
        discrete=[False, True] + [False] * 14,
        action=action,
    )


def simple_points(*extra):
    return [point("p", {"register": 0, "type": "uint16"}), *extra]


class Switch:
    """An action for a simulated device: answer normally, with an exception code, or not at all.

    Silence is a missing-device answer the server ignores; a delayed answer would not do, as
    pymodbus's server stamps a late response with the transaction id of a later request.
    """

    def __init__(self) -> None:
        self.code: ExcCodes | None = None
        self.silent = False

    async def act(self, fc, start, address, count, regs, values):
        if self.silent:
            raise NoSuchIdException("silent")
        return self.code


@pytest.fixture
async def stack() -> AsyncIterator[contextlib.AsyncExitStack]:
    async with contextlib.AsyncExitStack() as s:
        yield s


async def serve(stack: contextlib.AsyncExitStack, *devices) -> SimServer:
    server = SimServer(list(devices))
    await server.start()
    stack.push_async_callback(server.stop)
    return server


async def run_driver(
    stack: contextlib.AsyncExitStack, port: int, *devices, **params
) -> tuple[ModbusDriver, RecordingSink]:
    sink = RecordingSink()
    params = {"host": "127.0.0.1", "port": port, "reconnect_max_s": 0.4, **params}
    driver = FACTORY.create(connection(**params), list(devices), sink)
    await driver.start()
    stack.push_async_callback(driver.stop)
    return driver, sink


async def until(condition, timeout: float = 5.0) -> None:
    """Poll ``condition`` (traffic counters raise no event) until it holds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def driver_log(caplog, level: int) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("drivers.modbus") and r.levelno == level
    ]


async def test_values_arrive_decoded_with_good_quality(stack):
    server = await serve(stack, meter_sim())
    before = time.time()
    driver, sink = await run_driver(stack, server.port, device("meter", 1, METER_POINTS))
    await sink.wait_quality(METER_IDS, Quality.GOOD)
    v = {pid.split(".")[1]: sink.values[pid].value for pid in METER_IDS}
    assert v == {
        "p": 123.5,
        "e": 70000.0,
        "t": pytest.approx(-12.5),
        "run": 1.0,
        "fault": 0.0,
        "p_set": 0.0,
        "f_set": 0.0,
        "i": 42.0,
        "breaker": 0.0,
        "alarm": 1.0,
    }
    assert all(before <= sink.values[p].ts <= time.time() for p in METER_IDS)
    state = sink.last_state("meter")
    assert state is not None and state.up
    # one read per table: holding 0..13, input 0, coil 3, discrete 1
    blocks = driver.pollers["meter"].blocks
    assert [(b.table, b.start, b.count) for b in blocks] == [
        ("holding", 0, 14),
        ("input", 0, 1),
        ("coil", 3, 1),
        ("discrete", 1, 1),
    ]


async def test_device_exception_spares_the_other_device_on_the_connection(stack, caplog):
    caplog.set_level(logging.INFO)
    broken = Switch()
    server = await serve(stack, meter_sim(), sim_device(2, [5] * 4, action=broken.act))
    broken.code = ExcCodes.DEVICE_FAILURE
    _, sink = await run_driver(
        stack, server.port, device("meter", 1, METER_POINTS), device("inv", 2, simple_points())
    )
    await sink.wait_quality(["inv.p"], Quality.BAD_DEVICE_EXCEPTION)
    state = sink.last_state("inv")
    assert state is not None and not state.up and "04" in state.detail
    assert "device failure" in state.detail
    # the meter keeps flowing while its neighbour fails
    seen = sink.count("meter.p")
    await sink.wait_for(lambda: sink.count("meter.p") >= seen + 3)
    assert sink.quality("meter.p") is Quality.GOOD
    assert sink.count("inv.p") == 1  # a bad value is published once, not every poll
    warnings = driver_log(caplog, logging.WARNING)
    assert len(warnings) == 1 and "inv" in warnings[0] and "device failure" in warnings[0]

    broken.code = None
    await sink.wait_quality(["inv.p"], Quality.GOOD)
    assert sink.values["inv.p"].value == 5
    assert sink.last_state("inv").up
    # recovery is logged once, after a few good polls (a flapping device logs once)
    await sink.wait_for(lambda: driver_log(caplog, logging.INFO) != [])
    assert len([m for m in driver_log(caplog, logging.INFO) if "answers again" in m]) == 1


async def test_gateway_target_failure_and_busy_device(stack):
    gateway = Switch()
    server = await serve(stack, sim_device(1, [1] * 4, action=gateway.act), sim_device(2, [2] * 4))
    _, sink = await run_driver(
        stack, server.port, device("a", 1, simple_points()), device("b", 2, simple_points())
    )
    await sink.wait_quality(["a.p", "b.p"], Quality.GOOD)
    gateway.code = ExcCodes.GATEWAY_NO_RESPONSE
    await sink.wait_quality(["a.p"], Quality.BAD_DEVICE_EXCEPTION)
    assert "gateway target failed to respond" in sink.last_state("a").detail
    assert sink.values["a.p"].value == 1  # last value kept
    gateway.code = ExcCodes.DEVICE_BUSY
    await sink.wait_quality(["a.p"], Quality.UNCERTAIN_STALE)
    assert sink.quality("b.p") is Quality.GOOD


async def test_illegal_address_marks_only_that_block(stack, caplog):
    caplog.set_level(logging.INFO)
    server = await serve(stack, sim_device(1, [9] * 4))
    points = simple_points(point("far", {"register": 30, "type": "uint16"}))  # not on the device
    _, sink = await run_driver(stack, server.port, device("d", 1, points))
    await sink.wait_quality(["d.p"], Quality.GOOD)
    await sink.wait_quality(["d.far"], Quality.BAD_CONFIG)
    assert sink.last_state("d").up  # the device answers; our map is what is wrong
    warnings = driver_log(caplog, logging.WARNING)
    assert len(warnings) == 1 and "illegal data address" in warnings[0] and "30" in warnings[0]


async def test_garbage_and_out_of_range_values_are_invalid(stack):
    image = registers({2: ({"type": "int16"}, 150), 5: ({"type": "uint16"}, 7)})
    image[0:2] = [0x7FC0, 0x0000]  # float32 NaN: the codec refuses to encode garbage
    image[3:5] = [0x7F80, 0x0000]  # float32 +inf
    server = await serve(stack, sim_device(3, image))
    points = [
        point("nan", {"register": 0, "type": "float32"}),
        point("hot", {"register": 2, "type": "int16"}, limits={"min": -20, "max": 100}),
        point("inf", {"register": 3, "type": "float32"}),
        point("ok", {"register": 5, "type": "uint16"}, limits={"max": 10}),
    ]
    _, sink = await run_driver(stack, server.port, device("g", 3, points))
    await sink.wait_for(lambda: len(sink.values) == 4)
    assert sink.values["g.nan"].quality is Quality.BAD_INVALID
    assert sink.values["g.nan"].value is None
    assert sink.values["g.inf"].quality is Quality.BAD_INVALID
    assert sink.values["g.hot"].quality is Quality.BAD_INVALID
    assert sink.values["g.hot"].value == 150  # kept, so the operator sees the claim
    assert sink.values["g.ok"].quality is Quality.GOOD


async def test_comm_loss_within_two_polls_one_log_line_and_recovery(stack, caplog):
    caplog.set_level(logging.INFO)
    server = await serve(stack, meter_sim(), sim_device(2, [5] * 4))
    poll_s = 0.1
    driver, sink = await run_driver(
        stack,
        server.port,
        device("meter", 1, METER_POINTS, poll_ms=100),
        device("inv", 2, simple_points(), poll_ms=100),
        reconnect_min_s=0.05,
        reconnect_max_s=0.2,
    )
    everything = [*METER_IDS, "inv.p"]
    await sink.wait_quality(everything, Quality.GOOD)
    caplog.clear()

    stopped = time.monotonic()
    await server.stop()
    await sink.wait_quality(everything, Quality.BAD_COMM_LOST, timeout=2 * poll_s)
    lost_after = time.monotonic() - stopped
    assert sink.values["meter.p"].value == 123.5  # the last value is kept
    assert not sink.last_state("meter").up and not sink.last_state("inv").up
    assert "connection lost" in sink.last_state("inv").detail
    assert not driver.connected

    # an outage of several reconnect attempts still says so once
    attempts = driver.traffic.connect_attempts
    await until(lambda: driver.traffic.connect_attempts >= attempts + 3)
    assert sink.count("inv.p") == 2  # good once, comm_lost once: no repeats while down
    warnings = driver_log(caplog, logging.WARNING)
    assert len(warnings) == 1 and "down" in warnings[0], warnings
    # and pymodbus's own per-attempt warnings are kept out of the log
    chatter = [r.getMessage() for r in caplog.records if r.name.startswith("pymodbus")]
    assert not [m for m in chatter if "connect" in m.lower()], chatter

    restarted = time.monotonic()
    await server.start()
    await sink.wait_quality(everything, Quality.GOOD, timeout=3.0)
    back_after = time.monotonic() - restarted
    assert sink.last_state("meter").up and sink.last_state("inv").up
    assert [m for m in driver_log(caplog, logging.INFO) if "restored" in m] != []
    assert len(driver_log(caplog, logging.INFO)) == 1
    assert len(driver_log(caplog, logging.WARNING)) == 1
    assert driver.traffic.connects == 2 and driver.traffic.disconnects == 1
    print(f"comm_lost after {lost_after * 1000:.0f} ms; good again {back_after * 1000:.0f} ms")


async def test_server_down_at_start_then_appears(stack):
    server = SimServer([sim_device(1, [11] * 4)])
    await server.start()
    port = server.port
    await server.stop()  # keep the free port, close the server
    _, sink = await run_driver(
        stack, port, device("d", 1, simple_points()), reconnect_min_s=0.05, reconnect_max_s=0.2
    )
    await sink.wait_quality(["d.p"], Quality.BAD_COMM_LOST)
    assert sink.values["d.p"].value is None  # never read: nothing to keep
    late = SimServer([sim_device(1, [11] * 4)], port=port)
    await late.start()
    stack.push_async_callback(late.stop)
    await sink.wait_quality(["d.p"], Quality.GOOD, timeout=3.0)
    assert sink.values["d.p"].value == 11


async def test_silent_device_times_out_while_the_other_flows(stack, caplog):
    caplog.set_level(logging.WARNING)
    slow = Switch()
    slow.silent = True
    server = await serve(stack, meter_sim(), sim_device(4, [4] * 4, action=slow.act))
    _, sink = await run_driver(
        stack,
        server.port,
        device("meter", 1, METER_POINTS),
        device("slow", 4, simple_points(), timeout_ms=100),
    )
    await sink.wait_quality(["slow.p"], Quality.BAD_TIMEOUT)
    assert "no response within 100 ms" in sink.last_state("slow").detail
    seen = sink.count("meter.p")
    await sink.wait_for(lambda: sink.count("meter.p") >= seen + 3)
    assert sink.quality("meter.p") is Quality.GOOD
    assert sink.quality("slow.p") is Quality.BAD_TIMEOUT
    assert len([m for m in driver_log(caplog, logging.WARNING) if "slow" in m]) == 1
    slow.silent = False
    await sink.wait_quality(["slow.p"], Quality.GOOD)


async def test_a_silent_device_is_polled_less_often_so_the_others_keep_their_pace(stack):
    # each poll of a silent unit holds the shared line for its timeout: backed off, it
    # costs a few timeouts a second, not one per period (the PV read-backs of the demo's
    # comm_fault timed out behind the silent PCS)
    slow = Switch()
    server = await serve(stack, meter_sim(), sim_device(4, [4] * 4, action=slow.act))
    driver, sink = await run_driver(
        stack,
        server.port,
        device("meter", 1, METER_POINTS, poll_ms=50),
        device("slow", 4, simple_points(), poll_ms=50, timeout_ms=100),
    )
    await sink.wait_quality(["slow.p", "meter.p"], Quality.GOOD)
    slow.silent = True
    await sink.wait_quality(["slow.p"], Quality.BAD_TIMEOUT)
    timeouts, polls = driver.traffic.timeouts, sink.count("meter.p")
    await sink.wait_for(lambda: sink.count("meter.p") >= polls + 30, timeout=10.0)
    # 30 meter polls take >= 1.5 s: unthrottled, the slow unit would time out ~10 times
    assert driver.traffic.timeouts - timeouts <= 5
    slow.silent = False
    await sink.wait_quality(["slow.p"], Quality.GOOD, timeout=SILENT_BACKOFF_MAX_S + 2)


async def test_one_silent_unit_never_takes_the_connection_down(stack):
    # with retries, one poll of the silent unit is three timeouts in a row: that is the
    # unit's fault, not the connection's, so the meter behind the same gateway keeps flowing
    slow = Switch()
    slow.silent = True
    server = await serve(stack, meter_sim(), sim_device(4, [4] * 4, action=slow.act))
    driver, sink = await run_driver(
        stack,
        server.port,
        device("meter", 1, METER_POINTS),
        device("slow", 4, simple_points(), timeout_ms=60),
        retries=2,
    )
    await until(lambda: driver.traffic.timeouts >= 9)  # three polls of three attempts
    await sink.wait_quality(["slow.p"], Quality.BAD_TIMEOUT)
    assert driver.traffic.disconnects == 0
    assert sink.quality("meter.p") is Quality.GOOD
    assert sink.last_state("meter").up


async def test_a_device_written_every_cycle_still_goes_bad_soon_after_it_falls_silent(stack):
    # each write wakes the poller for its read-back; those early polls must not push the
    # regular schedule ahead, or the silence would go unnoticed for seconds
    inv = Switch()
    server = await serve(stack, sim_device(2, [0] * 4, action=inv.act))
    points = [point("p_set", {"register": 0, "type": "int16"}, kind="setpoint")]
    driver, sink = await run_driver(
        stack, server.port, device("inv", 2, points, poll_ms=200, timeout_ms=100)
    )
    await sink.wait_quality(["inv.p_set"], Quality.GOOD)
    for k in range(30):  # a write every 20 ms for 0.6 s: 30 early polls
        await driver.write("inv.p_set", k)
        await asyncio.sleep(0.02)  # the pace of the writes is the test's input
    inv.silent = True
    # one period (200 ms) and one timeout (100 ms) later it is bad; 4 s would be the drift
    await sink.wait_quality(["inv.p_set"], Quality.BAD_TIMEOUT, timeout=1.0)


async def test_a_peer_that_never_answers_is_reconnected(stack):
    silent = Switch()
    silent.silent = True
    server = await serve(stack, sim_device(1, [1] * 4, action=silent.act))
    driver, sink = await run_driver(
        stack, server.port, device("d", 1, simple_points(), timeout_ms=60), reconnect_min_s=0.05
    )
    await sink.wait_for(lambda: driver.traffic.disconnects >= 1)
    assert driver.traffic.timeouts >= 3
    silent.silent = False
    await sink.wait_quality(["d.p"], Quality.GOOD, timeout=3.0)


async def test_write_round_trip_and_refusals(stack):
    broken = Switch()
    server = await serve(stack, meter_sim(), sim_device(2, [0] * 4, action=broken.act))
    inv_points = [point("p_set", {"register": 0, "type": "int16"}, kind="setpoint")]
    driver, sink = await run_driver(
        stack, server.port, device("meter", 1, METER_POINTS), device("inv", 2, inv_points)
    )
    await sink.wait_quality([*METER_IDS, "inv.p_set"], Quality.GOOD)

    await driver.write("meter.p_set", -123.4)
    await driver.write("meter.f_set", 0.25)
    await driver.write("meter.breaker", 1)
    await sink.wait_for(
        lambda: (
            sink.values["meter.p_set"].value == pytest.approx(-123.4)
            and sink.values["meter.f_set"].value == 0.25
            and sink.values["meter.breaker"].value == 1.0
        )
    )

    requests = driver.traffic.requests
    with pytest.raises(ModbusWriteError, match="outside the range of int16"):
        await driver.write("meter.p_set", 5000)
    with pytest.raises(ModbusWriteError, match="not a coil state"):
        await driver.write("meter.breaker", 2)
    with pytest.raises(ModbusWriteError, match="not writable"):
        await driver.write("meter.p", 1)
    with pytest.raises(ModbusWriteError, match="no such point"):
        await driver.write("meter.nope", 1)
    assert driver.traffic.requests == requests  # refused before reaching the wire

    broken.code = ExcCodes.ILLEGAL_VALUE
    with pytest.raises(ModbusWriteError, match="illegal data value"):
        await driver.write("inv.p_set", 10)
    broken.code = None
    broken.silent = True
    with pytest.raises(ModbusWriteError, match="no response within 200 ms"):
        await driver.write("inv.p_set", 10)


async def test_write_while_disconnected_fails_loudly(stack):
    server = await serve(stack, meter_sim())
    driver, sink = await run_driver(stack, server.port, device("meter", 1, METER_POINTS))
    await sink.wait_quality(METER_IDS, Quality.GOOD)
    await server.stop()
    await sink.wait_quality(METER_IDS, Quality.BAD_COMM_LOST)
    with pytest.raises(ModbusWriteError, match="not connected"):
        await driver.write("meter.p_set", 1)


async def test_traffic_counters_and_idempotent_stop(stack):
    server = await serve(stack, meter_sim())
    driver, sink = await run_driver(stack, server.port, device("meter", 1, METER_POINTS))
    await sink.wait_quality(METER_IDS, Quality.GOOD)
    t = driver.traffic
    assert t.requests >= 4 and t.responses >= 4 and t.errors == 0
    assert t.bytes_sent >= 12 * t.requests  # an MBAP read request is 12 bytes
    assert t.bytes_received > t.bytes_sent
    assert t.last_rtt_ms is not None and 0 < t.last_rtt_ms < 1000
    t.requests = -1
    assert driver.traffic.requests >= 4  # a snapshot, not the live counters
    await driver.stop()
    await driver.stop()
    assert not driver.connected


async def test_each_device_polls_on_its_own_period(stack):
    server = await serve(stack, sim_device(1, [1] * 4), sim_device(2, [2] * 4))
    _, sink = await run_driver(
        stack,
        server.port,
        device("fast", 1, simple_points(), poll_ms=50),
        device("slow", 2, simple_points(), poll_ms=400),
    )
    await sink.wait_for(lambda: sink.count("fast.p") >= 9, timeout=3.0)
    assert 1 <= sink.count("slow.p") <= 3


async def test_a_serial_port_that_cannot_open_is_an_outage_not_a_crash(stack, caplog):
    caplog.set_level(logging.WARNING)
    sink = RecordingSink()
    params = {"transport": "rtu", "serial_port": "/dev/no-such-port", "reconnect_max_s": 0.1}
    driver = FACTORY.create(connection(**params), [device("d", 1, simple_points())], sink)
    await driver.start()
    stack.push_async_callback(driver.stop)
    await sink.wait_quality(["d.p"], Quality.BAD_COMM_LOST)
    await sink.wait_for(lambda: driver_log(caplog, logging.WARNING) != [])
    attempts = driver.traffic.connect_attempts
    await until(lambda: driver.traffic.connect_attempts >= attempts + 3)  # still one line
    (warning,) = driver_log(caplog, logging.WARNING)
    assert "/dev/no-such-port" in warning


async def test_stop_right_after_start_never_hangs(stack):
    # a stop landing while pymodbus connects used to be swallowed (Python 3.11's wait_for)
    server = await serve(stack, meter_sim())
    for spins in range(24):
        driver = FACTORY.create(
            connection(host="127.0.0.1", port=server.port),
            [device("meter", 1, METER_POINTS)],
            RecordingSink(),
        )
        await driver.start()
        for _ in range(spins % 12):
            await asyncio.sleep(0)  # land the stop at different points of the connect
        async with asyncio.timeout(5):
            await driver.stop()
