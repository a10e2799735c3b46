"""The pure core of the ISA-18.2 alarm life cycle (issue 4): no I/O, no Qt, no asyncio.

    limits = AnalogLimits(h=100, deadband=2, on_delay_s=5)
    evaluator = AnalogEvaluator(limits)
    alarm = Alarm("pcs1.temp.H", Priority.HIGH)
    active = evaluator.update(ts, value, quality)        # {Level.H: True}
    transition = alarm.evaluate(ts, active[Level.H])     # Transition | None, for the journal

Every time is an explicit UTC epoch float passed in by the caller (the control cycle's
clock), so each rule is testable without waiting. See docs/alarms.md.

The engine (app.alarms.engine), journal (app.alarms.journal) and KPIs (app.alarms.kpi) are
imported from their modules: the engine needs app.model, which imports app.alarms.rules,
so the package itself stays free of them.
"""

from app.alarms.analog import AnalogEvaluator, AnalogLimits, Level, LimitCondition
from app.alarms.flood import FloodDetector
from app.alarms.journal_entry import JournalEntry
from app.alarms.lifecycle import MAX_SHELVE_S, Alarm, AlarmError
from app.alarms.states import LISTED, AlarmState, Priority, Transition
from app.alarms.window import SlidingCount

__all__ = [
    "LISTED",
    "MAX_SHELVE_S",
    "Alarm",
    "AlarmError",
    "AlarmState",
    "AnalogEvaluator",
    "AnalogLimits",
    "FloodDetector",
    "JournalEntry",
    "Level",
    "LimitCondition",
    "Priority",
    "SlidingCount",
    "Transition",
]
