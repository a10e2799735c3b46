"""The running station's side of control versions: start rule, changes, rollbacks, pick-up.

Every change goes the same way, under one lock: validate (a ConfigError changes nothing),
store the new version, swap it into the control loop, audit it, publish CONTROL_VERSION.
A version stored by someone else (the `control rollback` CLI) is found by polling the
store's latest number every few seconds and applied with that version's actor and reason.
SQLite and validation (strategies may read files) run on one worker thread, never the loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from app.aio import cancel_and_wait
from app.audit import AuditEntry, AuditLog
from app.config.errors import ConfigError, ConfigIssue
from app.control.config import ControlConfig
from app.control_loop import ControlLoop
from app.control_versions.canonical import canonical_json
from app.control_versions.records import TARGET, applied_entry, rollback_entry, rollback_reason
from app.control_versions.startup import choose_at_start
from app.control_versions.store import ControlVersion, VersionStore, versions_path
from app.control_versions.validate import validate_section
from app.events import LOG, EventBus
from app.model import Station

log = logging.getLogger(__name__)

CONTROL_VERSION = "control_version"  # bus topic: AppliedVersion after the loop changed version
T = TypeVar("T")


@dataclass(frozen=True)
class AppliedVersion:
    version: ControlVersion
    previous: ControlVersion | None
    pending_restart: tuple[str, ...]  # changed fields that apply at the next start


class ControlVersioning:
    def __init__(
        self,
        data_dir: Path,
        station: Station,
        audit: AuditLog,
        bus: EventBus,
        clock: Callable[[], float],
    ) -> None:
        self._path = versions_path(data_dir)
        self._station = station
        self._audit = audit
        self._bus = bus
        self._clock = clock
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="control-versions")
        self._lock = asyncio.Lock()
        self._store: VersionStore | None = None
        self._control: ControlLoop | None = None
        self._poll_task: asyncio.Task[None] | None = None
        self._seen = 0  # the highest version number looked at; the poller applies newer ones
        self.running: ControlVersion | None = None

    async def start(self) -> ControlConfig:
        """Open the store and return the configuration the start rule chose (startup.py)."""
        store: VersionStore | None = None
        try:
            store = await self._run(VersionStore, self._path)
            choice = await self._run(choose_at_start, store, self._station, self._clock())
        except (sqlite3.Error, OSError) as exc:  # control still runs, as the file says
            if store is not None:
                await self._run(store.close)
            log.exception("control: versions store %s unusable", self._path)
            self._bus.publish(LOG, f"control: versions unavailable ({exc}); station file runs")
            assert self._station.control is not None
            return self._station.control
        self._store = store
        latest = await self._run(store.latest)
        self._seen = latest.version if latest is not None else 0
        self.running = choice.version
        if choice.warning:
            log.error("control: %s", choice.warning)
            self._bus.publish(LOG, f"control: {choice.warning}")
            await self._audit.record(
                AuditEntry(
                    self._clock(),
                    "system",
                    "control_config",
                    TARGET,
                    None,
                    choice.version.label if choice.version else None,
                    choice.warning,
                    "refused",
                )
            )
        if choice.recorded is not None:
            v = choice.recorded
            await self._audit.record(
                applied_entry(self._clock(), v.actor, choice.previous, v, v.reason, "ok")
            )
        if choice.version is not None:
            v = choice.version
            log.info("control: running %s (%s by %s: %s)", v.label, v.source, v.actor, v.reason)
        return choice.config

    def attach(self, control: ControlLoop, poll_s: float) -> None:
        """Changes now go to ``control``; poll the store for versions made elsewhere."""
        self._control = control
        control.version_label = self.running.label if self.running is not None else None
        if self._store is None:  # unusable at start: nothing to poll
            return
        self._poll_task = asyncio.get_running_loop().create_task(
            self._poll_forever(poll_s), name="control-versions-poll"
        )

    async def stop(self) -> None:
        await cancel_and_wait(self._poll_task)
        self._poll_task = None
        async with self._lock:  # let a change in progress finish first
            if self._store is not None:
                await self._run(self._store.close)
                self._store = None
        self._executor.shutdown(wait=True)

    async def update(
        self, section: dict[str, Any], user: str, reason: str, source: str = "operator"
    ) -> AppliedVersion:
        """Validate, store and apply ``section``; a ConfigError leaves everything as it was."""
        store, control = self._require()
        try:  # what runs must be exactly what is stored
            section = json.loads(canonical_json(section))
        except (TypeError, ValueError) as exc:
            issue = ConfigIssue(str(self._station.source), "control", section, str(exc))
            raise ConfigError([issue]) from None
        async with self._lock:
            config = await self._run(
                validate_section, section, self._station, str(self._station.source)
            )
            previous = self.running
            version = await self._run(store.add, section, user, reason, source, self._clock())
            if source == "rollback":
                await self._audit.record(rollback_entry(self._clock(), previous, version))
            return await self._swap(control, config, version, user, reason)

    async def rollback(self, target: int, user: str, reason: str) -> AppliedVersion:
        """A new version copying version ``target``; LookupError names a missing one."""
        store, _ = self._require()
        old = await self._run(store.get, target)
        if old is None:
            raise LookupError(f"control version {target}: no such version")
        return await self.update(old.section, user, rollback_reason(reason, target), "rollback")

    async def poll_once(self) -> AppliedVersion | None:
        """Apply the store's latest version if someone else stored a newer one."""
        store, control = self._require()
        async with self._lock:
            latest = await self._run(store.latest)
            if latest is None or latest.version <= self._seen:
                return None
            self._seen = latest.version
            where = f"{store.path} {latest.label}"
            try:
                config = await self._run(validate_section, latest.section, self._station, where)
            except ConfigError as exc:
                log.error("control: %s refused, it does not validate: %s", latest.label, exc)
                self._bus.publish(LOG, f"control: {latest.label} refused: {exc.issues[0]}")
                await self._audit.record(
                    applied_entry(
                        self._clock(),
                        latest.actor,
                        self.running,
                        latest,
                        latest.reason,
                        f"refused: {exc.issues[0]}",
                    )
                )
                return None
            return await self._swap(control, config, latest, latest.actor, latest.reason)

    async def _swap(
        self,
        control: ControlLoop,
        config: ControlConfig,
        version: ControlVersion,
        actor: str,
        reason: str,
    ) -> AppliedVersion:
        previous = self.running
        version_mode, live_mode = control.config.mode, control.mode
        pending = tuple(control.apply(config))
        # the mode follows a version only when the version changes it: a parameter change
        # does not undo an operator's switch to manual
        if config.mode != version_mode:
            control.mode = config.mode
        self.running = version
        control.version_label = version.label
        self._seen = max(self._seen, version.version)
        result = "ok" if not pending else f"ok; {', '.join(pending)} apply at the next start"
        ts = self._clock()
        await self._audit.record(applied_entry(ts, actor, previous, version, reason, result))
        if control.mode != live_mode:
            why = f"{reason} ({version.label})"
            await self._audit.record(
                AuditEntry(ts, actor, "mode", TARGET, str(live_mode), str(control.mode), why, "ok")
            )
        was = previous.label if previous else "unversioned"
        log.info("control: %s -> %s by %s (%s): %s", was, version.label, actor, reason, result)
        applied = AppliedVersion(version, previous, pending)
        self._bus.publish(CONTROL_VERSION, applied)
        return applied

    async def _poll_forever(self, period_s: float) -> None:
        while True:
            await asyncio.sleep(period_s)
            try:
                await self.poll_once()
            except Exception:  # a locked or damaged file must not end the polling
                log.exception("control: polling the versions store failed")

    def _require(self) -> tuple[VersionStore, ControlLoop]:
        if self._store is None or self._control is None:
            raise RuntimeError("control versions unavailable (not started, or see the log)")
        return self._store, self._control

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
