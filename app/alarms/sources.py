"""Alarms whose condition does not come from a point's rule: command deviation, the
console's own health (system) and protection stepping in (control).

Each class defines its alarms on the engine (``AlarmEngine.define``) and turns what it is
given — a CommandResult, the runtime's stats, a control cycle's report — into
``set_condition`` calls, so these alarms list, acknowledge, shelve, flood and journal like
every other. Pure: every time is passed in; the AlarmService wires them to the bus and
its once-a-second tick (docs/alarms.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.alarms.analog import AnalogEvaluator, AnalogLimits, Level
from app.alarms.engine import AlarmEngine
from app.alarms.journal_entry import JournalEntry
from app.alarms.kpi import EXPORT_LIMIT, EXPORT_VIOLATION_EVENT
from app.alarms.states import AlarmState, Priority
from app.control.cycle import CycleReport
from app.control.protection import SOURCE as PROTECTION
from app.control.snapshot import SiteRoles
from app.dispatcher import CommandResult
from app.model import Station

SYSTEM = "system"
CONTROL = "control"

HISTORY = "system.history"
CYCLE_OVERRUN = "system.cycle_overrun"
LOOP_LAG = "system.loop_lag"
SOC_FLOOR = "protection.soc_floor"
TEMPERATURE_DERATE = "protection.temperature_derate"
FAILSAFE = "protection.failsafe"
EXPORT_FAILSAFE = "protection.export_failsafe"

_DEVIATING = ("mismatch", "timeout")  # CommandResult.result prefixes that raise deviation


def deviation_id(point_id: str) -> str:
    return f"deviation.{point_id}"


class DeviationAlarms:
    """``deviation.<point>`` (high, source the device) for every setpoint and command of the
    station: active while the latest confirmed command to the point ended in a mismatched
    read-back or no read-back in time; the next ``ok`` command returns it to normal. A
    command refused or failed before it reached the device leaves it as it is (that is the
    failed-command event's and the link alarm's to say), and so does an unconfirmed send
    (the heartbeat)."""

    def __init__(self, engine: AlarmEngine, station: Station) -> None:
        self.engine = engine
        self.points: set[str] = set()
        for spec in station.points.values():
            if not spec.writable:
                continue
            source = spec.device_id or CONTROL
            text = f"Command to {spec.name.en} ({spec.id}) not followed"
            text_zh = f"{spec.name.text('zh')}（{spec.id}）指令未被执行"
            engine.define(deviation_id(spec.id), source, Priority.HIGH, text, spec.id, text_zh)
            self.points.add(spec.id)

    def update(self, result: CommandResult, ts: float) -> list[JournalEntry]:
        if result.point_id not in self.points:
            return []
        alarm_id = deviation_id(result.point_id)
        if result.ok and result.result == "ok":
            return self.engine.set_condition(alarm_id, False, ts)
        if result.result.startswith(_DEVIATING):
            message = f"Command {result.point_id} = {result.value:g} not followed: {result.result}"
            zh = f"指令 {result.point_id} = {result.value:g} 未被执行：{result.result}"
            return self.engine.set_condition(alarm_id, True, ts, message, zh)
        return []


@dataclass(frozen=True)
class SystemLimits:
    """When the console's own health raises an alarm (AlarmService(system_limits=...))."""

    loop_lag_ms: float = 500.0  # event-loop lag above this ...
    loop_lag_on_delay_s: float = 5.0  # ... continuously this long raises system.loop_lag
    loop_lag_off_delay_s: float = 5.0  # and below it this long clears it


