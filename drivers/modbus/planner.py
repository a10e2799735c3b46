"""Block planning: coalesce a device's points into as few read requests as the limits allow.

A pure function of the points' addresses, so it is planned once per device at start and
tested without a wire. Points are grouped per table, sorted by address, and joined into one
block while the gap to the next point is at most ``max_gap`` and the block stays within
``max_block`` registers (a bit table: 2000 bits). A multi-register value is never split:
a block always holds whole values, and points may overlap (bits of one status word).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drivers.modbus.address import ModbusAddress, Table
from drivers.modbus.params import MAX_READ_BITS

TABLES: tuple[Table, ...] = ("holding", "input", "coil", "discrete")
# a bridged coil costs 1/16 of a bridged register on the wire
BITS_PER_REGISTER = 16


@dataclass(frozen=True)
class Block:
    """One read request: ``count`` registers (or bits) of ``table`` from ``start``."""

    table: Table
    start: int
    count: int
    points: tuple[tuple[str, ModbusAddress], ...]

    @property
    def end(self) -> int:
        return self.start + self.count

    def __hash__(self) -> int:
        # blocks key per-poll lookups: hash the request, not every point's address model
        return hash((self.table, self.start, self.count))

    def __str__(self) -> str:
        return f"{self.table} {self.start}..{self.end - 1}"


def plan_blocks(
    points: Mapping[str, ModbusAddress], max_block: int = 120, max_gap: int = 10
) -> list[Block]:
    """Block reads covering every point of ``points`` (point id -> address), table by table."""
    blocks: list[Block] = []
    for table in TABLES:
        members = sorted(
            ((pid, a) for pid, a in points.items() if a.table == table),
            key=lambda item: (item[1].start, item[1].width, item[0]),
        )
        if not members:
            continue
        bits = members[0][1].is_bit_table
        limit = MAX_READ_BITS if bits else max_block
        gap = max_gap * BITS_PER_REGISTER if bits else max_gap
        blocks += _coalesce(table, members, limit, gap)
    return blocks


def _coalesce(
    table: Table, members: list[tuple[str, ModbusAddress]], limit: int, gap: int
) -> list[Block]:
    blocks: list[Block] = []
    start = end = 0
    current: list[tuple[str, ModbusAddress]] = []
    for pid, address in members:
        point_end = address.start + address.width
        if current and address.start - end <= gap and max(end, point_end) - start <= limit:
            end = max(end, point_end)
            current.append((pid, address))
            continue
        if current:
            blocks.append(Block(table, start, end - start, tuple(current)))
        start, end, current = address.start, point_end, [(pid, address)]
    blocks.append(Block(table, start, end - start, tuple(current)))
    return blocks
