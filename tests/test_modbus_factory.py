"""The Modbus factory's validation: connection, device and address parameters, and the messages
the config loader shows for them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from app.config.errors import ConfigError
from app.config.loader import load_station
from app.drivers_api import Driver, DriverRegistry
from drivers.modbus import ModbusDriverFactory, RtuParams, TcpParams
from tests.test_modbus_support import RecordingSink, connection, device, point

FACTORY = ModbusDriverFactory()


def test_registered_under_the_entry_point():
    registry = DriverRegistry.from_entry_points()
    assert isinstance(registry.get("modbus"), ModbusDriverFactory)


def test_tcp_is_the_default_transport_with_sensible_defaults():
    params = FACTORY.validate_connection({"host": "10.0.0.5"})
    assert isinstance(params, TcpParams)
    assert (params.port, params.timeout_s, params.retries) == (502, 1.0, 0)
    assert (params.max_block, params.max_gap) == (120, 10)


def test_rtu_parameters():
    params = FACTORY.validate_connection(
        {"transport": "rtu", "serial_port": "/dev/ttyUSB0", "parity": "E", "stopbits": 2}
    )
    assert isinstance(params, RtuParams)
    assert (params.baudrate, params.parity, params.stopbits, params.bytesize) == (9600, "E", 2, 8)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"host": "h", "prot": 502}, "prot"),
        ({"host": "h", "port": 70000}, "port"),
        ({"port": 502}, "host"),
        ({"host": "h", "max_block": 126}, "max_block"),
        ({"host": "h", "timeout_s": 0}, "timeout_s"),
        ({"transport": "udp", "host": "h"}, "transport"),
        ({"transport": "rtu"}, "serial_port"),
        ({"transport": "rtu", "serial_port": "/dev/x", "parity": "X"}, "parity"),
        ({"transport": "rtu", "serial_port": "/dev/x", "host": "h"}, "host"),
    ],
)
def test_bad_connection_parameters_name_the_field(params, field):
    with pytest.raises(ValidationError) as info:
        FACTORY.validate_connection(params)
    assert field in {str(p) for e in info.value.errors() for p in e["loc"]}


def test_device_parameters():
    assert FACTORY.validate_device({"unit_id": 247}).unit_id == 247
    assert FACTORY.validate_device({}).unit_id == 1
    for bad in ({"unit_id": 0}, {"unit_id": 248}, {"unit": 3}):
        with pytest.raises(ValidationError):
            FACTORY.validate_device(bad)


def test_setpoints_and_commands_must_be_writable():
    holding = FACTORY.validate_address({"register": 3, "type": "int16"}, {}, "setpoint")
    assert holding.is_writable
    coil = FACTORY.validate_address({"table": "coil", "register": 1, "type": "bool"}, {}, "command")
    assert coil.is_writable
    with pytest.raises(ValidationError, match="writable table"):
        FACTORY.validate_address({"table": "input", "register": 3}, {}, "setpoint")
    with pytest.raises(ValidationError, match="writable table"):
        FACTORY.validate_address(
            {"table": "discrete", "register": 3, "type": "bool"}, {}, "command"
        )
    with pytest.raises(ValidationError, match="single bit"):
        FACTORY.validate_address({"register": 3, "bit": 2}, {}, "command")
    # reading the same places is fine
    assert not FACTORY.validate_address({"table": "input", "register": 3}, {}, "analog").is_writable


def test_loader_reports_a_read_only_setpoint_with_file_and_field(tmp_path: Path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "bad_pcs.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "bad_pcs",
                "name": {"en": "PCS"},
                "protocol": "modbus",
                "points": [
                    point("p", {"table": "input", "register": 0}, kind="analog"),
                    point("p_set", {"table": "input", "register": 1}, kind="setpoint"),
                ],
            }
        )
    )
    station = tmp_path / "station.yaml"
    station.write_text(
        yaml.safe_dump(
            {
                "station": {"id": "s", "name": {"en": "S"}},
                "template_dirs": ["templates"],
                "connections": [
                    {"id": "c", "driver": "modbus", "params": {"host": "h", "max_gap": -1}}
                ],
                "devices": [{"id": "pcs", "template": "bad_pcs", "connection": "c"}],
            }
        )
    )
    with pytest.raises(ConfigError) as info:
        load_station(station)
    text = str(info.value)
    assert "connections[0].params.max_gap" in text
    station.write_text(station.read_text().replace("max_gap: -1", "max_gap: 0"))
    with pytest.raises(ConfigError) as info:
        load_station(station)
    (issue,) = info.value.issues
    assert issue.field == "points[1].address" and "writable table" in issue.message


def test_create_builds_a_driver():
    driver = FACTORY.create(
        connection(host="127.0.0.1"),
        [device("d", 1, [point("p", {"register": 0})])],
        RecordingSink(),
    )
    assert isinstance(driver, Driver)