class SystemAlarms:
    """``system.history`` (high): the history writer's commits fail (``history_healthy``
    0); ``system.cycle_overrun`` (medium): the last control cycle took longer than its
    period, or started later than one period; ``system.loop_lag`` (medium): the event
    loop's lag above ``SystemLimits.loop_lag_ms`` for the on-delay. Evaluated on a sample
    of ``Runtime.stats``; a figure missing from the sample (no history, no control loop)
    leaves its alarm as it is."""

    def __init__(self, engine: AlarmEngine, limits: SystemLimits | None = None) -> None:
        self.engine = engine
        self.limits = limits = limits or SystemLimits()
        engine.define(
            HISTORY, SYSTEM, Priority.HIGH, "History storage failing", None, "历史存储失败"
        )
        engine.define(
            CYCLE_OVERRUN, SYSTEM, Priority.MEDIUM, "Control cycle overrun", None, "控制周期超时"
        )
        engine.define(
            LOOP_LAG,
            SYSTEM,
            Priority.MEDIUM,
            f"Event-loop lag above {limits.loop_lag_ms:g} ms",
            None,
            f"事件循环延迟超过 {limits.loop_lag_ms:g} ms",
        )
        self._lag = AnalogEvaluator(
            AnalogLimits(
                h=limits.loop_lag_ms,
                on_delay_s=limits.loop_lag_on_delay_s,
                off_delay_s=limits.loop_lag_off_delay_s,
            )
        )

    def update(self, stats: Mapping[str, float], ts: float) -> list[JournalEntry]:
        out: list[JournalEntry] = []
        engine = self.engine
        healthy = stats.get("history_healthy")
        if healthy is not None:
            failures = stats.get("history_failures", 0.0)
            queued = stats.get("history_queued", 0.0)
            message = (
                f"History storage failing: {failures:g} failed commit(s) in a row,"
                f" {queued:g} samples waiting"
            )
            zh = f"历史存储失败：连续 {failures:g} 次提交失败，{queued:g} 个样本等待写入"
            out += engine.set_condition(HISTORY, not healthy, ts, message, zh)
        period = stats.get("cycle_period_ms")
        took, late = stats.get("cycle_ms"), stats.get("cycle_lateness_ms")
        if period is not None and took is not None and late is not None:
            message = (
                f"Control cycle overrun: took {took:.0f} ms, started {late:.0f} ms late"
                f" (period {period:.0f} ms)"
            )
            zh = (
                f"控制周期超时：耗时 {took:.0f} ms，延迟 {late:.0f} ms 启动（周期 {period:.0f} ms）"
            )
            overrun = took > period or late > period
            out += engine.set_condition(CYCLE_OVERRUN, overrun, ts, message, zh)
        lag = stats.get("loop_lag_ms")
        if lag is not None:
            active = self._lag.update(ts, lag)[Level.H]
            message = f"Event-loop lag {lag:.0f} ms (limit {self.limits.loop_lag_ms:g} ms)"
            zh = f"事件循环延迟 {lag:.0f} ms（限值 {self.limits.loop_lag_ms:g} ms）"
            # the text follows the lag only while it is above the limit: the clearing
            # entry keeps the last figure that was a problem, not a healthy one
            above = lag > self.limits.loop_lag_ms
            out += engine.set_condition(LOOP_LAG, active, ts, message if above else None, zh)
        return out


