"""Encode and decode point values to and from registers with pymodbus's own converters.

Shared by the driver (decode what it reads, encode what it writes) and the simulator
(encode the plant's state), so both sides of the wire agree by construction.
"""

from __future__ import annotations

import math

from pymodbus.client.mixin import ModbusClientMixin

from drivers.modbus.address import ModbusAddress

_DT = ModbusClientMixin.DATATYPE
_TYPES = {
    "int16": _DT.INT16,
    "uint16": _DT.UINT16,
    "int32": _DT.INT32,
    "uint32": _DT.UINT32,
    "int64": _DT.INT64,
    "uint64": _DT.UINT64,
    "float32": _DT.FLOAT32,
    "float64": _DT.FLOAT64,
}
_RANGES = {
    "int16": (-(2**15), 2**15 - 1),
    "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}


class EncodeError(ValueError):
    """A value that cannot be represented in the point's register type."""


def _swap_bytes(registers: list[int]) -> list[int]:
    return [((r & 0xFF) << 8) | (r >> 8) for r in registers]


def decode_raw(address: ModbusAddress, registers: list[int]) -> int | float:
    """The raw number in ``registers`` (exactly ``address.width`` of them), before scaling."""
    regs = _swap_bytes(registers) if address.byte_order == "little" else list(registers)
    raw = ModbusClientMixin.convert_from_registers(
        regs, _TYPES[address.type], word_order=address.word_order
    )
    assert isinstance(raw, int | float)
    return raw


def decode(address: ModbusAddress, registers: list[int]) -> float:
    """Engineering value of a register point; may be NaN/inf for garbage floats."""
    raw = decode_raw(address, registers)
    if address.bit is not None:
        # bits are numbered over the unsigned pattern, whatever the declared sign
        raw = int(raw) & ((1 << (16 * address.width)) - 1)
        return float((raw >> address.bit) & 1)
    return float(raw) * address.scale + address.offset


def encode(address: ModbusAddress, value: float) -> list[int]:
    """Registers holding ``value``; raises EncodeError when it does not fit the type."""
    if address.bit is not None:
        raise EncodeError("a single bit of a register cannot be written on its own")
    if not math.isfinite(value):
        raise EncodeError(f"{value} is not a finite number")
    raw: int | float = (value - address.offset) / address.scale
    if not address.type.startswith("float"):
        raw = round(raw)
        lo, hi = _RANGES[address.type]
        if not lo <= raw <= hi:
            raise EncodeError(f"{value} is outside the range of {address.type} (scaled: {raw})")
    regs = ModbusClientMixin.convert_to_registers(
        raw, _TYPES[address.type], word_order=address.word_order
    )
    return _swap_bytes(regs) if address.byte_order == "little" else regs


def set_bit(word: int, bit: int, on: bool) -> int:
    """A status word with one bit set or cleared (the simulator builds status words this way)."""
    return word | (1 << bit) if on else word & ~(1 << bit)
