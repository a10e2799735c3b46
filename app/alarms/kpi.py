"""The alarm KPI report (ISA-18.2 / EEMUA 191 performance measures) over journal entries.

Pure: a list of JournalEntry and a period [start, end] in, an AlarmKpis out. An activation
is a transition to ``unack`` (what the operator is asked to act on). Entries before
``start`` count for nothing but the state at ``end``, so pass the journal up to ``end``
when stale alarms (active for longer than 24 h) should be found.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.alarms.flood import FloodDetector
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import AlarmState, Priority
from app.alarms.window import SlidingCount

DAY_S = 86400.0
STALE_AFTER_S = DAY_S
TOP_N = 10
PRIORITY_TARGET = {Priority.LOW: 0.80, Priority.MEDIUM: 0.15, Priority.HIGH: 0.05}
"""The ISA-18.2 guideline mix of annunciated alarms; critical has no share of its own."""

_ACTIVE = (AlarmState.UNACK, AlarmState.ACKED)  # the condition is active
# the export guard's alarm and the event journaled when a violation ends (app/alarms/sources)
EXPORT_LIMIT = "protection.export_limit"
EXPORT_VIOLATION_EVENT = "event.export_violation"


@dataclass(frozen=True)
class ExportViolationKpis:
    """What the grid company would hold against the station in the period."""

    count: int = 0  # activations of protection.export_limit
    energy_kwh: float = 0.0  # export above the limit, over the violations that ended
    longest_s: float = 0.0


@dataclass(frozen=True)
class AlarmKpis:
    start: float
    end: float
    activations: int
    per_day: list[tuple[str, int]]  # (UTC date, activations), every day of the period
    by_priority: dict[Priority, int]
    top: list[tuple[str, int]]  # (alarm_id, activations), most frequent first
    chattering: list[tuple[str, int]]  # (alarm_id, most activations within the window)
    stale: list[tuple[str, float]]  # (alarm_id, active since), oldest first
    time_in_flood_s: float
    floods: int  # floods that started or ran during the period
    export: ExportViolationKpis = field(default_factory=ExportViolationKpis)
    priority_target: dict[Priority, float] = field(default_factory=lambda: PRIORITY_TARGET)

    @property
    def per_day_average(self) -> float:
        days = max(self.end - self.start, 0.0) / DAY_S
        return self.activations / days if days else 0.0

    @property
    def priority_mix(self) -> dict[Priority, float]:
        total = self.activations
        return {p: (self.by_priority.get(p, 0) / total if total else 0.0) for p in _ORDER}

    def text(self) -> str:
        lines = [
            f"Alarm KPIs {_utc(self.start)} .. {_utc(self.end)}",
            f"alarms (activations): {self.activations}, "
            f"{self.per_day_average:.1f} per day on average",
        ]
        lines += [f"  {day}  {n}" for day, n in self.per_day]
        lines.append("priority mix (count, share, target):")
        mix = self.priority_mix
        for p in _ORDER:
            target = self.priority_target.get(p)
            goal = "-" if target is None else f"{target:.0%}"
            lines.append(f"  {p.value:<8}  {self.by_priority.get(p, 0):>6}  {mix[p]:>4.0%}  {goal}")
        lines.append(f"top {TOP_N} most frequent:")
        lines += [f"  {n:>6}  {alarm}" for alarm, n in self.top] or ["  none"]
        lines.append("chattering (activations within 60 s):")
        lines += [f"  {n:>6}  {alarm}" for alarm, n in self.chattering] or ["  none"]
        lines.append(f"stale (active > {STALE_AFTER_S / 3600:g} h at the end):")
        lines += [
            f"  {(self.end - since) / 3600:>6.1f} h  {alarm}  (since {_utc(since)})"
            for alarm, since in self.stale
        ] or ["  none"]
        lines.append(
            f"time in flood: {self.time_in_flood_s / 60:.1f} min in {self.floods} flood(s)"
        )
        x = self.export
        lines.append(
            f"export violations: {x.count}, {x.energy_kwh:.2f} kWh above the limit, "
            f"longest {x.longest_s:.0f} s"
        )
        return "\n".join(lines)


def _utc(ts: float) -> str:
    # minutes are enough in a report (and app.history would pull numpy into the core)
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%MZ")


_ORDER = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL)


def compute_kpis(
    entries: Sequence[JournalEntry],
    start: float,
    end: float,
    *,
    chatter_count: int = 3,
    chatter_window_s: float = 60.0,
    flood: FloodDetector | None = None,
) -> AlarmKpis:
    """The KPIs of ``entries`` (any order) for the period [start, end]."""
    ordered = sorted((e for e in entries if e.kind == "alarm" and e.ts <= end), key=lambda e: e.ts)
    activations = [e for e in ordered if e.state is AlarmState.UNACK and e.ts >= start]
    counts = Counter(e.alarm_id for e in activations)
    detector = flood or FloodDetector()
    for e in activations:
        detector.record(e.ts)
    in_flood = detector.time_in_flood(end)
    return AlarmKpis(
        start=start,
        end=end,
        activations=len(activations),
        per_day=_per_day(activations, start, end),
        by_priority=dict(Counter(e.priority for e in activations)),
        top=sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_N],
        chattering=_chattering(activations, chatter_count, chatter_window_s),
        stale=_stale(ordered, end),
        time_in_flood_s=in_flood,
        floods=len(detector.floods) + (1 if detector.in_flood else 0),
        export=_export_violations(entries, start, end, counts[EXPORT_LIMIT]),
    )


def _export_violations(
    entries: Sequence[JournalEntry], start: float, end: float, count: int
) -> ExportViolationKpis:
    energy, longest = 0.0, 0.0
    for e in entries:
        if e.alarm_id != EXPORT_VIOLATION_EVENT or not start <= e.ts <= end:
            continue
        fields = dict(part.split("=", 1) for part in e.comment.split(";") if "=" in part)
        try:
            energy += float(fields.get("energy_kwh", 0.0))
            longest = max(longest, float(fields.get("duration_s", 0.0)))
        except ValueError:  # a hand-edited journal: count it, skip its figures
            continue
    return ExportViolationKpis(count, energy, longest)


def _per_day(activations: list[JournalEntry], start: float, end: float) -> list[tuple[str, int]]:
    day = datetime.fromtimestamp(start, UTC).date()
    last = datetime.fromtimestamp(end, UTC).date()
    counts = Counter(datetime.fromtimestamp(e.ts, UTC).date() for e in activations)
    days = []
    while day <= last:
        days.append((day.isoformat(), counts.get(day, 0)))
        day += timedelta(days=1)
    return days


def _chattering(
    activations: list[JournalEntry], count: int, window_s: float
) -> list[tuple[str, int]]:
    # the lifecycle's rule, replayed: `count` or more activations in (ts - window_s, ts]
    windows: dict[str, SlidingCount] = defaultdict(lambda: SlidingCount(window_s))
    peak: dict[str, int] = {}
    for e in activations:
        window = windows[e.alarm_id]
        window.add(e.ts)
        n = window.count(e.ts)
        if n >= count and n > peak.get(e.alarm_id, 0):
            peak[e.alarm_id] = n
    return sorted(peak.items(), key=lambda kv: (-kv[1], kv[0]))


def _stale(ordered: list[JournalEntry], end: float) -> list[tuple[str, float]]:
    # the state at `end` is the alarm's latest entry; it became active at its latest unack
    latest: dict[str, JournalEntry] = {}
    since: dict[str, float] = {}
    for e in ordered:
        latest[e.alarm_id] = e
        if e.state is AlarmState.UNACK:
            since[e.alarm_id] = e.ts
    stale = [
        (alarm, since[alarm])
        for alarm, e in latest.items()
        if e.state in _ACTIVE and alarm in since and end - since[alarm] > STALE_AFTER_S
    ]
    return sorted(stale, key=lambda kv: (kv[1], kv[0]))
