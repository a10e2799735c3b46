"""A small synchronous event bus, one instance per runtime (never a module global).

Publishers and subscribers live on the event-loop thread. Code running on a library's
own thread (c104, paho) hands its data over with ``loop.call_soon_threadsafe`` first.
A failing subscriber is logged and never stops delivery to the others.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[Any], None]

# Topics used across the core; payload types are documented beside each.
POINTS = "points"  # dict[str, PointValue]: the values that changed in one batch
LINK = "link"  # LinkState: a device's communication state changed
LOG = "log"  # str: an operator-facing log line
ALARMS = "alarms"  # tuple[JournalEntry, ...]: one batch of alarm transitions and events


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler(payload)`` for each event on ``topic``; returns an unsubscribe."""
        self._handlers[topic].append(handler)

        def unsubscribe() -> None:
            if handler in self._handlers[topic]:
                self._handlers[topic].remove(handler)

        return unsubscribe

    def publish(self, topic: str, payload: Any) -> None:
        for handler in tuple(self._handlers.get(topic, ())):
            try:
                handler(payload)
            except Exception:
                log.exception("event handler %r failed on topic %s", handler, topic)
