"""Turn one block's response into point values: decode, then judge each value's quality.

NaN and infinity are garbage (value dropped, bad:invalid); a value outside the point's
limits is kept but marked bad:invalid, so the operator sees what the device claimed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from app.config.schema import Limits
from app.points import PointValue, Quality
from drivers.modbus.address import ModbusAddress
from drivers.modbus.codec import decode, decode_bit, decode_raw_run
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


@dataclass(frozen=True)
class _Run:
    """Consecutive points of one format (type, word and byte order; no bits): one decode."""

    offset: int  # first register, from the block's start
    width: int  # registers per value
    data_type: str
    word_order: str
    byte_order: str
    points: tuple[tuple[str, float, float, Limits | None], ...]  # id, scale, offset, limits


@dataclass(frozen=True)
class _RunArrays:
    """A run's per-point constants as arrays, so a poll scales and checks them at once."""

    ids: tuple[str, ...]
    scale: np.ndarray
    offset: np.ndarray
    low: np.ndarray  # -inf where a point has no lower limit
    high: np.ndarray

    @classmethod
    def of(cls, run: _Run) -> _RunArrays:
        def bound(lim: Limits | None, attr: str, default: float) -> float:
            value = getattr(lim, attr) if lim is not None else None
            return default if value is None else float(value)

        pts = run.points
        return cls(
            ids=tuple(p[0] for p in pts),
            scale=np.array([p[1] for p in pts]),
            offset=np.array([p[2] for p in pts]),
            low=np.array([bound(p[3], "min", -math.inf) for p in pts]),
            high=np.array([bound(p[3], "max", math.inf) for p in pts]),
        )


def _runs(block: Block, limits: Mapping[str, Limits | None]) -> tuple[list[_Run], list]:
    runs: list[_Run] = []
    singles = []
    for pid, a in block.points:
        if a.is_bit_table or a.bit is not None:
            singles.append((pid, a))
            continue
        offset = a.start - block.start
        entry = (pid, a.scale, a.offset, limits.get(pid))
        last = runs[-1] if runs else None
        if (
            last is not None
            and (last.data_type, last.word_order, last.byte_order)
            == (a.type, a.word_order, a.byte_order)
            and last.offset + last.width * len(last.points) == offset
        ):
            runs[-1] = dataclasses.replace(last, points=(*last.points, entry))
        else:
            runs.append(_Run(offset, a.width, a.type, a.word_order, a.byte_order, (entry,)))
    return runs, singles


class BlockDecoder:
    """Decodes one planned block; the grouping into runs is worked out once, not per poll."""

    def __init__(self, block: Block, limits: Mapping[str, Limits | None]) -> None:
        self.block = block
        self._limits = limits
        self._runs, self._singles = _runs(block, limits)
        self._arrays = [_RunArrays.of(run) for run in self._runs]

    def decode(self, data: Sequence[int] | Sequence[bool], ts: float) -> dict[str, PointValue]:
        """Values of every point; ``data`` holds the registers (or bits) read from the start;
        ``ts`` is when the response arrived (UTC epoch seconds)."""
        values: dict[str, PointValue] = {}
        n = len(data)
        for run, arrays in zip(self._runs, self._arrays, strict=True):
            end = run.offset + run.width * len(run.points)
            if end > n:
                # the device answered with fewer registers than asked: nothing usable
                for pid in arrays.ids:
                    values[pid] = PointValue(None, ts, Quality.BAD_INVALID)
                continue
            raws = decode_raw_run(
                run.data_type, run.word_order, run.byte_order, data[run.offset : end]
            )
            scaled = raws.astype(np.float64) * arrays.scale + arrays.offset
            finite = np.isfinite(scaled)
            good = finite & (scaled >= arrays.low) & (scaled <= arrays.high)
            for pid, value, ok, fin in zip(
                arrays.ids, scaled.tolist(), good.tolist(), finite.tolist(), strict=True
            ):
                if ok:
                    values[pid] = PointValue(value, ts, Quality.GOOD)
                else:
                    values[pid] = PointValue(value if fin else None, ts, Quality.BAD_INVALID)
        if self._singles:
            values.update(decode_points(self._singles, self.block.start, data, ts, self._limits))
        return values


def decode_block(
    block: Block,
    data: Sequence[int] | Sequence[bool],
    ts: float,
    limits: Mapping[str, Limits | None],
) -> dict[str, PointValue]:
    """Values of every point in ``block`` (see BlockDecoder, which caches the grouping)."""
    return BlockDecoder(block, limits).decode(data, ts)


def decode_points(
    points: Sequence[tuple[str, ModbusAddress]],
    start: int,
    data: Sequence[int] | Sequence[bool],
    ts: float,
    limits: Mapping[str, Limits | None],
) -> dict[str, PointValue]:
    """Point by point: bits of status words, coils and discrete inputs."""
    values: dict[str, PointValue] = {}
    for pid, address in points:
        offset = address.start - start
        if offset + address.width > len(data):
            values[pid] = PointValue(None, ts, Quality.BAD_INVALID)
            continue
        if address.is_bit_table:
            value = decode_bit(bool(data[offset]))
        else:
            value = decode(address, [int(r) for r in data[offset : offset + address.width]])
        quality = judge(value, limits.get(pid))
        values[pid] = PointValue(value if math.isfinite(value) else None, ts, quality)
    return values
