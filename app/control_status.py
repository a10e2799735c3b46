"""Can the control loop reach the unit it drives? The link and command state of the PCS.

The control panel must not read "Auto · Result ok" while the PCS is unreachable. This
watch follows two bus topics for the controlled unit (the device of the PCS setpoint):

- ``LINK``: the driver's link state of that device. Down: commands are not delivered (the
  control loop does not even try: app/control_loop.py skips a point whose link is down).
- ``COMMAND``: every write's result, the heartbeat's included. A write to the device that
  ``failed`` or timed out means the commands are not getting through, even while the
  driver still counts the link as up (the first seconds of a silent device). A write that
  reaches the device (``ok``, or a read-back ``mismatch``: the device answered) ends it;
  a ``rejected`` write (outside the limits) says nothing about the link and is ignored.

Pure and Qt-free: ``status()`` answers on the loop thread from what the bus delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from app.dispatcher import COMMAND, CommandResult
from app.drivers_api import LinkState
from app.events import LINK, EventBus
from app.model import Station

# the first word of CommandResult.result when the command did not reach the device
_NOT_DELIVERED = ("failed", "timeout")


class LinkProblem(StrEnum):
    LINK_LOST = "link_lost"  # the driver reports the device's link down
    COMMANDS_FAILING = "commands_failing"  # the link is up, but writes fail or time out


@dataclass(frozen=True, slots=True)
class ControlLinkStatus:
    """The controlled unit's state as the control panel shows it.

    ``problem`` None: the link is up and the last command to the device got through.
    ``since``: when the problem began (station time, epoch s); ``detail``: the driver's
    reason or the failing command (``pcs1.heartbeat: failed: ...``), for a tooltip.
    """

    device_id: str
    problem: LinkProblem | None = None
    since: float | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


class ControlLinkSource(Protocol):
    """The part of the runtime's facade the control panel reads for the link state
    (app/runtime.py Runtime, tests/ui_support.py FakeRuntime)."""

    def control_link(self) -> ControlLinkStatus | None:
        """None: the station has no controlled unit (no control section or no PCS)."""
        ...


class ControlLinkWatch:
    """Follows ``device_id``'s link and the results of the writes to its points."""

    def __init__(self, device_id: str, device_of: Callable[[str], str | None]) -> None:
        """``device_of``: a point id -> its device id (None: no device's point)."""
        self.device_id = device_id
        self._device_of = device_of
        self._link_down: LinkState | None = None  # the state that took the link down
        self._failing: CommandResult | None = None  # the first failed write of a run
        self._unsubscribe: list[Callable[[], None]] = []

    def attach(self, bus: EventBus) -> None:
        self._unsubscribe = [
            bus.subscribe(LINK, self.on_link),
            bus.subscribe(COMMAND, self.on_command),
        ]

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def on_link(self, state: LinkState) -> None:
        if state.device_id != self.device_id:
            return
        if state.up:
            self._link_down = None
            self._failing = None  # a fresh start: the next write tells
        elif self._link_down is None:
            self._link_down = state  # keep the first: "lost since" the moment it went down

    def on_command(self, result: CommandResult) -> None:
        if self._device_of(result.point_id) != self.device_id:
            return
        kind = result.result.split(":", 1)[0].strip()
        if kind in _NOT_DELIVERED:
            if self._failing is None:
                self._failing = result
        elif kind != "rejected":
            self._failing = None  # the device answered: commands get through again

    def status(self) -> ControlLinkStatus:
        down = self._link_down
        if down is not None:
            return ControlLinkStatus(self.device_id, LinkProblem.LINK_LOST, down.ts, down.detail)
        failing = self._failing
        if failing is not None:
            detail = f"{failing.point_id}: {failing.result}"
            return ControlLinkStatus(
                self.device_id, LinkProblem.COMMANDS_FAILING, failing.ts, detail
            )
        return ControlLinkStatus(self.device_id)


def watch_for(station: Station, pcs_setpoint: str, bus: EventBus) -> ControlLinkWatch | None:
    """A watch on the device of ``pcs_setpoint`` (the PCS the control loop drives),
    attached to ``bus``; None for a station without a control section or that point."""
    spec = station.points.get(pcs_setpoint)
    if station.control is None or spec is None or spec.device_id is None:
        return None

    def device_of(point_id: str) -> str | None:
        point = station.points.get(point_id)
        return None if point is None else point.device_id

    watch = ControlLinkWatch(spec.device_id, device_of)
    watch.attach(bus)
    return watch
