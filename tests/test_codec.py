"""Register encoding and decoding: known wire patterns for every type and order, round trips,
scale/offset, bits of status words and values that do not fit."""

from __future__ import annotations

import math
import random

import pytest
from pydantic import ValidationError

from drivers.modbus.address import ModbusAddress
from drivers.modbus.codec import (
    EncodeError,
    decode,
    decode_bit,
    decode_raw,
    decode_raw_run,
    encode,
    encode_coil,
    set_bit,
)


def addr(**kw: object) -> ModbusAddress:
    return ModbusAddress.model_validate({"register": 0, **kw})


# (type, word_order, value, registers on the wire with big byte order), written out by hand
KNOWN = [
    ("int16", "big", -2, [0xFFFE]),
    ("uint16", "big", 65535, [0xFFFF]),
    ("int32", "big", -2, [0xFFFF, 0xFFFE]),
    ("int32", "little", -2, [0xFFFE, 0xFFFF]),
    ("uint32", "big", 0x12345678, [0x1234, 0x5678]),
    ("uint32", "little", 0x12345678, [0x5678, 0x1234]),
    ("int64", "big", -(2**40), [0xFFFF, 0xFF00, 0x0000, 0x0000]),
    ("int64", "little", -(2**40), [0x0000, 0x0000, 0xFF00, 0xFFFF]),
    ("uint64", "big", 0x0102030405060708, [0x0102, 0x0304, 0x0506, 0x0708]),
    ("uint64", "little", 0x0102030405060708, [0x0708, 0x0506, 0x0304, 0x0102]),
    ("float32", "big", 1.0, [0x3F80, 0x0000]),
    ("float32", "little", 1.0, [0x0000, 0x3F80]),
    ("float32", "big", -2.5, [0xC020, 0x0000]),
    ("float64", "big", 1.0, [0x3FF0, 0, 0, 0]),
    ("float64", "little", 1.0, [0, 0, 0, 0x3FF0]),
]


@pytest.mark.parametrize(("dtype", "word_order", "value", "registers"), KNOWN)
def test_known_patterns_decode_and_encode(dtype, word_order, value, registers):
    a = addr(type=dtype, word_order=word_order)
    assert decode_raw(a, registers) == value
    assert decode(a, registers) == float(value)
    assert encode(a, value) == registers


@pytest.mark.parametrize(("dtype", "word_order", "value", "registers"), KNOWN)
def test_little_byte_order_swaps_bytes_within_each_register(dtype, word_order, value, registers):
    a = addr(type=dtype, word_order=word_order, byte_order="little")
    swapped = [((r & 0xFF) << 8) | (r >> 8) for r in registers]
    assert decode_raw(a, swapped) == value
    assert encode(a, value) == swapped


@pytest.mark.parametrize("dtype", ["int16", "uint16", "int32", "uint32", "int64", "uint64"])
@pytest.mark.parametrize("word_order", ["big", "little"])
def test_integer_extremes_round_trip(dtype, word_order):
    bits = {"16": 16, "32": 32, "64": 64}[dtype[-2:]]
    signed = not dtype.startswith("u")
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    a = addr(type=dtype, word_order=word_order)
    for value in (lo, hi, 0, 1):
        regs = encode(a, value)
        assert len(regs) == a.width
        assert all(0 <= r <= 0xFFFF for r in regs)
        assert decode_raw(a, regs) == value


def test_scale_and_offset_apply_both_ways():
    a = addr(type="int16", scale=0.1, offset=-40)
    assert decode(a, [0xFFFF]) == pytest.approx(-40.1)  # raw -1
    assert decode(a, [650]) == pytest.approx(25.0)
    assert encode(a, 25.0) == [650]
    assert encode(a, -40.1) == [0xFFFF]


def test_scaled_value_rounds_to_nearest_raw():
    a = addr(type="uint16", scale=0.01)
    assert encode(a, 1.234) == [123]
    assert encode(a, 1.236) == [124]


