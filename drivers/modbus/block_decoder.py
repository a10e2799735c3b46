"""Turn one block's response into point values: decode, then judge each value's quality.

NaN and infinity are garbage (value dropped, bad:invalid); a value outside the point's
limits is kept but marked bad:invalid, so the operator sees what the device claimed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from app.config.schema import Limits
from app.points import PointValue, Quality
from drivers.modbus.codec import decode, decode_bit
from drivers.modbus.planner import Block


def judge(value: float, limits: Limits | None) -> Quality:
    """The quality a freshly decoded value deserves."""
    if not math.isfinite(value):
        return Quality.BAD_INVALID
    if limits is not None and (
        (limits.min is not None and value < limits.min)
        or (limits.max is not None and value > limits.max)
    ):
        return Quality.BAD_INVALID
    return Quality.GOOD


def decode_block(
    block: Block,
    data: Sequence[int] | Sequence[bool],
    ts: float,
    limits: Mapping[str, Limits | None],
) -> dict[str, PointValue]:
    """Values of every point in ``block``; ``data`` holds the registers (or bits) read from
    ``block.start``; ``ts`` is when the response arrived (UTC epoch seconds)."""
    values: dict[str, PointValue] = {}
    for pid, address in block.points:
        offset = address.start - block.start
        if offset + address.width > len(data):
            # the device answered with fewer registers than asked: nothing usable
            values[pid] = PointValue(None, ts, Quality.BAD_INVALID)
            continue
        if address.is_bit_table:
            value = decode_bit(bool(data[offset]))
        else:
            value = decode(address, [int(r) for r in data[offset : offset + address.width]])
        quality = judge(value, limits.get(pid))
        values[pid] = PointValue(value if math.isfinite(value) else None, ts, quality)
    return values
