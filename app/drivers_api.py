"""The interface every southbound driver implements, and the registry that finds them.

app/ never imports a driver: drivers register under the ``ems_console.drivers`` entry-point
group (pyproject.toml), so a new protocol is a new package and no change here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from app.model import Connection, Device
from app.points import PointValue

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ems_console.drivers"


@dataclass(frozen=True)
class LinkState:
    """A device's communication state, as its driver sees it."""

    device_id: str
    up: bool
    detail: str
    ts: float


class DriverSink(Protocol):
    """Where a driver delivers data; the runtime implements it. Call on the loop thread."""

    def publish(self, values: Mapping[str, PointValue]) -> None: ...

    def link_state(self, state: LinkState) -> None: ...

    def now(self) -> float:
        """The runtime's clock (epoch s): stamp values and link states with it, never
        time.time(), so a demo on the simulator's shifted clock stamps simulated time."""
        ...


def sink_clock(sink: DriverSink) -> Callable[[], float]:
    """``sink.now``; a sink written before now() existed (test/benchmark sinks) means wall time."""
    return getattr(sink, "now", time.time)


@runtime_checkable
class Driver(Protocol):
    """One instance per connection; it serves every device on that connection."""

    async def start(self) -> None:
        """Begin acquisition; returns at once (connecting happens in the background)."""

    async def stop(self) -> None:
        """Stop acquisition and close the connection; idempotent."""

    async def write(self, point_id: str, value: float) -> None:
        """Write one setpoint/command; raises on failure (no silent success)."""


class DriverFactory(Protocol):
    """Validates a protocol's configuration parts and builds drivers.

    Each ``validate_*`` returns a validated object or raises pydantic.ValidationError, which
    the loader turns into messages naming file, field and value.
    """

    name: str

    def validate_connection(self, params: Mapping[str, Any]) -> Any: ...

    def validate_device(self, params: Mapping[str, Any]) -> Any: ...

    def validate_address(
        self, address: Mapping[str, Any], defaults: Mapping[str, Any], kind: str
    ) -> Any: ...

    def create(
        self, connection: Connection, devices: Sequence[Device], sink: DriverSink
    ) -> Driver: ...


class DriverRegistry:
    """Driver factories by name. An instance, so tests can build their own."""

    def __init__(self) -> None:
        self._factories: dict[str, DriverFactory] = {}

    def register(self, factory: DriverFactory) -> None:
        self._factories[factory.name] = factory

    def get(self, name: str) -> DriverFactory:
        return self._factories[name]

    def names(self) -> list[str]:
        return sorted(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    @classmethod
    def from_entry_points(cls) -> DriverRegistry:
        registry = cls()
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                factory_cls = ep.load()
            except Exception:
                log.exception("driver %s could not be loaded", ep.name)
                continue
            factory = factory_cls()
            factory.name = ep.name
            registry.register(factory)
        return registry
