"""What the trend remembers for one console session: pen colours, hidden pens, removals.

A language switch rebuilds the trend panel (ui/main_window.py) and hands it only the list of
point ids. So that a pen keeps its colour, a hidden pen stays hidden and a removal can still
be undone after the switch, that state lives here, one memory per runtime (per session),
not in the panel. No Qt: the rules are plain data and are tested on their own.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from typing import Any

# the site balance: what the trend shows when the console opens, and "Restore default pens"
DEFAULT_PENS: tuple[str, ...] = ("site.pv_p", "site.load_p", "site.grid_p", "site.bess_p")
UNDO_DEPTH = 20  # removals kept for undo; older ones are forgotten


class TrendMemory:
    def __init__(self, palette_size: int) -> None:
        self.palette_size = palette_size
        self._colour_of: dict[str, int] = {}  # point id -> palette index, first come
        self.hidden: set[str] = set()
        self._removals: list[tuple[str, ...]] = []  # each entry: pens one action removed

    def colour_for(self, point_id: str, in_use: Iterable[int]) -> int:
        """The palette index of ``point_id``: the one it had before if that is free, else the
        first free one, which it keeps from then on. ``in_use``: indices of the other pens."""
        used = set(in_use)
        known = self._colour_of.get(point_id)
        if known is not None and known not in used:
            return known
        free = next((i for i in range(self.palette_size) if i not in used), None)
        if free is None:
            raise ValueError(f"no free trend colour for {point_id}: {len(used)} pens shown")
        self._colour_of[point_id] = free
        return free

    def removed(self, point_ids: Sequence[str]) -> None:
        """Record one removal action (a × click, Clear, Restore default pens) for undo."""
        if point_ids:
            self._removals.append(tuple(point_ids))
            del self._removals[:-UNDO_DEPTH]
        self.hidden.difference_update(point_ids)

    def can_undo(self) -> bool:
        return bool(self._removals)

    def pop_removal(self) -> tuple[str, ...]:
        """The pens of the last removal, forgotten here; () when there is nothing to undo."""
        return self._removals.pop() if self._removals else ()


_MEMORIES: dict[int, tuple[weakref.ref[Any], TrendMemory]] = {}


def memory_for(runtime: Any, palette_size: int) -> TrendMemory:
    """The session's memory, kept as long as ``runtime`` lives (keyed by identity: the
    runtime need not be hashable, and an id reused after it is gone gets a fresh one)."""
    key = id(runtime)
    entry = _MEMORIES.get(key)
    if entry is not None and entry[0]() is runtime:
        return entry[1]
    memory = TrendMemory(palette_size)
    _MEMORIES[key] = (weakref.ref(runtime, lambda _: _MEMORIES.pop(key, None)), memory)
    return memory
