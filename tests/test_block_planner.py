"""Block coalescing: as few reads as the limits allow, never a value split across two."""

from __future__ import annotations

from drivers.modbus.address import ModbusAddress
from drivers.modbus.planner import plan_blocks


def addr(register: int, type: str = "uint16", table: str = "holding", **kw: object):
    return ModbusAddress.model_validate({"register": register, "type": type, "table": table, **kw})


def spans(blocks):
    return [(b.table, b.start, b.count) for b in blocks]


def test_contiguous_points_make_one_block():
    points = {"a": addr(0), "b": addr(1, "float32"), "c": addr(3, "int64")}
    blocks = plan_blocks(points)
    assert spans(blocks) == [("holding", 0, 7)]
    assert [pid for pid, _ in blocks[0].points] == ["a", "b", "c"]


def test_small_gaps_are_bridged_and_large_ones_split():
    points = {"a": addr(0), "b": addr(11), "c": addr(23)}  # gaps of 10 and 11 registers
    assert spans(plan_blocks(points, max_gap=10)) == [("holding", 0, 12), ("holding", 23, 1)]
    assert spans(plan_blocks(points, max_gap=0)) == [
        ("holding", 0, 1),
        ("holding", 11, 1),
        ("holding", 23, 1),
    ]


def test_blocks_respect_max_block_and_never_split_a_value():
    # float32 values at 0, 2, 4, ...: a limit of 5 registers fits two of them, not two and a half
    points = {f"p{i}": addr(2 * i, "float32") for i in range(5)}
    blocks = plan_blocks(points, max_block=5, max_gap=10)
    assert spans(blocks) == [("holding", 0, 4), ("holding", 4, 4), ("holding", 8, 2)]
    for block in blocks:
        for _, a in block.points:
            assert block.start <= a.start and a.start + a.width <= block.end


def test_125_register_limit_with_real_sizes():
    points = {f"p{i}": addr(i, "uint16") for i in range(300)}
    blocks = plan_blocks(points, max_block=125, max_gap=10)
    assert spans(blocks) == [("holding", 0, 125), ("holding", 125, 125), ("holding", 250, 50)]
    assert sum(len(b.points) for b in blocks) == 300


def test_tables_are_planned_apart():
    points = {
        "h": addr(0),
        "i": addr(1, table="input"),
        "c": addr(2, "bool", table="coil"),
        "d": addr(3, "bool", table="discrete"),
    }
    assert spans(plan_blocks(points)) == [
        ("holding", 0, 1),
        ("input", 1, 1),
        ("coil", 2, 1),
        ("discrete", 3, 1),
    ]


def test_bits_of_one_status_word_share_the_read():
    points = {f"b{n}": addr(40, "uint16", bit=n) for n in range(16)} | {"word": addr(40)}
    blocks = plan_blocks(points)
    assert spans(blocks) == [("holding", 40, 1)]
    assert len(blocks[0].points) == 17


def test_overlapping_views_of_the_same_registers():
    # a 32-bit counter and its low word as a separate point
    points = {"counter": addr(10, "uint32"), "low": addr(11), "next": addr(12)}
    assert spans(plan_blocks(points, max_gap=0)) == [("holding", 10, 3)]


def test_coil_blocks_bridge_more_addresses_and_stop_at_2000_bits():
    coils = {f"c{i}": addr(i * 100, "bool", table="coil") for i in range(30)}  # 0..2900
    blocks = plan_blocks(coils, max_gap=10)  # 10 registers' worth = 160 bits of gap
    assert spans(blocks) == [("coil", 0, 1901), ("coil", 2000, 901)]
    assert all(b.count <= 2000 for b in blocks)


def test_unsorted_input_is_planned_in_address_order():
    points = {"z": addr(5), "a": addr(3), "m": addr(4)}
    (block,) = plan_blocks(points)
    assert (block.start, block.count) == (3, 3)
    assert [pid for pid, _ in block.points] == ["a", "m", "z"]


def test_no_points_no_blocks():
    assert plan_blocks({}) == []
