"""The demo station file and the shipped templates: valid with the real Modbus driver's
checks, and the site aliases balance (load = PV + grid + BESS) on the simulated plant."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.calc import compile_expression
from app.config.loader import load_station, load_template, validate_template_addresses
from app.drivers_api import DriverRegistry
from app.paths import BUILTIN_TEMPLATES, DEMO_STATION
from app.points import PointValue
from simulator import ManualClock, SimulatorConfig
from simulator.clock import parse_sim_start
from simulator.plant import Plant

REGISTRY = DriverRegistry.from_entry_points()
TEMPLATES = sorted(BUILTIN_TEMPLATES.glob("*.yaml"))
ALIASES = {
    "site.pv_p": "kW",
    "site.load_p": "kW",
    "site.grid_p": "kW",
    "site.bess_p": "kW",
    "site.bess_soc": "%",
}


@pytest.fixture(scope="module")
def station():
    assert "modbus" in REGISTRY, "the Modbus driver is not registered"
    return load_station(DEMO_STATION, REGISTRY)


def test_demo_station_loads_with_every_device(station):
    assert station.info.timezone == "Asia/Shanghai"
    assert station.info.location is not None
    assert (station.info.location.latitude, station.info.location.longitude) == (30.27, 120.15)
    assert set(station.devices) == {
        "pv1", "pv2", "pcs1", "bms1", "meter_grid", "meter_load",
        "tx1", "brk_grid", "brk_pv", "brk_bess", "env1",
    }  # fmt: skip
    units = [d.params.unit_id for d in station.devices.values()]
    assert len(set(units)) == len(units) and all(1 <= u <= 247 for u in units)
    assert all(d.poll_ms == 1000 and d.connection_id == "sim" for d in station.devices.values())
    sim = station.connections["sim"]
    assert (sim.driver, sim.params.host, sim.params.port) == ("modbus", "127.0.0.1", 1502)


def test_site_aliases_exist_with_units(station):
    calc = {p.id: p for p in station.calculated}
    for pid, unit in ALIASES.items():
        assert pid in calc and calc[pid].unit == unit


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_templates_are_valid_and_bilingual(path: Path):
    template = load_template(path)
    assert template.id == path.stem and template.protocol == "modbus"
    validate_template_addresses(path, template, REGISTRY.get("modbus"))
    assert template.name.zh
    assert 5 <= len(template.points) <= 40
    for p in template.points:
        assert p.name.zh, f"{template.id}.{p.id} has no Chinese name"
        assert p.address is not None
        if p.kind in ("setpoint", "command", "analog", "counter"):
            assert p.limits is not None, f"{template.id}.{p.id} needs limits"
        if (p.unit == "kWh" and p.id.endswith("_total")) or p.id in ("e_import", "e_export"):
            assert p.kind == "counter"


def test_register_maps_look_like_real_devices():
    """Float32 and int32 in both word orders, scaled int16, status bits, 64-bit counters."""
    seen: set[tuple[str, str]] = set()
    for path in TEMPLATES:
        t = load_template(path)
        for p in t.points:
            a = {**t.defaults, **(p.address or {})}
            seen.add((a.get("type", "uint16"), a.get("word_order", "big")))
            if "bit" in a:
                seen.add(("bit", ""))
            if a.get("scale", 1) != 1 and a.get("type") == "int16":
                seen.add(("scaled int16", ""))
    for wanted in [
        ("float32", "big"), ("float32", "little"), ("int32", "big"), ("int32", "little"),
        ("uint64", "big"), ("bit", ""), ("scaled int16", ""),
    ]:  # fmt: skip
        assert wanted in seen


def test_every_device_has_a_plant_part(station):
    config = SimulatorConfig.for_station(station)
    assert len(config.devices) == len(station.devices)
    roles = {d.role for d in config.devices}
    assert len(roles) == len(config.devices)
    assert {"pcs", "bms", "grid_meter", "load_meter", "transformer", "environment"} <= roles


@pytest.mark.parametrize(
    "when", ["2025-07-16T03:00", "2025-07-16T10:00", "2025-07-16T13:00", "2025-07-16T18:30"]
)
def test_site_aliases_balance_on_the_plant(station, when):
    config = SimulatorConfig.for_station(station, cloudiness=0.4)
    clock = ManualClock(parse_sim_start(when, config.site.zone))
    plant = Plant(clock, config.plant, config.site, cloudiness=0.4)
    role = {d.id: d.role for d in config.devices}
    calc = {p.id: compile_expression(p.expr or "") for p in station.calculated}
    for _ in range(10):
        clock.advance(1.0)
        snap = plant.refresh()
        values = {
            f"{dev}.{pt}": PointValue(float(v), snap.t)
            for dev, r in role.items()
            for pt, v in snap.readings[r].items()
        }
        site = {pid: calc[pid].evaluate(values, snap.t).as_float() for pid in ALIASES}
        load = site["site.load_p"]
        parts = site["site.pv_p"] + site["site.grid_p"] + site["site.bess_p"]
        assert abs(load - parts) <= max(0.01 * load, 2.0)
        assert site["site.pv_p"] >= 0 and load >= 0 and 0 <= site["site.bess_soc"] <= 100