class ProtectionAlarms:
    """Protection stepping in, from each control cycle's report (source ``control``):

    - ``protection.soc_floor`` (medium): protection cut a discharge because the SOC is at or
      below ``soc_min_pct`` (a ``soc`` clamp towards charge);
    - ``protection.temperature_derate`` (medium): protection cut the PCS power because of the
      cell temperature (a ``temperature`` clamp: derate, or 0 kW at the stop temperature);
    - ``protection.failsafe`` (high): protection holds the PCS at 0 kW because an input it
      needs (SOC, BMS limits, cell temperature) is missing, bad or stale, for
      ``failsafe_on_delay_s`` of cycles in a row (default 5 s: the first cycles after a
      start, before the first values are read, are not an alarm).

    Each is active while it holds in the latest cycle and normal in the first cycle it does
    not. A clamp is a setpoint protection changed: at the SOC floor with nothing asking to
    discharge, nothing is cut and nothing is raised (the SOC's own LL alarm tells the state).
    """

    def __init__(
        self, engine: AlarmEngine, roles: SiteRoles, failsafe_on_delay_s: float = 5.0
    ) -> None:
        self.engine = engine
        self.failsafe_on_delay_s = failsafe_on_delay_s
        self._failsafe_since: float | None = None  # report ts since the inputs are unusable
        self.inputs = frozenset(
            {roles.soc, roles.bms_charge_max, roles.bms_discharge_max, roles.cell_t_max}
        )
        self.cell_t = roles.cell_t_max
        engine.define(
            SOC_FLOOR,
            CONTROL,
            Priority.MEDIUM,
            "Protection: discharge blocked (SOC)",
            None,
            "保护：禁止放电（SOC）",
        )
        engine.define(
            TEMPERATURE_DERATE,
            CONTROL,
            Priority.MEDIUM,
            "Protection: power derated (temperature)",
            None,
            "保护：功率降额（温度）",
        )
        engine.define(
            FAILSAFE,
            CONTROL,
            Priority.HIGH,
            "Protection fail-safe: PCS held at 0 kW",
            None,
            "保护失效安全：PCS 保持 0 kW",
        )
        self.grid_p = roles.grid_p
        engine.define(
            EXPORT_LIMIT,
            CONTROL,
            Priority.HIGH,
            "Export above the limit (backflow)",
            roles.grid_p,
            "逆流超限",
        )
        engine.define(
            EXPORT_FAILSAFE,
            CONTROL,
            Priority.MEDIUM,
            "Export guard fail-safe: grid power unusable, PV held",
            roles.grid_p,
            "防逆流失效安全：并网点功率不可用，光伏限发",
        )
        self._episode: tuple[float, float, float] | None = None  # (start, last ts, kWh)

    def update(self, report: CycleReport) -> list[JournalEntry]:
        soc: list[str] = []
        temperature: list[str] = []
        failsafe: list[str] = []
        for c in report.protection.clamps:
            shown = f"{c.reason} ({c.point_id} {c.before:g} -> {c.after:g})"
            if c.stage == "soc" and c.after < c.before:
                soc.append(shown)
            elif c.stage == "temperature":
                temperature.append(shown)
            elif c.stage == "input":
                failsafe.append(shown)
        for e in report.protection.events:
            if e.source != PROTECTION or e.point_id not in self.inputs:
                continue
            if e.severity == "alarm" and e.point_id == self.cell_t:
                temperature.append(e.message)  # the stop temperature: 0 kW
            elif e.severity != "alarm":
                failsafe.append(e.message)  # an unusable input: 0 kW
        ts, engine = report.ts, self.engine
        if not failsafe:
            self._failsafe_since = None
        elif self._failsafe_since is None:
            self._failsafe_since = ts
        held = self._failsafe_since is not None and (
            ts - self._failsafe_since >= self.failsafe_on_delay_s
        )
        return [
            *self._export(report),
            *engine.set_condition(SOC_FLOOR, bool(soc), ts, *_text("Protection", "保护", soc)),
            *engine.set_condition(
                TEMPERATURE_DERATE,
                bool(temperature),
                ts,
                *_text("Protection", "保护", temperature),
            ),
            *engine.set_condition(
                FAILSAFE, held, ts, *_text("Protection fail-safe", "保护失效安全", failsafe)
            ),
        ]

    def _export(self, report: CycleReport) -> list[JournalEntry]:
        """``protection.export_limit`` while the export guard reports a violation (export
        above limit + tolerance for its alarm delay), ``protection.export_failsafe`` while
        it holds PV blind; when a violation ends, an ``event.export_violation`` with its
        energy above the limit and its duration (comment ``energy_kwh=..;duration_s=..``,
        read by the alarm KPIs)."""
        export = report.export
        if export is None:
            return []
        ts, engine, out = report.ts, self.engine, []
        if export.violating and export.export_kw is not None:
            above = max(0.0, export.export_kw - export.limit_kw)
            if self._episode is None:  # counted from when the export went over, not the alarm
                self._episode = (ts - export.over_for_s, ts, above * export.over_for_s / 3600.0)
            else:
                start, last, kwh = self._episode
                self._episode = (start, ts, kwh + above * (ts - last) / 3600.0)
            message = (
                f"Export {export.export_kw:.0f} kW above the limit {export.limit_kw:g} kW "
                f"for {export.over_for_s:.0f} s"
            )
            zh = (
                f"逆流 {export.export_kw:.0f} kW 超过限值 {export.limit_kw:g} kW，"
                f"已持续 {export.over_for_s:.0f} s"
            )
            out += engine.set_condition(EXPORT_LIMIT, True, ts, message, zh)
        else:
            out += engine.set_condition(EXPORT_LIMIT, False, ts)
            if self._episode is not None:
                out.append(self._violation_event(ts, *self._episode))
                self._episode = None
        blind = export.failsafe is not None
        cap = export.pv_cap_kw
        held = "PV not limited" if cap is None else f"PV held at {cap:.0f} kW"
        held_zh = "光伏未限发" if cap is None else f"光伏限发 {cap:.0f} kW"
        out += engine.set_condition(
            EXPORT_FAILSAFE,
            blind,
            ts,
            f"Export guard fail-safe (grid power unusable): {held}" if blind else None,
            f"防逆流失效安全（并网点功率不可用）：{held_zh}" if blind else "",
        )
        return out

    def _violation_event(self, ts: float, start: float, last: float, kwh: float) -> JournalEntry:
        duration = last - start
        return JournalEntry(
            ts,
            EXPORT_VIOLATION_EVENT,
            CONTROL,
            Priority.HIGH,
            AlarmState.NORMAL,
            f"Export violation ended: {kwh:.2f} kWh above the limit in {duration:.0f} s",
            kind="event",
            point_id=self.grid_p,
            comment=f"energy_kwh={kwh:.4f};duration_s={duration:.1f}",
            message_zh=f"逆流超限结束：超限电量 {kwh:.2f} kWh，持续 {duration:.0f} s",
        )


def _text(head: str, head_zh: str, reasons: list[str]) -> tuple[str | None, str]:
    """The alarm's text while active, in English and Chinese (the reasons come from the
    protection stage in English); None keeps the text that raised it when it clears."""
    if not reasons:
        return None, ""
    joined = "; ".join(reasons)
    return f"{head}: {joined}", f"{head_zh}：{joined}"
