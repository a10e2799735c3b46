"""The runtime: builds the core for one station and is the UI's only door into it.

    drivers --sink--> point table --bus(POINTS)--> history writer, screen, alarms

Everything here runs on one asyncio loop (qasync's under the console, a plain one headless).
Blocking work (SQLite) happens on the history writer's thread, a reader thread, the audit
thread and the alarm journal's thread (app/alarm_service.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from app.access import (
    ACKNOWLEDGE,
    CONTROL,
    EDIT_ALARMS,
    SHELVE,
    PermissionDenied,
    permissions_of,
)
from app.alarm_service import AlarmService
from app.alarms.engine import AlarmView
from app.alarms.journal_entry import JournalEntry
from app.alarms.kpi import AlarmKpis
from app.alarms.states import Priority
from app.audit import AuditEntry, AuditLog, audit_path
from app.control.cycle import ControlMode
from app.control.snapshot import SiteRoles
from app.control_loop import ControlLoop
from app.control_status import ControlLinkStatus, watch_for
from app.control_versions.manager import AppliedVersion, ControlVersioning
from app.dispatcher import CommandResult, Dispatcher
from app.drivers_api import Driver, DriverRegistry, LinkState
from app.events import LINK, LOG, POINTS, EventBus
from app.history import HistoryReader, HistoryWriter, QueryResult, history_path
from app.loop_monitor import LoopLagMonitor
from app.model import Station
from app.point_table import PointTable
from app.points import PointValue
from app.site_energy import SiteEnergy

if TYPE_CHECKING:  # the tuner (backtests, the LP solver) is imported when first used
    from app.tune.service import TuneProposal, TuneRefusal

log = logging.getLogger(__name__)

_MODE_ZH = {"auto": "自动", "manual": "手动", "standby": "待机"}  # event.mode's Chinese text


class _Sink:
    """What drivers deliver into: the point table and the link map."""

    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime

    def publish(self, values: Mapping[str, PointValue]) -> None:
        self._rt.points.update(values)

    def link_state(self, state: LinkState) -> None:
        previous = self._rt.links.get(state.device_id)
        self._rt.links[state.device_id] = state
        if previous is None or previous.up != state.up:
            self._rt.bus.publish(LINK, state)

    def now(self) -> float:
        return self._rt.now()


class Runtime:
    control_poll_s = 3.0  # how often the control versions store is checked (CLI changes)
    # propose_tuning's window (its gap-free tail is used), the least history it tunes on, the
    # backtests' step; None: app/tune/service.py's defaults (28 days, 7 days, 300 s)
    tune_days: float | None = None
    tune_min_days: float | None = None
    tune_step_s: int | None = None

    def __init__(
        self,
        station: Station,
        data_dir: Path,
        registry: DriverRegistry | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.station = station
        self.data_dir = Path(data_dir)
        self.bus = EventBus()
        self.points = PointTable(station, self.bus, clock)
        self.links: dict[str, LinkState] = {}
        self._clock = clock
        self._registry = registry if registry is not None else DriverRegistry.from_entry_points()
        self._drivers: dict[str, Driver] = {}
        self._zone = ZoneInfo(station.info.timezone)
        self._energy = SiteEnergy(station.points.values(), self._zone)
        self._history: HistoryWriter | None = None
        self._reader: HistoryReader | None = None
        # one thread owns the reader's SQLite connection; queries queue behind each other
        self._read_executor = ThreadPoolExecutor(1, thread_name_prefix="history-read")
        self._lag = LoopLagMonitor()
        self._started = False
        self.audit: AuditLog | None = None
        self.dispatcher: Dispatcher | None = None
        self.control: ControlLoop | None = None
        self.versions: ControlVersioning | None = None
        self.alarms: AlarmService | None = None
        self._tuning = False  # a tuning proposal is being computed
        # the controlled unit's link and command results, from the first link state on
        pcs_setpoint = SiteRoles.from_station(station).pcs_setpoint
        self._link_watch = watch_for(station, pcs_setpoint, self.bus)

    def now(self) -> float:
        """The station's time (epoch s): the simulator's shifted clock in a demo, else wall."""
        return self._clock()

    @property
    def history_path(self) -> Path:
        return history_path(self.data_dir)

    @property
    def stats(self) -> dict[str, float]:
        out = {"loop_lag_ms": self._lag.last_ms, "loop_lag_max_ms": self._lag.max_ms}
        if self.control is not None:
            cycle = self.control.stats
            out["cycle_period_ms"] = self.control.config.cycle_s * 1000
            out["cycle_ms"] = sum(cycle.durations_ms.values())
            out["cycle_lateness_ms"] = cycle.lateness_ms
            out.update({f"cycle_{k}_ms": v for k, v in cycle.durations_ms.items()})
        if self._history is not None:
            out.update(self._history.stats())
        return out

    async def start(self) -> None:
        if self._started:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        # opening/creating the database is file I/O: keep it off the loop too; rollups and
        # retention go by the runtime's clock, the one the samples are stamped with
        self._history = await loop.run_in_executor(
            None, lambda: HistoryWriter(self.history_path, self.station, clock=self._clock)
        )
        self._reader = await loop.run_in_executor(
            self._read_executor, HistoryReader, self.history_path, self._clock
        )
        self.audit = await loop.run_in_executor(None, AuditLog, audit_path(self.data_dir))
        self.dispatcher = Dispatcher(
            self.station, self.points, self.bus, self._drivers.get, self.audit, self._clock
        )
        await self._seed_energy()
        self.points.add_deriver(self._energy.on_batch)
        self.bus.subscribe(POINTS, self._history.submit)
        # before the drivers start, so the first link states and values are evaluated
        self.alarms = AlarmService(
            self.station, self.data_dir, self.bus, self._clock, stats=lambda: self.stats
        )
        await self.alarms.start()
        sink = _Sink(self)
        for conn in self.station.connections.values():
            devices = [d for d in self.station.devices_on(conn.id) if d.enabled]
            if not devices:
                continue
            factory = self._registry.get(conn.driver)
            self._drivers[conn.id] = factory.create(conn, devices, sink)
        self._started = True
        self._lag.start()
        for conn_id, driver in self._drivers.items():
            try:
                await driver.start()
            except Exception as exc:  # one connection's failure never stops the others
                log.exception("connection %s failed to start", conn_id)
                self.bus.publish(LOG, f"connection {conn_id} failed to start: {exc}")
        if self.station.control is not None:
            # the start rule (app/control_versions/startup.py) picks the version that runs
            self.versions = ControlVersioning(
                self.data_dir, self.station, self.audit, self.bus, self._clock
            )
            self.control = ControlLoop(
                await self.versions.start(),
                SiteRoles.from_station(self.station),
                self.points,
                self.bus,
                self.dispatcher,
                self._clock,
            )
            self.control.start()
            self.versions.attach(self.control, self.control_poll_s)

    async def _seed_energy(self) -> None:
        """Replay today's history into the energy integrators so a restart keeps the day."""
        now = self._clock()
        start = SiteEnergy.today_start(now, self._zone)
        for source in sorted(self._energy.sources):
            result = await self.query_history(source, start, now, resolution="raw")
            self._energy.seed(source, result.ts, result.value)

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if self.versions is not None:
            await self.versions.stop()  # no version is applied to a stopping loop
        if self.control is not None:
            await self.control.stop()  # stop commanding before the links close
        if self.alarms is not None:
            # before the links close: a shutdown is not a communication failure
            await self.alarms.stop()
        await self._lag.stop()
        for conn_id, driver in self._drivers.items():
            try:
                await driver.stop()
            except Exception:
                log.exception("connection %s did not stop cleanly", conn_id)
        self._drivers.clear()
        loop = asyncio.get_running_loop()
        if self._history is not None:
            await loop.run_in_executor(None, self._history.close)
        if self._reader is not None:
            await loop.run_in_executor(self._read_executor, self._reader.close)
        if self.audit is not None:
            await loop.run_in_executor(None, self.audit.close)
        self._read_executor.shutdown(wait=True)

    async def write(self, point_id: str, value: float, actor: str, reason: str) -> CommandResult:
        """Write a setpoint or command through the dispatcher (read back, audited)."""
        assert self.dispatcher is not None, "runtime not started"
        await self._require(actor, CONTROL, "write", point_id)
        return await self.dispatcher.write(point_id, value, actor, reason)

    async def set_mode(self, mode: str, user: str, reason: str) -> None:
        """Switch the control mode (auto, manual, standby); audited with user and reason."""
        loop_ = self._require_control()
        new = ControlMode(mode)  # ValueError names a mode that does not exist
        await self._require(user, CONTROL, "mode", "control")
        old = loop_.mode
        loop_.mode = new
        await self._audit_change(user, "mode", "control", str(old), str(new), reason)
        zh = f"控制模式 {_MODE_ZH.get(str(old), old)} -> {_MODE_ZH.get(str(new), new)}"
        self._require_alarms().event(
            "event.mode",
            "control",
            f"Mode {old} -> {new}",
            user=user,
            comment=reason,
            message_zh=zh,
        )

    async def set_manual(self, point_id: str, value: float, user: str, reason: str) -> None:
        """An operator setpoint for manual mode (still clamped by protection); audited."""
        loop_ = self._require_control()
        spec = self.station.points.get(point_id)
        if spec is None or not spec.writable:
            raise ValueError(f"{point_id}: not a setpoint of this station")
        await self._require(user, CONTROL, "setpoint", point_id)
        old = loop_.manual.get(point_id)
        loop_.manual[point_id] = float(value)
        await self._audit_change(
            user, "setpoint", point_id, None if old is None else f"{old:g}", f"{value:g}", reason
        )
        message = f"Manual setpoint {point_id} = {value:g}"
        zh = f"手动设定值 {spec.name.text('zh')}（{point_id}）= {value:g}"
        source = spec.device_id or "control"
        self._require_alarms().event(
            "event.setpoint", source, message, point_id=point_id, user=user, comment=reason,
            message_zh=zh,
        )  # fmt: skip

    async def update_control(
        self, section: dict[str, Any], user: str, reason: str
    ) -> AppliedVersion:
        """A new control configuration: validated (ConfigError: nothing changes), stored as
        a new version, swapped into the running loop and audited."""
        self._require_control()
        assert self.versions is not None
        await self._require(user, CONTROL, "control_config", "control")
        return await self.versions.update(section, user, reason)

    async def rollback_control(self, version: int, user: str, reason: str) -> AppliedVersion:
        """A new version copying ``version``, applied like update_control (LookupError if none)."""
        self._require_control()
        assert self.versions is not None
        await self._require(user, CONTROL, "rollback", "control")
        return await self.versions.rollback(version, user, reason)

    async def propose_tuning(
        self, progress: Callable[[int], None] | None = None
    ) -> TuneProposal | TuneRefusal:
        """Tune the rule strategies on this station's recorded history, as ``main.py tune
        --data`` does (app/tune/service.py): the gap-free tail of the last ``tune_days``
        before the last recorded day, against the running version. A ``TuneRefusal`` when
        there are fewer than ``tune_min_days`` whole days. The backtests run on a worker
        thread (up to a minute); ``progress(n)`` runs on the loop after each. Changes
        nothing: ``apply_tuning`` stores a proposal. RuntimeError without a control section
        or while another proposal is being computed."""
        from app.backtest.control import control_section
        from app.tune.service import propose

        self._require_control()
        if self._tuning:
            raise RuntimeError("a tuning proposal is already being computed")
        self._tuning = True
        try:
            running = self.versions.running if self.versions is not None else None
            if running is not None:
                current, label = running.section, running.label
            else:  # versions unavailable (see the log): the station file's section runs
                section = await asyncio.to_thread(control_section, self.station)
                current, label = section or {}, f"{self.station.source} (control)"
            options = {
                "days": self.tune_days,
                "min_days": self.tune_min_days,
                "step_s": self.tune_step_s,
            }
            given: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
            return await propose(
                self.station, self.data_dir, current, label, progress=progress, **given
            )
        finally:
            self._tuning = False

    async def apply_tuning(
        self,
        section: dict[str, Any],
        user: str,
        reason: str,
        window: tuple[float, float] | None = None,
    ) -> AppliedVersion:
        """Store a tuning proposal's ``section`` as a new control version and run it, as
        ``update_control`` does (validated: a ConfigError changes nothing; audited as
        ``control_config``), plus an audit record ``tune`` (old and new version) as ``main.py
        tune --apply`` writes. Needs a non-blank ``reason`` (ValueError) and the ``control``
        permission, the one guarding every control change (PermissionDenied, audited); the
        commissioning engineer's role maps onto it once the console has users and roles.
        ``window``: the proposal's (start, end), added to the audited reason."""
        from app.tune.service import tune_reason

        self._require_control()
        assert self.versions is not None
        if not reason or not reason.strip():
            raise ValueError("applying tuned rules needs a reason (it is audited)")
        await self._require(user, CONTROL, "tune", "control")
        why = reason.strip() if window is None else tune_reason(reason, *window)
        previous = self.versions.running
        applied = await self.versions.update(section, user, why)
        await self._audit_change(
            user, "tune", "control", previous.label if previous else None,
            applied.version.label, why,
        )  # fmt: skip
        return applied

    def control_link(self) -> ControlLinkStatus | None:
        """The link of the unit the control loop drives (the PCS): lost (since when, the
        driver's reason), its commands or heartbeat failing, or fine (``ok``). None for a
        station without a control section (app/control_status.py; ControlLinkSource)."""
        return None if self._link_watch is None else self._link_watch.status()

    def alarms_active(self) -> list[AlarmView]:
        """The active list (unack, acked, rtn_unack), by priority then newest first."""
        return self._require_alarms().active()

    def alarms_shelved(self) -> list[AlarmView]:
        return self._require_alarms().shelved()

    def alarms_out_of_service(self) -> list[AlarmView]:
        """Alarms taken out of service (maintenance), by priority then newest first."""
        return self._require_alarms().out_of_service()

    async def acknowledge_alarms(
        self, alarm_ids: list[str], user: str, comment: str
    ) -> list[JournalEntry]:
        """Acknowledge alarms (all or none: AlarmError names an unknown id); audited.
        PermissionDenied without the ``acknowledge`` permission."""
        await self._require(user, ACKNOWLEDGE, "alarm_ack", ",".join(alarm_ids))
        entries = self._require_alarms().acknowledge(alarm_ids, user, comment)
        done = ",".join(e.alarm_id for e in entries)
        await self._audit_change(user, "alarm_ack", "alarms", None, done, comment)
        return entries

    async def shelve_alarm(
        self, alarm_id: str, user: str, reason: str, duration_s: float
    ) -> list[JournalEntry]:
        """Shelve one alarm for a finite time (ValueError/AlarmError otherwise); audited.
        PermissionDenied without the ``shelve`` permission."""
        await self._require(user, SHELVE, "alarm_shelve", alarm_id)
        entries = self._require_alarms().shelve(alarm_id, user, reason, duration_s)
        await self._audit_change(user, "alarm_shelve", alarm_id, None, f"{duration_s:g} s", reason)
        return entries

    async def unshelve_alarm(self, alarm_id: str, user: str, comment: str) -> list[JournalEntry]:
        """End a shelve early (the alarm shows its condition as it is now); audited.
        PermissionDenied without the ``shelve`` permission."""
        await self._require(user, SHELVE, "alarm_unshelve", alarm_id)
        entries = self._require_alarms().unshelve(alarm_id, user, comment)
        await self._audit_change(user, "alarm_unshelve", alarm_id, None, "", comment)
        return entries

    async def remove_alarm_from_service(
        self, alarm_id: str, user: str, reason: str
    ) -> list[JournalEntry]:
        """Take one alarm out of service until it is returned (a restart keeps it): it
        leaves every list but is still evaluated and counted; a running shelve ends.
        AlarmError for an unknown id, no user or reason, or one already out of service;
        audited as ``alarm_out_of_service``. PermissionDenied without ``edit_alarms``."""
        await self._require(user, EDIT_ALARMS, "alarm_out_of_service", alarm_id)
        entries = self._require_alarms().remove_from_service(alarm_id, user, reason)
        old = str(entries[0].previous) if entries and entries[0].previous else None
        await self._audit_change(
            user, "alarm_out_of_service", alarm_id, old, "out_of_service", reason
        )
        return entries

    async def return_alarm_to_service(
        self, alarm_id: str, user: str, comment: str
    ) -> list[JournalEntry]:
        """Return an out-of-service alarm: it shows its condition as it is now (unack if
        still active). AlarmError for an unknown id, no user or comment, or an alarm not
        out of service; audited as ``alarm_in_service``. PermissionDenied without
        ``edit_alarms``."""
        await self._require(user, EDIT_ALARMS, "alarm_in_service", alarm_id)
        entries = self._require_alarms().return_to_service(alarm_id, user, comment)
        new = str(entries[-1].state) if entries else "in_service"
        await self._audit_change(user, "alarm_in_service", alarm_id, "out_of_service", new, comment)
        return entries

    def alarm_rule(self, point_id: str) -> dict[str, Any] | None:
        """The alarm rule running for ``point_id`` (template, station override, console
        edits) as a plain mapping, None without one; AlarmError for an unknown point."""
        return self._require_alarms().rule(point_id)

    async def set_alarm_rule(
        self, point_id: str, changes: dict[str, Any] | None, user: str, reason: str
    ) -> dict[str, Any] | None:
        """Edit a point's alarm rule from the console; returns the new rule (None: none).

        ``changes`` are keys laid over the current rule like a station's
        ``alarm_overrides:`` entry (``key: None`` removes a key); ``None`` as a whole drops
        the console's edits (back to the template and station rule). Validated like the
        station file (ValueError naming the field and value; nothing changes), stored in
        the data folder (a restart keeps it), run at once (the old alarms end, the new ones
        are evaluated against the last value), journaled (``event.alarm_rule``) and audited
        (``alarm_rule``). PermissionDenied without the ``edit_alarms`` permission.
        """
        await self._require(user, EDIT_ALARMS, "alarm_rule", point_id)
        old, new = await self._require_alarms().set_rule(point_id, changes, user, reason)
        new_text = _json(new) or "no rule"
        await self._audit_change(user, "alarm_rule", point_id, _json(old), new_text, reason)
        return new

    def permissions(self, user: str) -> frozenset[str]:
        """What ``user`` may do (app/access.py): a subset of acknowledge, shelve, control,
        edit_alarms; all of them when the station file has no ``access:`` section."""
        return permissions_of(self.station.access, user)

    async def record_login(self, user: str, workstation: str) -> None:
        """A user starts working at ``workstation``: journaled (``event.login``), audited."""
        await self._session_event(
            "login", user, workstation, f"{user} logged in at {workstation}",
            f"{user} 在 {workstation} 登录",
        )  # fmt: skip

    async def record_logout(self, user: str, workstation: str) -> None:
        """A user stops working at ``workstation``: journaled (``event.logout``), audited."""
        await self._session_event(
            "logout", user, workstation, f"{user} logged out at {workstation}",
            f"{user} 在 {workstation} 退出登录",
        )  # fmt: skip

    async def record_service(self, state: str, detail: str = "") -> None:
        """The headless service ``started`` or ``stopping`` (main.py calls it after start and
        before stop): journaled as ``event.service`` and audited with the actor ``system``."""
        if state not in ("started", "stopping"):
            raise ValueError(f"service state {state!r}: expected 'started' or 'stopping'")
        message = f"EMS service {state} (station {self.station.info.id})"
        message += f": {detail}" if detail else ""
        done = "已启动" if state == "started" else "正在停止"
        zh = f"EMS 服务{done}（站点 {self.station.info.id}）"
        zh += f"：{detail}" if detail else ""
        self._require_alarms().event(
            "event.service", "system", message, comment=detail, message_zh=zh
        )
        await self._audit_change("system", "service", self.station.info.id, None, state, detail)

    async def _session_event(
        self, what: str, user: str, workstation: str, message: str, message_zh: str
    ) -> None:
        if not user:
            raise ValueError(f"a {what} needs a user")
        self._require_alarms().event(
            f"event.{what}", "system", message, user=user, message_zh=message_zh
        )
        await self._audit_change(user, what, workstation, None, user, "")

    async def _require(self, user: str, permission: str, action: str, target: str) -> None:
        """Raise PermissionDenied (after journaling ``event.denied`` and auditing the attempt
        under the audit action it would have had) unless ``user`` has ``permission``."""
        if permission in self.permissions(user):
            return
        denied = PermissionDenied(user, permission, f"{action} {target}".strip())
        if self.alarms is not None:
            self.alarms.event(
                "event.denied", "system", str(denied), Priority.MEDIUM, user=user,
                comment=f"needs {permission}",
                message_zh=f"用户 '{user}' 缺少 '{permission}' 权限（{denied.action}）",
            )  # fmt: skip
        if self.audit is not None:
            entry = AuditEntry(
                self._clock(), user, action, target, None, None, "", f"denied: needs {permission}"
            )
            await self.audit.record(entry)
        raise denied

    async def alarm_history(
        self,
        since: float | None = None,
        until: float | None = None,
        source: str | None = None,
        text: str | None = None,
        limit: int | None = 5000,
    ) -> list[JournalEntry]:
        """The alarm journal (oldest first), filtered; read off the event loop."""
        return await self._require_alarms().history(since, until, source, text, limit)

    async def alarm_kpis(self, start: float, end: float) -> AlarmKpis:
        """The alarm KPI report for [start, end] (as ``main.py alarms --kpi``), computed on
        the journal's thread; never on the loop."""
        return await self._require_alarms().kpis(start, end)

    def _require_alarms(self) -> AlarmService:
        assert self.alarms is not None, "runtime not started"
        return self.alarms

    def _require_control(self) -> ControlLoop:
        if self.control is None:
            raise RuntimeError("this station has no control section")
        return self.control

    async def _audit_change(
        self, user: str, action: str, target: str, old: str | None, new: str, reason: str
    ) -> None:
        assert self.audit is not None
        entry = AuditEntry(self._clock(), user, action, target, old, new, reason, "ok")
        await self.audit.record(entry)

    async def query_history(
        self, point_id: str, start: float, end: float, resolution: str = "auto"
    ) -> QueryResult:
        """History of one point, read on the reader thread; never blocks the loop."""
        assert self._reader is not None, "runtime not started"
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._read_executor, self._reader.query, point_id, start, end, resolution
        )

    async def flush_history(self) -> None:
        """Wait until everything published so far is committed (tests, shutdown)."""
        if self._history is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._history.flush)

    def driver(self, connection_id: str) -> Any:
        return self._drivers.get(connection_id)


def _json(rule: dict[str, Any] | None) -> str | None:
    return None if rule is None else json.dumps(rule, sort_keys=True, ensure_ascii=False)
