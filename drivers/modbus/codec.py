"""Encode and decode point values to and from registers with pymodbus's own converters.

Shared by the driver (decode what it reads, encode what it writes) and the simulator
(encode the plant's state), so both sides of the wire agree by construction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pymodbus.client.mixin import ModbusClientMixin

from drivers.modbus.address import WIDTH, ModbusAddress

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
_FLOAT32_MAX = 3.4028234663852886e38


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


# numpy dtypes of the register types, big-endian as they travel (for whole runs at once)
_NP_TYPES = {
    "int16": ">i2",
    "uint16": ">u2",
    "int32": ">i4",
    "uint32": ">u4",
    "int64": ">i8",
    "uint64": ">u8",
    "float32": ">f4",
    "float64": ">f8",
}


def decode_raw_run(
    data_type: str, word_order: str, byte_order: str, registers: Sequence[int]
) -> np.ndarray:
    """Raw numbers of consecutive values of one format, decoded at once (the hot path).

    The same bytes as ``convert_from_registers`` reads, viewed as a numpy array;
    tests/test_codec.py checks the two agree for every type and order.
    """
    regs = np.asarray(registers, dtype=">u2")
    if byte_order == "little":
        regs = regs.byteswap()
    width = WIDTH[data_type]
    if word_order == "little" and width > 1:
        regs = regs.reshape(-1, width)[:, ::-1]
    return np.frombuffer(np.ascontiguousarray(regs).tobytes(), dtype=_NP_TYPES[data_type])


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
    if address.type == "bool":
        raise EncodeError("a coil is written with encode_coil")
    raw: int | float
    if address.type.startswith("float"):
        raw = (value - address.offset) / address.scale
        if address.type == "float32" and abs(raw) > _FLOAT32_MAX:
            raise EncodeError(f"{value} is outside the range of float32")
    else:
        raw = _raw_integer(address, value)
        lo, hi = _RANGES[address.type]
        if not lo <= raw <= hi:
            raise EncodeError(f"{value} is outside the range of {address.type} (scaled: {raw})")
    regs = ModbusClientMixin.convert_to_registers(
        raw, _TYPES[address.type], word_order=address.word_order
    )
    return _swap_bytes(regs) if address.byte_order == "little" else regs


def decode_bit(bit: bool) -> float:
    """Value of a coil or discrete input: 1.0 or 0.0, like a bit of a status word."""
    return 1.0 if bit else 0.0


def encode_coil(value: float) -> bool:
    """The coil state for ``value``; only 0 and 1 are accepted (no silent truthiness)."""
    if value not in (0, 1):
        raise EncodeError(f"{value} is not a coil state (0 or 1)")
    return bool(value)


def _raw_integer(address: ModbusAddress, value: float) -> int:
    if isinstance(value, int) and address.scale == 1 and float(address.offset).is_integer():
        # exact: a 64-bit counter would lose its low digits on a trip through float
        return value - int(address.offset)
    return round((value - address.offset) / address.scale)


def set_bit(word: int, bit: int, on: bool) -> int:
    """A status word with one bit set or cleared (the simulator builds status words this way)."""
    return word | (1 << bit) if on else word & ~(1 << bit)