@pytest.mark.parametrize(
    ("dtype", "value"),
    [
        ("int16", 32768),
        ("int16", -32769),
        ("uint16", -1),
        ("uint16", 65536),
        ("int32", 2**31),
        ("uint32", -1),
        ("uint64", 2**64),
        ("float32", 1e39),
    ],
)
def test_values_that_do_not_fit_are_refused(dtype, value):
    with pytest.raises(EncodeError):
        encode(addr(type=dtype), value)


def test_scale_counts_towards_the_range():
    # 700 kW at 0.1 kW per count is 7000 counts: fine; 4000 kW is 40000: not an int16
    a = addr(type="int16", scale=0.1)
    assert encode(a, 700) == [7000]
    with pytest.raises(EncodeError, match="int16"):
        encode(a, 4000)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused(value):
    with pytest.raises(EncodeError):
        encode(addr(type="float32"), value)


def test_garbage_float_decodes_to_nan():
    assert math.isnan(decode(addr(type="float32"), [0x7FC0, 0x0000]))
    assert math.isinf(decode(addr(type="float32"), [0x7F80, 0x0000]))


def test_bits_of_a_status_word():
    word = 0b1000_0000_0000_0101
    assert [decode(addr(type="uint16", bit=b), [word]) for b in (0, 1, 2, 15)] == [1, 0, 1, 1]
    # bits are counted over the unsigned pattern even when the word is declared signed
    assert decode(addr(type="int16", bit=15), [0x8000]) == 1.0
    # bit 16 of a 32-bit word lives in the high register (big word order)
    assert decode(addr(type="uint32", bit=16), [0x0001, 0x0000]) == 1.0
    assert decode(addr(type="uint32", bit=16, word_order="little"), [0x0000, 0x0001]) == 1.0


def test_a_bit_cannot_be_encoded_alone():
    with pytest.raises(EncodeError, match="bit"):
        encode(addr(type="uint16", bit=3), 1)


def test_set_bit_builds_status_words():
    assert set_bit(0, 3, True) == 8
    assert set_bit(0xFF, 0, False) == 0xFE


def test_coils():
    assert decode_bit(True) == 1.0
    assert decode_bit(False) == 0.0
    assert encode_coil(1) is True
    assert encode_coil(0.0) is False
    for bad in (2, 0.5, -1, math.nan):
        with pytest.raises(EncodeError):
            encode_coil(bad)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"table": "coil", "type": "uint16"}, "single bits"),
        ({"type": "bool"}, "coil/discrete"),
        ({"type": "float32", "bit": 1}, "integer type"),
        ({"type": "uint16", "bit": 16}, "outside"),
        ({"scale": 0}, "scale"),
        ({"register": 65535, "type": "uint32"}, "65535"),
        ({"registr": 4}, "Extra inputs"),
    ],
)
def test_inconsistent_addresses_are_rejected(fields, message):
    with pytest.raises(ValidationError, match=message):
        ModbusAddress.model_validate({"register": 0, **fields})


def test_template_defaults_apply_under_each_point():
    a = ModbusAddress.from_template({"register": 10, "type": "float32"}, {"word_order": "little"})
    assert (a.start, a.word_order, a.width) == (10, "little", 2)
    b = ModbusAddress.from_template({"register": 10, "word_order": "big"}, {"word_order": "little"})
    assert b.word_order == "big"


@pytest.mark.parametrize(
    "dtype", ["int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"]
)
@pytest.mark.parametrize("word_order", ["big", "little"])
@pytest.mark.parametrize("byte_order", ["big", "little"])
def test_run_decoding_agrees_with_pymodbus_converters(dtype, word_order, byte_order):
    # the driver's hot path decodes a whole run with numpy: it must read what pymodbus reads
    rng = random.Random(f"{dtype}{word_order}{byte_order}")
    address = ModbusAddress(register=0, type=dtype, word_order=word_order, byte_order=byte_order)
    registers = [rng.randrange(65536) for _ in range(address.width * 25)]
    run = decode_raw_run(dtype, word_order, byte_order, registers).tolist()
    one_by_one = [
        decode_raw(address, registers[i : i + address.width])
        for i in range(0, len(registers), address.width)
    ]
    same = [
        a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(run, one_by_one, strict=True)
    ]
    assert all(same)
