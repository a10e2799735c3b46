"""Counting events in a sliding time window (chattering per alarm, flood across alarms)."""

from __future__ import annotations

from collections import deque


class SlidingCount:
    """Events in the half-open window ``(now - window_s, now]``.

    An event at ``e`` leaves the window at ``e + window_s``. ``keep`` newest events are
    retained even when they are older, so a caller can compute when a count dropped.
    """

    def __init__(self, window_s: float, keep: int = 0) -> None:
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        self.window_s = window_s
        self._keep = keep
        self._events: deque[float] = deque()

    def add(self, ts: float) -> None:
        self._events.append(ts)

    def count(self, now: float) -> int:
        """Events in the window at ``now``; forgets those no longer needed."""
        horizon = now - self.window_s
        events = self._events
        while len(events) > self._keep and events[0] <= horizon:
            events.popleft()
        return sum(1 for e in events if e > horizon)

    def nth_newest(self, n: int) -> float | None:
        """The n-th newest retained event (1 = newest), or None if fewer are kept."""
        return self._events[-n] if len(self._events) >= n else None
