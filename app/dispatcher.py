"""The one path by which anything is written to the field: write, read back, retry, audit.

A write counts as done only when the device's own reading of the point, polled after the
write, matches what was written. A refused write, a timeout or a mismatched read-back is a
failed command: published as an event and recorded in the audit trail with its reason —
never reported as success.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.audit import AuditEntry, AuditLog
from app.events import POINTS, EventBus
from app.model import Station
from app.point_table import PointTable
from app.points import PointValue, Quality

log = logging.getLogger(__name__)

COMMAND = "command"  # bus topic: CommandResult of every write


@dataclass(frozen=True)
class CommandResult:
    point_id: str
    value: float
    ok: bool
    result: str  # "ok", "rejected: ...", "failed: ...", "mismatch: ...", "timeout: ..."
    read_back: float | None
    attempts: int
    ts: float


class Dispatcher:
    def __init__(
        self,
        station: Station,
        points: PointTable,
        bus: EventBus,
        driver_for: Callable[[str], Any],
        audit: AuditLog | None,
        clock: Callable[[], float] = time.time,
        retries: int = 2,
    ) -> None:
        self._station = station
        self._points = points
        self._bus = bus
        self._driver_for = driver_for  # connection id -> driver (None when not running)
        self._audit = audit
        self._clock = clock
        self._retries = retries

    def readback_timeout_s(self, point_id: str) -> float:
        """Two poll periods of the point's device and a second of slack."""
        spec = self._station.points[point_id]
        device = self._station.devices.get(spec.device_id or "")
        return 2 * (device.poll_ms / 1000 if device else 1.0) + 1.0

    async def write(
        self,
        point_id: str,
        value: float,
        actor: str,
        reason: str,
        audit: bool = True,
        confirm: bool = True,
        log_failure: bool = True,
    ) -> CommandResult:
        """Write ``value`` and confirm it by read-back; never raises for a field failure.

        ``confirm=False`` sends once without waiting for the read-back (the heartbeat,
        which the device itself supervises).
        """
        started = self._clock()
        before = self._points.get(point_id)
        result = await self._write(point_id, float(value), started, confirm)
        if not result.ok and log_failure:
            log.warning("command %s = %s by %s failed: %s", point_id, value, actor, result.result)
        self._bus.publish(COMMAND, result)
        if audit and self._audit is not None:
            entry = AuditEntry(
                ts=started,
                actor=actor,
                action="write",
                target=point_id,
                old=_text(before.value if before else None),
                new=_text(value),
                reason=reason,
                result=result.result,
            )
            try:
                await self._audit.record(entry)
            except Exception:  # the command happened: losing its record must be loud
                log.exception("audit record of %s could not be written", point_id)
        return result

    async def _write(
        self, point_id: str, value: float, started: float, confirm: bool = True
    ) -> CommandResult:
        def done(
            ok: bool, text: str, read: float | None = None, attempts: int = 0
        ) -> CommandResult:
            return CommandResult(point_id, value, ok, text, read, attempts, started)

        spec = self._station.points.get(point_id)
        if spec is None:
            return done(False, "rejected: no such point")
        if not spec.writable:
            return done(False, f"rejected: not writable (kind {spec.kind})")
        lim = spec.limits
        if lim is not None and (
            (lim.min is not None and value < lim.min) or (lim.max is not None and value > lim.max)
        ):
            return done(False, f"rejected: outside the limits [{lim.min}, {lim.max}]")
        device = self._station.devices.get(spec.device_id or "")
        driver = self._driver_for(device.connection_id) if device else None
        if driver is None:
            return done(False, "failed: the point's connection is not running")

        last_error = ""
        if not confirm:
            try:
                await driver.write(point_id, value)
            except Exception as exc:
                return done(False, f"failed: {exc}", None, 1)
            return done(True, "sent", None, 1)
        for attempt in range(1, self._retries + 2):
            try:
                await driver.write(point_id, value)
            except Exception as exc:
                last_error = str(exc)
                continue
            # a reading taken once the write is acknowledged: a poll queued on the line before
            # the write and answered while it waited still holds the old value
            written_at = self._clock()
            tolerance = _tolerance(driver, point_id, value)
            read = await self._read_back(point_id, written_at, self.readback_timeout_s(point_id))
            if read is None:
                return done(False, "timeout: no read-back", None, attempt)
            if read.value is not None and abs(float(read.value) - value) <= tolerance:
                return done(True, "ok", float(read.value), attempt)
            shown = None if read.value is None else float(read.value)
            return done(False, f"mismatch: read back {shown}", shown, attempt)
        return done(False, f"failed: {last_error}", None, self._retries + 1)

    async def _read_back(self, point_id: str, after: float, timeout: float) -> PointValue | None:
        """The first good reading of ``point_id`` taken after ``after``; None on timeout."""

        def fresh() -> PointValue | None:
            pv = self._points.get(point_id)
            if pv is not None and pv.quality is Quality.GOOD and pv.ts >= after:
                return pv
            return None

        arrived = asyncio.Event()
        unsubscribe = self._bus.subscribe(
            POINTS, lambda batch: arrived.set() if point_id in batch else None
        )
        try:
            async with asyncio.timeout(timeout):
                while (pv := fresh()) is None:
                    arrived.clear()
                    await arrived.wait()
                return pv
        except TimeoutError:
            return None
        finally:
            unsubscribe()


def _tolerance(driver: Any, point_id: str, value: float) -> float:
    """Half the point's resolution on the wire, plus float32's rounding."""
    resolution = getattr(driver, "resolution", None)
    step = float(resolution(point_id)) if callable(resolution) else 0.0
    return step / 2 + 1e-6 * max(1.0, abs(value))


def _text(value: object) -> str | None:
    return None if value is None else f"{value:g}" if isinstance(value, float) else str(value)
