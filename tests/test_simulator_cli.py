"""`simulate` command line and the synthetic benchmark server."""

from __future__ import annotations

import argparse
import math

import pytest
from pymodbus.client import AsyncModbusTcpClient

from app.config.loader import load_station
from drivers.modbus.address import ModbusAddress
from drivers.modbus.codec import decode
from simulator.cli import add_simulate_parser, run_simulate
from simulator.synthetic import (
    FRAMES,
    SyntheticServer,
    expected_value,
    synthetic_template,
    write_synthetic_station,
)

pytestmark = pytest.mark.timeout(60)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    add_simulate_parser(sub)
    return parser.parse_args(["simulate", *argv])


def test_parser_defaults():
    args = parse()
    assert (args.modbus_port, args.host, args.sim_start, args.pcs_mode) == (
        1502,
        "127.0.0.1",
        None,
        "local",
    )


async def test_run_simulate_serves_and_prints_port_and_units(capsys):
    rc = await run_simulate(
        parse("--modbus-port", "0", "--duration", "0.2", "--sim-start", "12:00")
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "listening on 127.0.0.1:" in out
    assert "meter_grid" in out and "grid_meter" in out and "simulator stopped" in out


async def test_run_simulate_rejects_bad_input(capsys, tmp_path):
    assert await run_simulate(parse("--sim-start", "teatime", "--modbus-port", "0")) == 2
    assert "HH:MM" in capsys.readouterr().err
    bad = tmp_path / "station.yaml"
    bad.write_text("station: {id: x, name: {en: X}}\nconnectionz: []\n", encoding="utf-8")
    assert await run_simulate(parse("--config", str(bad), "--modbus-port", "0")) == 2
    assert "connectionz" in capsys.readouterr().err


def test_synthetic_station_files_load(tmp_path):
    station = load_station(
        write_synthetic_station(tmp_path, "127.0.0.1", 1502, devices=3, points=7)
    )
    assert sorted(station.devices) == ["dev01", "dev02", "dev03"]
    assert len(station.devices["dev02"].points) == 7
    assert len(synthetic_template(100)["points"]) == 100


async def test_synthetic_server_serves_changing_floats():
    server = SyntheticServer(devices=3, points=10)
    port = await server.start()
    client = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=1, retries=0)
    try:
        assert await client.connect()
        a = ModbusAddress.model_validate({"register": 0, "type": "float32"})
        r = await client.read_holding_registers(0, count=20, device_id=2)
        values = [decode(a, r.registers[2 * i : 2 * i + 2]) for i in range(10)]
        frame_values = {f: [expected_value(2, i, f) for i in range(10)] for f in range(FRAMES)}
        assert any(
            all(math.isclose(v, w, rel_tol=1e-6) for v, w in zip(values, fv, strict=True))
            for fv in frame_values.values()
        )
    finally:
        client.close()
        await server.stop()
