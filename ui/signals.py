"""The thin seam between the core's event bus and Qt.

``BusAdapter`` subscribes to the runtime's bus and re-emits its events as Qt signals on the
GUI thread. Point batches arriving in a burst are merged (latest value per point wins) and
handed to the panels at most ``max_rate_hz`` times a second, so a fast poll cycle never
turns into a repaint storm. Link states are coalesced the same way, keyed by device.
Alarm batches are concatenated in order (a banner must see every new activation), and
delivered in the same flush.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.events import ALARMS, LINK, POINTS, EventBus


class RateLimiter(QObject):
    """Calls ``flush`` at most once per ``interval_ms``; a burst of triggers costs one call.

    The first trigger after a quiet period is served on the next turn of the event loop
    (never inside the publisher's call stack); later ones wait for the interval to pass.
    """

    def __init__(
        self, interval_ms: int, flush: Callable[[], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._flush = flush
        self._last: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    def trigger(self) -> None:
        if self._timer.isActive():
            return
        if self._last is None:
            delay = 0
        else:
            since_ms = (time.monotonic() - self._last) * 1000.0
            delay = max(0, int(self.interval_ms - since_ms))
        self._timer.start(delay)

    def stop(self) -> None:
        self._timer.stop()

    def _fire(self) -> None:
        self._last = time.monotonic()
        self._flush()


class BusAdapter(QObject):
    """Bus events as Qt signals, merged and rate-limited.

    ``points_changed(dict[str, PointValue])``, ``links_changed(dict[str, LinkState])`` and
    ``alarms_changed(list[JournalEntry])`` (oldest first) always fire on the thread that
    owns this object (the GUI thread).
    """

    points_changed = Signal(object)
    links_changed = Signal(object)
    alarms_changed = Signal(object)
    # internal hand-over: emitted from whatever thread publishes, delivered on ours
    _points_in = Signal(object)
    _link_in = Signal(object)
    _alarms_in = Signal(object)

    def __init__(self, bus: EventBus, max_rate_hz: float = 4.0, parent: QObject | None = None):
        super().__init__(parent)
        self._pending_points: dict[str, Any] = {}
        self._pending_links: dict[str, Any] = {}
        self._pending_alarms: list[Any] = []
        self._limiter = RateLimiter(int(1000 / max_rate_hz), self._flush, self)
        self._points_in.connect(self._merge_points)
        self._link_in.connect(self._merge_link)
        self._alarms_in.connect(self._merge_alarms)
        self._closed = False
        self._unsubscribe = [
            bus.subscribe(POINTS, self._on_points),
            bus.subscribe(LINK, self._on_link),
            bus.subscribe(ALARMS, self._on_alarms),
        ]

    def close(self) -> None:
        """Stop listening; call before the widgets that use this adapter go away."""
        self._closed = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self._limiter.stop()

    # bus side (any thread)
    def _on_points(self, batch: dict[str, Any]) -> None:
        if not self._closed:
            self._points_in.emit(batch)

    def _on_link(self, state: Any) -> None:
        if not self._closed:
            self._link_in.emit(state)

    def _on_alarms(self, batch: tuple[Any, ...]) -> None:
        if not self._closed:
            self._alarms_in.emit(batch)

    # GUI side
    def _merge_points(self, batch: dict[str, Any]) -> None:
        self._pending_points.update(batch)
        self._limiter.trigger()

    def _merge_link(self, state: Any) -> None:
        self._pending_links[state.device_id] = state
        self._limiter.trigger()

    def _merge_alarms(self, batch: tuple[Any, ...]) -> None:
        self._pending_alarms.extend(batch)
        self._limiter.trigger()

    def _flush(self) -> None:
        if self._closed:
            return
        links, self._pending_links = self._pending_links, {}
        points, self._pending_points = self._pending_points, {}
        alarms, self._pending_alarms = self._pending_alarms, []
        if links:
            self.links_changed.emit(links)
        if points:
            self.points_changed.emit(points)
        if alarms:
            self.alarms_changed.emit(alarms)
