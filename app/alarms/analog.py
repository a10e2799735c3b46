"""Analog limit alarms HH / H / L / LL on one point, with deadband, on-delay and off-delay.

Each configured level is its own condition (and its own alarm, usually with its own
priority), evaluated independently: a value above HH has both H and HH active.
"""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from app.points import Quality, Scalar


class Level(StrEnum):
    HH = "hh"
    H = "h"
    L = "l"
    LL = "ll"

    @property
    def is_high(self) -> bool:
        return self in (Level.HH, Level.H)


# Limits from low to high: a configured subset must be strictly increasing in this order.
_ORDER = (Level.LL, Level.L, Level.H, Level.HH)


class AnalogLimits(BaseModel):
    """The rule fields of an analog limit alarm, in the point's engineering unit.

    ``deadband``: an active high limit clears only below ``limit - deadband`` (a low limit
    only above ``limit + deadband``), so a value hovering at the limit raises one alarm.
    ``on_delay_s`` / ``off_delay_s``: the condition must hold (be clear) continuously this
    long before it becomes active (returns to normal).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    hh: float | None = None
    h: float | None = None
    l: float | None = None  # noqa: E741 - the field is named as the industry names it
    ll: float | None = None
    deadband: float = Field(default=0.0, ge=0)
    on_delay_s: float = Field(default=0.0, ge=0)
    off_delay_s: float = Field(default=0.0, ge=0)

    @field_validator("h", "l", "ll")
    @classmethod
    def _below_higher_limits(cls, value: float | None, info: ValidationInfo) -> float | None:
        # Fields are declared from the highest limit down, so every higher limit is already
        # in info.data; the error is then located on this field ("h=120 is not below hh=110").
        if value is None:
            return value
        level = Level(str(info.field_name))
        for higher in _ORDER[_ORDER.index(level) + 1 :]:
            limit = info.data.get(higher.value)
            if limit is not None and not value < limit:
                raise ValueError(
                    f"{level}={value:g} is not below {higher}={limit:g}"
                    " (limits must rise: ll < l < h < hh)"
                )
        return value

    @model_validator(mode="after")
    def _some_limit(self) -> AnalogLimits:
        if not self.levels():
            raise ValueError("at least one of hh, h, l, ll must be set")
        return self

    def limit(self, level: Level) -> float | None:
        value: float | None = getattr(self, level.value)
        return value

    def levels(self) -> tuple[Level, ...]:
        return tuple(lvl for lvl in _ORDER if self.limit(lvl) is not None)


class LimitCondition:
    """One limit: hysteresis by the deadband, then debounced by the on/off delays."""

    __slots__ = ("_pending_since", "active", "high", "limit", "limits", "raw")

    def __init__(self, level: Level, limits: AnalogLimits) -> None:
        limit = limits.limit(level)
        if limit is None:
            raise ValueError(f"limit {level} is not set")
        self.limit = limit
        self.high = level.is_high
        self.limits = limits
        self.raw = False  # the condition in the last sample, before the delays
        self.active = False  # the debounced condition that drives the alarm
        self._pending_since: float | None = None  # raw != active since then

    def update(self, ts: float, value: float) -> bool:
        self.raw = self._past_limit(value)
        if self.raw == self.active:
            self._pending_since = None
            return self.active
        if self._pending_since is None:
            self._pending_since = ts
        delay = self.limits.on_delay_s if self.raw else self.limits.off_delay_s
        if ts - self._pending_since >= delay:
            self.active = self.raw
            self._pending_since = None
        return self.active

    def interrupt(self) -> None:
        """No usable value: a pending change has not held *continuously*, so it restarts."""
        self._pending_since = None

    def _past_limit(self, value: float) -> bool:
        # The band depends on the alarm's (debounced) state: an inactive limit is crossed
        # strictly past the limit; an active one clears only strictly past limit -/+
        # deadband (limit 100, deadband 2: clears only below 98). So a value back inside
        # the band interrupts an off-delay, and a value at or under the limit an on-delay.
        band = self.limits.deadband
        if self.high:
            return value >= self.limit - band if self.active else value > self.limit
        return value <= self.limit + band if self.active else value < self.limit


class AnalogEvaluator:
    """All limits of one point. ``update`` returns the active flag of each configured level."""

    __slots__ = ("conditions", "limits")

    def __init__(self, limits: AnalogLimits) -> None:
        self.limits = limits
        self.conditions = {lvl: LimitCondition(lvl, limits) for lvl in limits.levels()}

    def update(
        self, ts: float, value: Scalar | None, quality: Quality = Quality.GOOD
    ) -> dict[Level, bool]:
        """Evaluate one sample, at ``ts`` (the evaluation time, UTC epoch seconds).

        A bad (or missing / NaN) value keeps every state as it is: a bad input raises the
        quality alarm, not a limit alarm. Uncertain values are evaluated.
        """
        number = math.nan if value is None else float(value)
        if quality.is_bad or math.isnan(number):
            for condition in self.conditions.values():
                condition.interrupt()
        else:
            for condition in self.conditions.values():
                condition.update(ts, number)
        return self.active()

    def active(self) -> dict[Level, bool]:
        return {lvl: c.active for lvl, c in self.conditions.items()}
