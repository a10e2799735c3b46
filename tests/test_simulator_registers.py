"""Register images built from the templates: every point served, round trips, garbage,
layout (read-only measurements, writable setpoints), and docs/simulator.md up to date."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from drivers.modbus.address import ModbusAddress
from drivers.modbus.codec import decode
from simulator import ManualClock, SimulatorConfig
from simulator.clock import parse_sim_start
from simulator.config import ServedPoint
from simulator.plant import Plant
from simulator.registers import RegisterImage, encode_saturating

CONFIG = SimulatorConfig.default()
NOON = parse_sim_start("2025-07-16T12:30", CONFIG.site.zone)
DOCS = Path(__file__).resolve().parent.parent / "docs" / "simulator.md"


@pytest.fixture(scope="module")
def plant() -> Plant:
    return Plant(ManualClock(NOON), CONFIG.plant, CONFIG.site)


def image_registers(image: RegisterImage, table: str) -> tuple[int, list[int]]:
    blocks = image.simdata(table)
    start = blocks[0].address
    end = blocks[-1].address + len(blocks[-1].values)  # type: ignore[arg-type]
    return start, [0] * (end - start)


def served_values(plant: Plant, role: str) -> dict[str, float]:
    return {**plant.snapshot.readings[role], **plant.settings(role)}


@pytest.mark.parametrize("device", CONFIG.devices, ids=lambda d: d.id)
def test_every_point_round_trips_through_its_registers(plant, device):
    image = RegisterImage(device.points)
    values = served_values(plant, device.role)
    missing = [p.id for p in device.points if p.id not in values]
    assert not missing, f"{device.id}: the plant has no value for {missing}"
    for table in image.tables:
        start, regs = image_registers(image, table)
        image.fill(table, regs, start, values)
        for p in device.points:
            a = p.address
            if a.table != table:
                continue
            got = decode(a, regs[a.start - start : a.start - start + a.width])
            want = float(bool(values[p.id])) if a.bit is not None else float(values[p.id])
            tol = abs(want) * 1e-6 if a.type.startswith("float") else a.scale / 2 + 1e-9
            assert got == pytest.approx(want, abs=tol), f"{device.id}.{p.id}"


def _covers_whole_type(p: ServedPoint) -> bool:
    lim = p.limits
    return bool(lim and lim.max is not None and lim.max >= (2 ** (16 * p.address.width) - 1))


@pytest.mark.parametrize("device", CONFIG.devices, ids=lambda d: d.id)
def test_garbage_is_nan_or_outside_every_limit(plant, device):
    image = RegisterImage(device.points)
    for table in image.tables:
        start, regs = image_registers(image, table)
        image.fill(table, regs, start, served_values(plant, device.role), garbage=True)
        for p in device.points:
            a = p.address
            if a.table != table or p.limits is None or _covers_whole_type(p):
                continue
            v = decode(a, regs[a.start - start : a.start - start + a.width])
            lim = p.limits
            outside = (lim.min is not None and v < lim.min) or (lim.max is not None and v > lim.max)
            assert math.isnan(v) or outside, f"{device.id}.{p.id} = {v} looks valid"


def test_measurements_are_read_only_and_setpoints_writable():
    pcs = next(d for d in CONFIG.devices if d.id == "pcs1")
    image = RegisterImage(pcs.points)
    holding = image.simdata("holding")
    assert [(b.address, len(b.values), b.readonly) for b in holding] == [(100, 7, False)]  # type: ignore[arg-type]
    assert all(b.readonly for b in image.simdata("input"))
    meter = next(d for d in CONFIG.devices if d.id == "meter_grid")
    starts = [b.address for b in RegisterImage(meter.points).simdata("holding")]
    assert starts == [0, 512]  # 30..511 is too wide a gap to fill: undefined


def test_encode_saturates_like_a_device():
    a = ModbusAddress.model_validate({"register": 0, "type": "int16", "scale": 0.1})
    assert decode(a, encode_saturating(a, 1e6)) == pytest.approx(3276.7)
    assert decode(a, encode_saturating(a, -1e6)) == pytest.approx(-3276.8)
    f = ModbusAddress.model_validate({"register": 0, "type": "float32", "word_order": "little"})
    assert math.isnan(decode(f, encode_saturating(f, math.inf)))


def test_simulator_serves_registers_only():
    coil = ServedPoint(
        "x",
        ModbusAddress.model_validate({"table": "coil", "register": 0, "type": "bool"}),
        "digital",
    )
    with pytest.raises(ValueError, match="registers"):
        RegisterImage([coil])


def test_docs_register_map_is_up_to_date():
    from simulator.docgen import render

    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/simulator.md is stale: run `uv run python -m simulator.docgen > docs/simulator.md`"
    )
