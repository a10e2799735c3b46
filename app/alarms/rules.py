"""Alarm rules as data: what a template point's ``alarms:`` mapping (and a station's
``alarm_overrides:``) may say. Validation only; the engine (engine.py) runs the rules.

An analog rule is an AnalogLimits (so the limits are checked by the one validator that the
evaluator also trusts) plus the priority and the operator's text; a digital rule names the
bit value that is abnormal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from app.alarms.analog import AnalogLimits, Level
from app.alarms.rate import RateRule
from app.alarms.states import Priority
from app.alarms.text import AlarmText, message_text

DEFAULT_PRIORITY = {
    Level.HH: Priority.HIGH,
    Level.H: Priority.MEDIUM,
    Level.L: Priority.MEDIUM,
    Level.LL: Priority.HIGH,
}
"""Used for a level the rule gives no priority: the outer limits are the urgent ones."""

LEVEL_TEXT = {Level.HH: "high-high", Level.H: "high", Level.L: "low", Level.LL: "low-low"}
LEVEL_TEXT_ZH = {Level.HH: "高高", Level.H: "高", Level.L: "低", Level.LL: "低低"}

_LEVELS = frozenset(lvl.value for lvl in Level)
_NESTED = frozenset({"roc"})  # sub-rules an override merges key by key, like the rule itself
_PER_LEVEL = ("priority", "response")  # mappings {level: ...} a removed limit leaves

ANALOG_KINDS = frozenset({"analog", "counter"})
DIGITAL_KINDS = frozenset({"digital"})


class AnalogRule(AnalogLimits):
    """HH/H/L/LL limits with deadband and delays, one priority or one per level, and an
    optional rate-of-change rule (``roc``, app/alarms/rate.py).

    ``response``: per level, what the station does and the operator must know at that level
    (the alarm response, ISA-18.2), added after the value to that level's message only:
    ``response: {hh: {en: PCS held at 0 kW by protection, zh: 保护已将 PCS 保持 0 kW}}``.
    """

    priority: Priority | dict[Level, Priority] | None = None
    message: str | AlarmText | None = None
    _message = field_validator("message", mode="before")(message_text)
    roc: RateRule | None = None
    response: dict[Level, str | AlarmText] | None = None

    @model_validator(mode="after")
    def _some_limit(self) -> AnalogRule:
        # replaces AnalogLimits' check (same name): a rate-of-change rule alone is a rule
        if not self.levels() and self.roc is None:
            raise ValueError("at least one of hh, h, l, ll or roc must be set")
        return self

    @field_validator("priority", mode="before")
    @classmethod
    def _priorities(cls, value: Any) -> Any:
        # One readable error located on `priority` instead of pydantic's per-branch union
        # errors.
        if value is None or isinstance(value, Priority):
            return value
        if isinstance(value, str):
            return _priority(value)
        if not isinstance(value, dict):
            raise ValueError("give one priority, or a mapping {level: priority}")
        out = {}
        for key, prio in value.items():
            if key not in _LEVELS:
                raise ValueError(f"unknown level {key!r} (levels: hh, h, l, ll)")
            out[Level(key)] = _priority(prio)
        return out

    @field_validator("response", mode="before")
    @classmethod
    def _responses(cls, value: Any) -> Any:
        # one error located on `response`, naming the bad level or text
        if value is None:
            return value
        if not isinstance(value, Mapping):
            raise ValueError("give a mapping {level: text}")
        out = {}
        for key, text in value.items():
            if key not in _LEVELS:
                raise ValueError(f"unknown level {key!r} (levels: hh, h, l, ll)")
            try:
                out[Level(key)] = message_text(text)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return out

    @model_validator(mode="after")
    def _priority_levels_set(self) -> AnalogRule:
        # After the fields, so a limit that failed its own check is not reported twice.
        for name, per_level in (("priority", self.priority), ("response", self.response)):
            if isinstance(per_level, dict):
                unset = [str(lvl) for lvl in per_level if self.limit(lvl) is None]
                if unset:
                    raise ValueError(f"{name} names {', '.join(unset)}, which has no limit")
        return self

    def priority_of(self, level: Level) -> Priority:
        if isinstance(self.priority, Priority):
            return self.priority
        if isinstance(self.priority, dict) and level in self.priority:
            return self.priority[level]
        return DEFAULT_PRIORITY[level]


class DigitalRule(BaseModel):
    """A fault bit or a state bit: abnormal while the point equals ``when``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: Literal[0, 1] = 1
    priority: Priority = Priority.MEDIUM
    message: str | AlarmText | None = None
    _message = field_validator("message", mode="before")(message_text)


AlarmRule = AnalogRule | DigitalRule


def _priority(value: Any) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        known = ", ".join(p.value for p in Priority)
        raise ValueError(f"unknown priority {value!r} (known: {known})") from None


def parse_rule(kind: str, data: Any) -> AlarmRule:
    """The rule for a point of ``kind``; raises ValidationError or ValueError.

    The point's kind picks the rule type, so ``h:`` on a digital point is an unknown key
    rather than a guess between two shapes.
    """
    if kind in DIGITAL_KINDS:
        return DigitalRule.model_validate(data)
    if kind in ANALOG_KINDS:
        return AnalogRule.model_validate(data)
    raise ValueError(f"a {kind} point carries no alarms (only analog, counter and digital)")


def merge_override(base: Mapping[str, Any] | None, override: Mapping[str, Any]) -> dict[str, Any]:
    """A station override laid over the template's rule, key by key; ``key: null`` removes.

    Removing a limit also drops its entry from a per-level priority (and response)
    mapping, so ``{hh: null}`` works without restating them. ``roc:`` is merged the same way,
    one level down (``roc: {max_per_s: 2}`` keeps the template's window; ``roc: null``
    removes the rate-of-change rule).
    """
    merged = dict(base or {})
    for key, value in override.items():
        if key in _NESTED and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_override(merged[key], value)  # roc: {max_per_s: 2} keeps window_s
            continue
        if value is not None:
            merged[key] = value
            continue
        merged.pop(key, None)
        for name in _PER_LEVEL:
            per_level = merged.get(name)
            if key in _LEVELS and isinstance(per_level, Mapping) and key in per_level:
                merged[name] = {k: v for k, v in per_level.items() if k != key}
    return merged
