"""Real parts for the console's widget tests: the fixture station, a bus, a point table.

``FakeRuntime`` has exactly the facade the console uses (station, bus, points, links,
stats, query_history, start/stop, the alarm facade with shelve and out of service,
permissions, rule edits, logins, the controlled unit's link ``control_link``, tuning with
``propose_tuning`` / ``apply_tuning`` answering ``tune_outcome``), built from
the real EventBus, PointTable and ControlLinkWatch; history answers from a dict the test
fills. Its ``control`` is None (a station without a control section) unless a test gives
it a stand-in with ``mode`` and ``manual`` (``FakeRuntime(control=...)``). Its alarms
are the real AlarmService (engine + journal in a temporary directory), started by
``alarms_running``; its permissions are the real ``permissions_of`` on the station's
``access:`` section (``FakeRuntime(station=load_ui_station(access=ACCESS))``; without one
every user may do everything, as in Runtime).
``running_qasync_loop`` installs a qasync loop that
pytest-qt's event processing drives, so async code (history loads) runs inside
``qtbot.waitUntil`` as it does in the application.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from app.access import PermissionDenied, parse_access, permissions_of
from app.alarm_service import AlarmService
from app.alarms.engine import AlarmView
from app.alarms.journal_entry import JournalEntry
from app.alarms.kpi import AlarmKpis
from app.alarms.rule_edits import rule_dict
from app.alarms.states import Priority
from app.config.loader import load_station
from app.control.snapshot import SiteRoles
from app.control_status import ControlLinkStatus, ControlLinkWatch
from app.control_versions.canonical import canonical_json, section_sha
from app.control_versions.manager import AppliedVersion
from app.control_versions.store import ControlVersion
from app.drivers_api import DriverRegistry, LinkState
from app.events import LINK, EventBus
from app.model import Connection, Device, Station
from app.point_table import PointTable
from app.points import PointValue, Quality

FIXTURES = Path(__file__).parent / "fixtures"
UI_STATION = FIXTURES / "ui_station.yaml"


class _IdleDriver:
    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def write(self, point_id: str, value: float) -> None:
        raise NotImplementedError("the UI tests' driver writes nothing")


class AnyDriverFactory:
    """A driver factory that accepts any parameters and addresses (the tests feed values)."""

    name = "fake"

    def validate_connection(self, params: Mapping[str, Any]) -> Any:
        return dict(params)

    def validate_device(self, params: Mapping[str, Any]) -> Any:
        return dict(params)

    def validate_address(
        self, address: Mapping[str, Any], defaults: Mapping[str, Any], kind: str
    ) -> Any:
        return dict(address)

    def create(self, connection: Connection, devices: Sequence[Device], sink: Any) -> _IdleDriver:
        return _IdleDriver()


ACCESS: dict[str, Any] = {
    "default_role": "viewer",
    "users": {"alice": "supervisor", "bob": "operator", "vera": "viewer"},
}
"""An ``access:`` section for permission tests: alice may do all, bob (operator) may
acknowledge and control but not shelve or edit alarms, vera and anyone unlisted may only
look."""


def load_ui_station(access: Mapping[str, Any] | None = None) -> Station:
    """The fixture station; with ``access`` it has that ``access:`` section (parsed and
    checked by the real ``parse_access``, as the loader does)."""
    registry = DriverRegistry()
    registry.register(AnyDriverFactory())
    station = load_station(UI_STATION, registry)
    if access is None:
        return station
    return replace(station, access=parse_access(UI_STATION, dict(access)))


@dataclass
class HistoryResult:
    ts: np.ndarray
    value: np.ndarray
    resolution: str = "raw"
    quality: np.ndarray | None = None


@dataclass
class FakeRuntime:
    station: Station = field(default_factory=load_ui_station)
    clock: Callable[[], float] = time.time
    bus: EventBus = field(default_factory=EventBus)
    links: dict[str, LinkState] = field(default_factory=dict)
    stats: dict[str, float] = field(
        default_factory=lambda: {"loop_lag_ms": 1.4, "loop_lag_max_ms": 7.9}
    )
    history: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    queries: list[tuple[str, float, float, str]] = field(default_factory=list)

    control: Any = None  # a stand-in for the control loop (mode, manual); None: no control

    def __post_init__(self) -> None:
        self.points = PointTable(self.station, self.bus, self.clock)
        # as Runtime's: the link and command results of the PCS the control loop drives;
        # only with a control stand-in, as Runtime only with a control section (and so the
        # bus of a plain FakeRuntime carries the console's subscriptions alone)
        pcs = self.station.points.get(SiteRoles.from_station(self.station).pcs_setpoint)
        self._link_watch: ControlLinkWatch | None = None
        if self.control is not None and pcs is not None and pcs.device_id is not None:

            def device_of(point_id: str) -> str | None:
                spec = self.station.points.get(point_id)
                return None if spec is None else spec.device_id

            self._link_watch = ControlLinkWatch(pcs.device_id, device_of)
            self._link_watch.attach(self.bus)

    def control_link(self) -> ControlLinkStatus | None:
        """As Runtime.control_link: None without a control loop."""
        return None if self._link_watch is None else self._link_watch.status()

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def query_history(
        self, point_id: str, start: float, end: float, resolution: str = "auto"
    ) -> HistoryResult:
        self.queries.append((point_id, start, end, resolution))
        await asyncio.sleep(0.01)  # answer on a later turn of the loop, like a worker thread
        rows = [(t, v) for t, v in self.history.get(point_id, []) if start <= t <= end]
        ts = np.array([t for t, _ in rows], dtype=float)
        return HistoryResult(ts, np.array([v for _, v in rows], dtype=float))

    # -- the alarm facade (as Runtime's); empty until alarms_running starts the service ----
    alarm_service: AlarmService | None = None
    audit_changes: list[tuple[str, str, str, str]] = field(default_factory=list)
    sessions: list[tuple[str, str, str]] = field(default_factory=list)  # (what, user, ws)

    def permissions(self, user: str) -> frozenset[str]:
        return permissions_of(self.station.access, user)

    def _require(self, user: str, permission: str, action: str, target: str) -> None:
        """As Runtime._require: journal ``event.denied``, record the refused attempt, raise."""
        if permission in self.permissions(user):
            return
        denied = PermissionDenied(user, permission, f"{action} {target}".strip())
        if self.alarm_service is not None:
            self.alarm_service.event(
                "event.denied", "system", str(denied), Priority.MEDIUM, user=user,
                comment=f"needs {permission}",
            )  # fmt: skip
        self.audit_changes.append((user, action, target, f"denied: needs {permission}"))
        raise denied

    def alarms_active(self) -> list[AlarmView]:
        return self.alarm_service.active() if self.alarm_service is not None else []

    def alarms_shelved(self) -> list[AlarmView]:
        return self.alarm_service.shelved() if self.alarm_service is not None else []

    async def acknowledge_alarms(
        self, alarm_ids: list[str], user: str, comment: str
    ) -> list[JournalEntry]:
        assert self.alarm_service is not None, "alarms not running"
        self._require(user, "acknowledge", "alarm_ack", ",".join(alarm_ids))
        entries = self.alarm_service.acknowledge(alarm_ids, user, comment)
        self.audit_changes.append((user, "alarm_ack", ",".join(alarm_ids), comment))
        return entries

    async def shelve_alarm(
        self, alarm_id: str, user: str, reason: str, duration_s: float
    ) -> list[JournalEntry]:
        assert self.alarm_service is not None, "alarms not running"
        self._require(user, "shelve", "alarm_shelve", alarm_id)
        entries = self.alarm_service.shelve(alarm_id, user, reason, duration_s)
        self.audit_changes.append((user, "alarm_shelve", alarm_id, reason))
        return entries

    async def unshelve_alarm(self, alarm_id: str, user: str, comment: str) -> list[JournalEntry]:
        assert self.alarm_service is not None, "alarms not running"
        self._require(user, "shelve", "alarm_unshelve", alarm_id)
        entries = self.alarm_service.unshelve(alarm_id, user, comment)
        self.audit_changes.append((user, "alarm_unshelve", alarm_id, comment))
        return entries

    def alarms_out_of_service(self) -> list[AlarmView]:
        return self.alarm_service.out_of_service() if self.alarm_service is not None else []

    async def remove_alarm_from_service(
        self, alarm_id: str, user: str, reason: str
    ) -> list[JournalEntry]:
        assert self.alarm_service is not None, "alarms not running"
        self._require(user, "edit_alarms", "alarm_out_of_service", alarm_id)
        entries = self.alarm_service.remove_from_service(alarm_id, user, reason)
        self.audit_changes.append((user, "alarm_out_of_service", alarm_id, reason))
        return entries

    async def return_alarm_to_service(
        self, alarm_id: str, user: str, comment: str
    ) -> list[JournalEntry]:
        assert self.alarm_service is not None, "alarms not running"
        self._require(user, "edit_alarms", "alarm_in_service", alarm_id)
        entries = self.alarm_service.return_to_service(alarm_id, user, comment)
        self.audit_changes.append((user, "alarm_in_service", alarm_id, comment))
        return entries

    def alarm_rule(self, point_id: str) -> dict[str, Any] | None:
        """The running rule; before alarms_running, the station's (KeyError: no point)."""
        if self.alarm_service is None:
            return rule_dict(self.station.points[point_id].alarms)
        return self.alarm_service.rule(point_id)

    async def set_alarm_rule(
        self, point_id: str, changes: dict[str, Any] | None, user: str, reason: str
    ) -> dict[str, Any] | None:
        assert self.alarm_service is not None, "alarms not running"
        self._require(user, "edit_alarms", "alarm_rule", point_id)
        _old, new = await self.alarm_service.set_rule(point_id, changes, user, reason)
        self.audit_changes.append((user, "alarm_rule", point_id, reason))
        return new

    async def record_login(self, user: str, workstation: str) -> None:
        await self._session_event("login", user, workstation, f"{user} logged in at {workstation}")

    async def record_logout(self, user: str, workstation: str) -> None:
        await self._session_event(
            "logout", user, workstation, f"{user} logged out at {workstation}"
        )

    async def _session_event(self, what: str, user: str, workstation: str, message: str) -> None:
        assert self.alarm_service is not None, "alarms not running"
        if not user:
            raise ValueError(f"a {what} needs a user")
        self.alarm_service.event(f"event.{what}", "system", message, user=user)
        self.sessions.append((what, user, workstation))

    async def alarm_history(
        self,
        since: float | None = None,
        until: float | None = None,
        source: str | None = None,
        text: str | None = None,
        limit: int | None = 5000,
    ) -> list[JournalEntry]:
        if self.alarm_service is None:
            return []
        return await self.alarm_service.history(since, until, source, text, limit)

    async def alarm_kpis(self, start: float, end: float) -> AlarmKpis:
        assert self.alarm_service is not None, "alarms not running"
        return await self.alarm_service.kpis(start, end)

    # -- tuning (as Runtime's propose_tuning / apply_tuning); the test sets the answer ------
    tune_outcome: Any = None  # what propose_tuning returns (TuneProposal, TuneRefusal) or raises
    tune_steps: int = 3  # progress reports before the answer, one loop turn apart
    tune_release: asyncio.Event | None = None  # if given, the answer waits until it is set
    tunings: list[tuple[dict[str, Any], str, str, Any]] = field(default_factory=list)

    async def propose_tuning(self, progress: Callable[[int], None] | None = None) -> Any:
        if self.control is None:
            raise RuntimeError("this station has no control section")
        for n in range(1, self.tune_steps + 1):
            await asyncio.sleep(0.01)
            if progress is not None:
                progress(n)
        if self.tune_release is not None:
            await self.tune_release.wait()
        if isinstance(self.tune_outcome, BaseException):
            raise self.tune_outcome
        assert self.tune_outcome is not None, "FakeRuntime.tune_outcome not set by the test"
        return self.tune_outcome

    async def apply_tuning(
        self,
        section: dict[str, Any],
        user: str,
        reason: str,
        window: tuple[float, float] | None = None,
    ) -> AppliedVersion:
        """As Runtime.apply_tuning: a reason, the ``control`` permission; a new version."""
        if self.control is None:
            raise RuntimeError("this station has no control section")
        if not reason or not reason.strip():
            raise ValueError("applying tuned rules needs a reason (it is audited)")
        self._require(user, "control", "tune", "control")
        await asyncio.sleep(0.01)
        self.tunings.append((section, user, reason.strip(), window))
        self.audit_changes.append((user, "tune", "control", reason.strip()))
        version = ControlVersion(
            len(self.tunings) + 1, self.clock(), user, reason.strip(), "operator",
            canonical_json(section), section_sha(section),
        )  # fmt: skip
        return AppliedVersion(version, None, ())

    def now(self) -> float:
        return self.clock()

    def set_link(self, device_id: str, up: bool, detail: str = "") -> None:
        state = LinkState(device_id, up, detail, self.clock())
        self.links[device_id] = state
        self.bus.publish(LINK, state)


