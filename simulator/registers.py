"""A device's register image, laid out from its template's point map.

Values go in through drivers/modbus/codec.py ``encode`` (the driver decodes with the same
module); status words are assembled bit by bit with ``set_bit``. Registers between two
points of a table are served as zeros up to MAX_FILL_GAP apart, as real devices answer their
reserved registers, so a client may bridge small gaps; farther apart the range is undefined
and answers exception 02. Registers that no setpoint covers are read-only (a write answers
exception 02), like a real device's measurement registers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pymodbus.client.mixin import ModbusClientMixin
from pymodbus.simulator import DataType, SimData

from drivers.modbus.address import ModbusAddress
from drivers.modbus.codec import EncodeError, decode, encode, set_bit
from simulator.config import ServedPoint

MAX_FILL_GAP = 64
REGISTER_TABLES = ("holding", "input")


@dataclass(frozen=True)
class _Word:
    """One integer register value: a plain point, or a status word made of bit points."""

    address: ModbusAddress  # without bit/scale for a status word
    point: str | None  # the point it carries, None for a status word
    bits: tuple[tuple[int, str], ...] = ()


def _word_address(address: ModbusAddress) -> ModbusAddress:
    return address.model_copy(update={"bit": None, "scale": 1.0, "offset": 0.0})


def raw_registers(address: ModbusAddress, raw: int | float) -> list[int]:
    """Registers of an unscaled raw number, NaN included (``encode`` refuses those)."""
    dt = getattr(ModbusClientMixin.DATATYPE, address.type.upper())
    regs = ModbusClientMixin.convert_to_registers(raw, dt, word_order=address.word_order)
    if address.byte_order == "little":
        regs = [((r & 0xFF) << 8) | (r >> 8) for r in regs]
    return regs


def _int_range(address: ModbusAddress) -> tuple[int, int]:
    bits = 16 * address.width
    if address.type.startswith("u"):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def garbage_registers(address: ModbusAddress) -> list[int]:
    """What a confused device sends: NaN floats, integers at the top of their range."""
    if address.type.startswith("float"):
        return raw_registers(address, math.nan)
    return raw_registers(address, _int_range(address)[1])


def encode_saturating(address: ModbusAddress, value: float) -> list[int]:
    """``encode``, but a value beyond the type's range pins at its end, like a device."""
    try:
        return encode(address, value)
    except EncodeError:
        if not math.isfinite(value) or address.type.startswith("float"):
            return garbage_registers(address)
        lo, hi = _int_range(address)
        raw = round((value - address.offset) / address.scale)
        return raw_registers(address, max(lo, min(hi, raw)))


class RegisterImage:
    """The holding and input tables of one device and how its points map onto them."""

    def __init__(self, points: Sequence[ServedPoint]) -> None:
        self.points = {p.id: p for p in points}
        self._words: dict[str, list[_Word]] = defaultdict(list)
        self._spans: dict[str, set[int]] = defaultdict(set)  # registers used per table
        self._writable: dict[str, set[int]] = defaultdict(set)
        bit_groups: dict[tuple[str, int], list[ServedPoint]] = defaultdict(list)
        for p in points:
            a = p.address
            if a.table not in REGISTER_TABLES:
                raise ValueError(f"point {p.id}: the simulator serves registers, not {a.table}")
            regs = range(a.start, a.start + a.width)
            self._spans[a.table].update(regs)
            if p.writable:
                self._writable[a.table].update(regs)
            if a.bit is not None:
                bit_groups[(a.table, a.start)].append(p)
            else:
                self._words[a.table].append(_Word(a, p.id))
        for (table, _), members in bit_groups.items():
            word = _word_address(members[0].address)
            bits = tuple((m.address.bit or 0, m.id) for m in members)
            self._words[table].append(_Word(word, None, bits))

    @property
    def tables(self) -> list[str]:
        return [t for t in REGISTER_TABLES if self._spans.get(t)]

    def simdata(self, table: str) -> list[SimData]:
        """pymodbus blocks for ``table``: runs of defined registers, read-only unless a
        setpoint covers them."""
        used = sorted(self._spans.get(table, ()))
        if not used:
            return []
        defined: list[int] = []
        for prev, reg in zip([None, *used], used, strict=False):
            if prev is not None and 1 < reg - prev <= MAX_FILL_GAP + 1:
                defined.extend(range(prev + 1, reg))
            defined.append(reg)
        blocks: list[SimData] = []
        run: list[int] = []
        for reg in defined:
            writable = reg in self._writable[table]
            if run and (reg != run[-1] + 1 or writable != (run[-1] in self._writable[table])):
                blocks.append(self._block(table, run))
                run = []
            run.append(reg)
        blocks.append(self._block(table, run))
        return blocks

    def _block(self, table: str, run: list[int]) -> SimData:
        return SimData(
            address=run[0],
            values=[0] * len(run),
            datatype=DataType.REGISTERS,
            readonly=run[0] not in self._writable[table],
        )

    def fill(
        self,
        table: str,
        registers: list[int],
        start_address: int,
        values: Mapping[str, float | bool],
        garbage: bool = False,
    ) -> None:
        """Write ``values`` (point id -> engineering value) into pymodbus's register list."""
        for word in self._words.get(table, ()):
            a = word.address
            if garbage:
                regs = garbage_registers(a)
            elif word.point is not None:
                regs = encode_saturating(a, float(values[word.point]))
            else:
                raw = 0
                for bit, pid in word.bits:
                    raw = set_bit(raw, bit, bool(values[pid]))
                regs = encode(a, raw)
            i = a.start - start_address
            registers[i : i + len(regs)] = regs

    def decode_write(
        self,
        registers: list[int],
        start_address: int,
        address: int,
        new_values: Sequence[int],
    ) -> list[tuple[ServedPoint, float]]:
        """The setpoints a holding-register write touches, decoded as they will read."""
        end = address + len(new_values)
        out = []
        for p in self.points.values():
            a = p.address
            if not p.writable or a.start >= end or a.start + a.width <= address:
                continue
            regs = [
                new_values[r - address] if address <= r < end else registers[r - start_address]
                for r in range(a.start, a.start + a.width)
            ]
            out.append((p, decode(a, regs)))
        return out
