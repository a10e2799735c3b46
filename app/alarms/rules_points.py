"""One point's alarm rule bound to its alarms: evaluates a sample, returns the transitions.

The engine (engine.py) owns these and adds what spans points: links, quality, operator
actions and floods. Alarm ids: ``<point>.<LEVEL>`` for analog limits (``bms1.cell_t_max.HH``),
``<point>.ROC`` for a rate-of-change rule, the point id itself for a digital rule
(``brk_grid.tripped``).
"""

from __future__ import annotations

import math

from app.alarms.analog import AnalogEvaluator
from app.alarms.journal_entry import JournalEntry
from app.alarms.lifecycle import MAX_SHELVE_S, Alarm
from app.alarms.rate import RateEvaluator
from app.alarms.rules import LEVEL_TEXT, LEVEL_TEXT_ZH, AnalogRule, DigitalRule
from app.alarms.states import Transition
from app.alarms.text import en_zh
from app.model import PointSpec
from app.points import Quality, Scalar


class Slot:
    """One alarm and what the journal says about it, in English and Chinese."""

    __slots__ = (
        "alarm",
        "point_id",
        "response",
        "response_zh",
        "source",
        "text",
        "text_zh",
        "unit",
        "value",
    )

    def __init__(
        self,
        alarm: Alarm,
        source: str,
        text: str,
        point_id: str | None = None,
        unit: str = "",
        text_zh: str = "",
        response: tuple[str, str] = ("", ""),
    ) -> None:
        self.alarm = alarm
        self.source = source
        self.text = text
        self.text_zh = text_zh  # empty: the same as the English
        self.point_id = point_id
        self.unit = unit
        self.value: Scalar | None = None  # the last usable value, shown in the message
        # the rule's response for this level (en, zh), shown after the value
        self.response, self.response_zh = response

    def _with_value(self, text: str, colon: str = ": ") -> str:
        if self.value is None or isinstance(self.value, bool):
            return text
        unit = f" {self.unit}" if self.unit else ""
        return f"{text}{colon}{float(self.value):.4g}{unit}"

    @property
    def message(self) -> str:
        tail = f" — {self.response}" if self.response else ""
        return self._with_value(self.text) + tail

    @property
    def message_zh(self) -> str:
        if (not self.text_zh or self.text_zh == self.text) and self.response_zh == self.response:
            return ""
        tail = f"；{self.response_zh}" if self.response_zh else ""
        return self._with_value(self.text_zh or self.text, "：") + tail

    def entry(self, t: Transition) -> JournalEntry:
        return JournalEntry.of(
            t, self.source, self.alarm.priority, self.message, self.point_id, self.message_zh
        )


def _source(spec: PointSpec) -> str:
    return spec.device_id or "site"


_DIRECTION_TEXT = {"rise": "rising", "fall": "falling", "both": "changing"}
_DIRECTION_ZH = {"rise": "上升", "fall": "下降", "both": "变化"}


