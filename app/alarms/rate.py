"""Rate-of-change alarms on one analog point: the value moves faster than ``max_per_s``.

The rate is taken over the window, not between two samples: it is the change from the
*reference* sample — the newest sample at least ``window_s`` old — to the newest one,
divided by the time between them. So

- a ramp faster than the limit raises once the window has seen it (within ``window_s``);
- a slow drift of the same total change does not (the change is spread over more time);
- one noisy sample, or the first sample after a long gap, is divided by the whole span
  back to the reference (at least the window, the gap when longer), not by a poll period;
- the condition clears when the rate over the window falls back to the limit or below.

Until the samples cover one window (after a start, or a restart), nothing is evaluated and
the condition keeps its state. Like the limit rules, a bad, missing or NaN value is not a
sample (the state is kept: a bad input is the quality alarm's job), nor is a sample not
newer than the last one. Pure: every time is passed in.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.alarms.states import Priority
from app.alarms.text import AlarmText, message_text
from app.points import Quality, Scalar

Direction = Literal["rise", "fall", "both"]


class RateRule(BaseModel):
    """``roc:`` in a point's ``alarms:`` mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    max_per_s: float = Field(gt=0)  # the limit, in the point's unit per second
    window_s: float = Field(default=10.0, gt=0)  # the rate is taken over this long
    direction: Direction = "both"  # rise: only increases count; fall: only decreases
    priority: Priority = Priority.MEDIUM
    message: str | AlarmText | None = None
    _message = field_validator("message", mode="before")(message_text)

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in {p.value for p in Priority}:
            known = ", ".join(p.value for p in Priority)
            raise ValueError(f"unknown priority {value!r} (known: {known})")
        return value


class RateEvaluator:
    """The rate-of-change condition of one point, sample by sample."""

    __slots__ = ("_samples", "active", "rate", "rule")

    def __init__(self, rule: RateRule) -> None:
        self.rule = rule
        self.active = False
        self.rate: float | None = None  # the latest rate over the window (unit/s)
        self._samples: deque[tuple[float, float]] = deque()

    def update(self, ts: float, value: Scalar | None, quality: Quality = Quality.GOOD) -> bool:
        """Add the sample at ``ts``; returns the condition (active or not)."""
        number = math.nan if value is None else float(value)
        samples = self._samples
        if quality.is_bad or math.isnan(number) or (samples and ts <= samples[-1][0]):
            return self.active
        samples.append((ts, number))
        oldest = ts - self.rule.window_s
        # keep one sample at or before the window's start: the reference
        while len(samples) > 1 and samples[1][0] <= oldest:
            samples.popleft()
        t_ref, v_ref = samples[0]
        if t_ref > oldest:
            return self.active  # the samples do not cover one window yet
        rate = (number - v_ref) / (ts - t_ref)
        self.rate = rate
        direction = self.rule.direction
        moving = rate if direction == "rise" else -rate if direction == "fall" else abs(rate)
        self.active = moving > self.rule.max_per_s
        return self.active
