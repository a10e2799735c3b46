"""Alarm flood detection across all alarms of a station (ISA-18.2 / EEMUA 191).

A flood starts when more than ``start_above`` activations fall within ``window_s`` and ends
when fewer than ``end_below`` remain in the last ``window_s``. The end is dated exactly (the
moment the count dropped), not when the next evaluation noticed it, so the time in flood
does not depend on how often ``update`` is called.
"""

from __future__ import annotations

from app.alarms.window import SlidingCount


class FloodDetector:
    def __init__(self, start_above: int = 10, end_below: int = 5, window_s: float = 600.0) -> None:
        if not 0 < end_below <= start_above + 1:
            raise ValueError(
                f"end_below={end_below} must be > 0 and at most start_above + 1 "
                f"({start_above + 1}), or a flood could never start or end"
            )
        self.start_above = start_above
        self.end_below = end_below
        # Keep the end_below newest activations: the end time is the moment the
        # end_below-th newest left the window.
        self._window = SlidingCount(window_s, keep=end_below)
        self.flood_since: float | None = None
        self.floods: list[tuple[float, float]] = []  # finished floods, (start, end)

    @property
    def in_flood(self) -> bool:
        return self.flood_since is not None

    def record(self, ts: float) -> bool:
        """One annunciated activation at ``ts`` (in time order); returns ``in_flood``."""
        self.update(ts)
        self._window.add(ts)
        if self.flood_since is None and self._window.count(ts) > self.start_above:
            self.flood_since = ts
        return self.in_flood

    def update(self, now: float) -> bool:
        """Ends a flood whose activations have thinned out by ``now``; returns ``in_flood``."""
        start = self.flood_since
        if start is not None and self._window.count(now) < self.end_below:
            leaving = self._window.nth_newest(self.end_below)
            end = now if leaving is None else leaving + self._window.window_s
            self.floods.append((start, max(start, min(end, now))))
            self.flood_since = None
        return self.in_flood

    def time_in_flood(self, now: float) -> float:
        """Seconds in flood so far, the current flood counted up to ``now``."""
        self.update(now)
        total = sum(end - start for start, end in self.floods)
        if self.flood_since is not None:
            total += max(0.0, now - self.flood_since)
        return total