class AnalogPoint:
    """HH/H/L/LL of one point: one AnalogEvaluator, one Alarm per configured level; and
    its rate-of-change alarm (``<point>.ROC``) when the rule has ``roc``."""

    __slots__ = ("evaluator", "pairs", "pending", "rate", "rate_slot", "slots")

    def __init__(
        self, spec: PointSpec, rule: AnalogRule, max_shelve_s: float = MAX_SHELVE_S
    ) -> None:
        self.evaluator = AnalogEvaluator(rule)
        self.slots: list[Slot] = []
        name, name_zh = en_zh(rule.message, spec.name.en, spec.name.text("zh"))
        unit = f" {spec.unit}" if spec.unit else ""
        for level in rule.levels():
            limit = rule.limit(level)
            text = f"{name} {LEVEL_TEXT[level]} (limit {limit:g}{unit})"
            text_zh = f"{name_zh}{LEVEL_TEXT_ZH[level]}（限值 {limit:g}{unit}）"
            alarm_id = f"{spec.id}.{level.upper()}"
            alarm = Alarm(alarm_id, rule.priority_of(level), max_shelve_s=max_shelve_s)
            response = rule.response.get(level) if rule.response else None
            shown = en_zh(response, "", "")  # ("", "") without one
            slot = Slot(alarm, _source(spec), text, spec.id, spec.unit, text_zh, shown)
            self.slots.append(slot)
        # (condition, slot) pairs: the hot loop reads the conditions directly
        self.pairs = list(zip(self.evaluator.conditions.values(), self.slots, strict=True))
        self.rate: RateEvaluator | None = None
        self.rate_slot: Slot | None = None
        roc = rule.roc
        if roc is not None:
            self.rate = RateEvaluator(roc)
            roc_name, roc_zh = en_zh(roc.message, name, name_zh)
            text = (
                f"{roc_name} {_DIRECTION_TEXT[roc.direction]} faster than "
                f"{roc.max_per_s:g}{unit}/s (over {roc.window_s:g} s)"
            )
            text_zh = (
                f"{roc_zh}{_DIRECTION_ZH[roc.direction]}过快：超过 {roc.max_per_s:g}{unit}/s"
                f"（{roc.window_s:g} s 内）"
            )
            alarm = Alarm(f"{spec.id}.ROC", roc.priority, max_shelve_s=max_shelve_s)
            rate_unit = f"{spec.unit}/s" if spec.unit else "per s"
            self.rate_slot = Slot(alarm, _source(spec), text, spec.id, rate_unit, text_zh)
            self.slots.append(self.rate_slot)
        # a delay is running, or the rate alarm is active (a value that stops changing
        # is not published again: the engine's tick evaluates it until the rate falls)
        self.pending = False

    def update(self, ts: float, value: Scalar | None, quality: Quality) -> list[JournalEntry]:
        self.evaluator.update(ts, value, quality)
        # `value == value` is False for NaN; bad values are not shown in messages
        usable = value is not None and quality < Quality.BAD and value == value
        out = []
        pending = False
        for cond, slot in self.pairs:
            if usable:
                slot.value = value
            now = cond.active
            pending = pending or cond.raw != now
            alarm = slot.alarm
            # Skip the state machine when nothing can change: same condition, no shelve to
            # expire, no chattering flag to clear. 10,000 points a cycle make this count.
            if now != alarm.condition or alarm.chattering or alarm.shelved_until is not None:
                t = alarm.evaluate(ts, now)
                if t is not None:
                    out.append(slot.entry(t))
        rate = self.rate
        if rate is not None and self.rate_slot is not None:
            active = rate.update(ts, value, quality)
            slot = self.rate_slot
            if rate.rate is not None:
                slot.value = rate.rate
            alarm = slot.alarm
            if active != alarm.condition or alarm.chattering or alarm.shelved_until is not None:
                t = alarm.evaluate(ts, active)
                if t is not None:
                    out.append(slot.entry(t))
            pending = pending or active
        self.pending = pending
        return out


class DigitalPoint:
    """A fault or state bit: the alarm is active while the value equals ``rule.when``."""

    __slots__ = ("pending", "rule", "slots")

    def __init__(
        self, spec: PointSpec, rule: DigitalRule, max_shelve_s: float = MAX_SHELVE_S
    ) -> None:
        self.rule = rule
        text, text_zh = en_zh(
            rule.message, f"{spec.name.en} = {rule.when}", f"{spec.name.text('zh')} = {rule.when}"
        )
        alarm = Alarm(spec.id, rule.priority, max_shelve_s=max_shelve_s)
        self.slots = [Slot(alarm, _source(spec), text, spec.id, text_zh=text_zh)]
        self.pending = False  # no delays on a digital rule

    def update(self, ts: float, value: Scalar | None, quality: Quality) -> list[JournalEntry]:
        # A bad or missing value keeps the state: the quality alarm reports it.
        if value is None or quality.is_bad or (isinstance(value, float) and math.isnan(value)):
            return []
        slot = self.slots[0]
        t = slot.alarm.evaluate(ts, int(bool(value)) == self.rule.when)
        return [] if t is None else [slot.entry(t)]


PointAlarms = AnalogPoint | DigitalPoint


def bind(spec: PointSpec, max_shelve_s: float = MAX_SHELVE_S) -> PointAlarms | None:
    """The point's rule bound to fresh alarms, or None when the point has no rule."""
    rule = spec.alarms
    if isinstance(rule, AnalogRule):
        return AnalogPoint(spec, rule, max_shelve_s)
    if isinstance(rule, DigitalRule):
        return DigitalPoint(spec, rule, max_shelve_s)
    return None