def plausible_values(ts: float, quality: Quality = Quality.GOOD) -> dict[str, PointValue]:
    """A sunny late morning: PV 612 kW, battery charging 180 kW, grid importing 95 kW."""
    raw: dict[str, float | int | bool] = {
        "pv1.p": 318.4,
        "pv1.q": 12.1,
        "pv1.u_ab": 401.7,
        "pv1.f": 50.01,
        "pv1.t_internal": 41.3,
        "pv1.e_total": 1_284_503.2,
        "pv1.running": True,
        "pv1.status_word": 3,
        "pv2.p": 293.9,
        "pv2.q": 10.8,
        "pv2.u_ab": 400.9,
        "pv2.f": 50.01,
        "pv2.t_internal": 39.8,
        "pv2.e_total": 1_190_877.6,
        "pv2.running": True,
        "pv2.status_word": 3,
        "pcs1.p": -180.0,
        "pcs1.q": 0.0,
        "pcs1.p_set": -180.0,
        "pcs1.running": True,
        "bms1.soc": 63.5,
        "bms1.u": 768.2,
        "bms1.i": -234.3,
        "bms1.t_cell_max": 29.4,
        "meter_grid.p": 95.2,
        "meter_grid.e_import": 3_402_118.0,
        "meter_grid.e_export": 412_930.5,
        "site.e_pv_today": 2_315.7,
        "site.e_load_today": 4_980.2,
        "site.e_grid_import_today": 3_106.4,
        "site.e_grid_export_today": 12.3,
        "site.e_bess_charge_today": 640.0,
        "site.e_bess_discharge_today": 208.2,
    }
    return {pid: PointValue(v, ts, quality) for pid, v in raw.items()}


