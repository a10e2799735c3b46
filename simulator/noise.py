"""Smooth, seeded, deterministic variation: a sum of sines with random periods and phases.

Used wherever the plant needs "weather-like" wiggle (clouds, load, grid frequency). Unlike
white noise it is continuous, so a ramp looks like a ramp, and it is a pure function of
time, so the same seed and time always give the same value whatever the stepping.
"""

from __future__ import annotations

import math

import numpy as np


class SmoothNoise:
    """``value(t)`` in [-1, 1]; periods drawn log-uniformly between ``period_s`` bounds."""

    def __init__(self, seed: int, period_s: tuple[float, float], components: int = 6) -> None:
        rng = np.random.default_rng(seed)
        lo, hi = period_s
        periods = np.exp(rng.uniform(math.log(lo), math.log(hi), components))
        self._omega = [2.0 * math.pi / float(p) for p in periods]
        self._phase = [float(x) for x in rng.uniform(0.0, 2.0 * math.pi, components)]
        amps = [float(a) for a in rng.uniform(0.5, 1.0, components)]
        total = sum(amps)
        self._amp = [a / total for a in amps]

    def value(self, t: float) -> float:
        return sum(
            a * math.sin(w * t + p)
            for a, w, p in zip(self._amp, self._omega, self._phase, strict=True)
        )