_SESSION_LOOP: Any = None


@contextlib.contextmanager
def running_qasync_loop(app: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop marked running on top of the test's QApplication.

    pytest-qt's waitUntil processes Qt events, and with them the loop's callbacks, so
    tasks that the widgets start make progress exactly as under ``run_gui``.

    One loop serves the whole test session: it is marked running on entry and idle on
    exit, never closed. Creating and closing a qasync loop per test crashed the process
    (a segfault in Qt's event dispatch a few dozen alarm-console tests in): a closed loop
    leaves its Qt timer object and queued cross-thread calls (the journal's worker thread
    completing futures) behind for the next test's event processing.
    """
    import qasync

    global _SESSION_LOOP
    if _SESSION_LOOP is None:
        _SESSION_LOOP = qasync.QEventLoop(app, already_running=True)
        # loop.stop() would call app.exit(), which Qt remembers: the next test's waits
        # would then return at once and nothing would run. The loop never stops.
        with contextlib.suppress(RuntimeError, TypeError):
            app.aboutToQuit.disconnect(_SESSION_LOOP._after_run_forever)
    loop = _SESSION_LOOP
    loop._QEventLoop__is_running = True
    asyncio.events._set_running_loop(loop)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in tasks:
            task.cancel()
        deadline = time.monotonic() + 2.0
        while any(not t.done() for t in tasks) and time.monotonic() < deadline:
            app.processEvents()
        loop._QEventLoop__is_running = False
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


def close_session_loop() -> None:
    """At the end of the session (tests/conftest.py): close the shared loop, which joins
    its default executor's threads (Qt aborts on a QThread destroyed while running)."""
    global _SESSION_LOOP
    if _SESSION_LOOP is not None:
        _SESSION_LOOP.close()
        _SESSION_LOOP = None


@contextlib.contextmanager
def alarms_running(qtbot: Any, runtime: FakeRuntime, data_dir: Path) -> Iterator[AlarmService]:
    """The real AlarmService on ``runtime``'s bus, started and stopped on the qasync loop
    (use inside ``running_qasync_loop``): values published on the bus raise real alarms."""
    service = AlarmService(runtime.station, data_dir, runtime.bus, runtime.clock)
    started = asyncio.ensure_future(service.start())
    qtbot.waitUntil(started.done, timeout=5000)
    started.result()
    runtime.alarm_service = service
    try:
        yield service
    finally:
        runtime.alarm_service = None
        stopped = asyncio.ensure_future(service.stop())
        qtbot.waitUntil(stopped.done, timeout=5000)
        stopped.result()
