"""What the day-ahead LP needs: plain numbers and numpy arrays, no tariff or database objects.

Sign conventions (architecture rule 7): kW; battery > 0 discharging; grid > 0 importing.
Prices are currency per kWh, the demand charge currency per kW (of monthly peak import).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from app.battery import BatteryParams, Curve

FloatArray = NDArray[np.float64]
Segment = tuple[float, float]


def _first_full(curve: Curve) -> float:
    """Lowest x at which the curve reaches its full factor (1.0)."""
    for x, y in curve:
        if y >= 1.0:
            return float(x)
    return float(curve[-1][0])


def _last_full(curve: Curve) -> float:
    """Highest x at which the curve is still at its full factor (1.0)."""
    for x, y in reversed(curve):
        if y >= 1.0:
            return float(x)
    return float(curve[0][0])


def full_power_soc_window(params: BatteryParams) -> tuple[float, float]:
    """The SOC band in which the battery model gives full rated power both ways.

    The LP treats power limits as constants, which is exact only where the SOC derating of
    ``app.battery`` is 1.0; with the default curves this is 0.10 .. 0.90.
    """
    return _first_full(params.discharge_derate_soc), _last_full(params.charge_derate_soc)


def _as_array(name: str, values: object, n: int | None = None) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if n is not None and arr.size == 1 and n != 1:
        arr = np.full(n, float(arr[0]))
    if n is not None and arr.size != n:
        raise ValueError(f"{name} has {arr.size} values, expected {n}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


@dataclass(frozen=True)
class PlanInputs:
    """Everything the LP needs for one horizon of ``len(load_kw)`` steps of ``step_s`` seconds.

    ``import_price``/``export_price`` may be scalars (broadcast) or per-step arrays.
    ``soc_min``/``soc_max`` default to the battery model's full-power window
    (:func:`full_power_soc_window`); ``soc_target`` (terminal SOC lower bound) defaults to the
    initial SOC, clipped into the SOC bounds.
    """

    load_kw: ArrayLike
    pv_kw: ArrayLike
    import_price: ArrayLike
    export_price: ArrayLike = 0.0
    demand_charge_per_kw: float = 0.0
    peak_so_far_kw: float = 0.0
    # the share of the month's demand charge this plan bears per kW above peak_so_far_kw (1:
    # the full monthly rate; the MPC amortises it over the rest of the month, docs/optimizer.md)
    demand_share: float = 1.0
    # steps from this index on belong to the next billing month: their import sets that
    # month's peak, from 0 kW, at next_demand_share of the demand charge (None: one month)
    next_month_step: int | None = None
    next_demand_share: float = 1.0
    # a cheaper start: (upper kW, share) segments above peak_so_far_kw (for the next month
    # above 0 kW), in rising kW; a kW inside a segment costs that share of the demand charge,
    # above the last one demand_share (next_demand_share). Shares are made non-decreasing
    # and at most the final share, so the cost of raising the peak stays convex.
    demand_segments: Sequence[tuple[float, float]] = ()
    next_demand_segments: Sequence[tuple[float, float]] = ()
    battery: BatteryParams = field(default_factory=BatteryParams)
    soc_initial: float = 0.5
    soh: float = 1.0
    soc_min: float | None = None
    soc_max: float | None = None
    soc_target: float | None = None
    import_limit_kw: float = float("inf")
    export_limit_kw: float | ArrayLike = float("inf")  # or one cap per step
    # net import to keep at least (kW, scalar or per step): an anti-backflow margin
    min_import_kw: float | ArrayLike = 0.0
    # SOC floor per step (0..1, or a scalar; None: none) on top of soc_min: a reserve the
    # plan keeps (the MPC's spike reserve); relaxed, like soc_min, to what can be reached
    soc_floor: float | ArrayLike | None = None
    allow_curtailment: bool = True
    start_ts: float = 0.0  # UTC epoch seconds of the start of step 0
    step_s: float = 900.0
    timezone: str = "UTC"  # only for the wording of messages (times of day)

    @property
    def n(self) -> int:
        return int(np.asarray(self.load_kw).size)

    @property
    def hours(self) -> float:
        return self.step_s / 3600.0

    @property
    def usable_kwh(self) -> float:
        return self.battery.capacity_kwh * self.soh


@dataclass(frozen=True)
class Prepared:
    """Validated, broadcast arrays and resolved defaults (what the LP builder uses)."""

    load: FloatArray
    pv: FloatArray
    price_imp: FloatArray
    price_exp: FloatArray
    soc_min: float
    soc_max: float
    soc_target: float
    inputs: PlanInputs
    export_cap: FloatArray  # export limit per step (kW, may be inf)
    min_import: FloatArray  # net import to keep at least per step (kW, 0 for none)
    soc_floor: FloatArray  # per-step SOC lower bound before relaxing (soc_min..soc_max)
    split: int  # first step of the next billing month (n: the horizon is one month)
    segments: list[tuple[float, float]]  # (width kW, share) above peak_so_far_kw
    next_segments: list[tuple[float, float]]  # (width kW, share) above 0 (the next month)


def segments(given: Sequence[tuple[float, float]], start: float, last: float) -> list[Segment]:
    """(width, share) of the segments above ``start``: shares clipped to 0..``last`` and made
    non-decreasing (convex), empty or zero-width ones dropped."""
    out: list[Segment] = []
    prev, rate = start, 0.0
    for upper, share in sorted((float(u), float(v)) for u, v in given):
        if not (math.isfinite(upper) and math.isfinite(share)):
            raise ValueError(f"demand segment ({upper}, {share}) is not finite")
        rate = min(max(rate, share, 0.0), last)
        if upper > prev:
            out.append((upper - prev, rate))
            prev = upper
    return out


def prepare(inputs: PlanInputs) -> Prepared:
    """Validate ``inputs``; raise ``ValueError`` naming the bad field and value."""
    n = inputs.n
    if n < 1:
        raise ValueError("load_kw is empty: the horizon needs at least one step")
    load = _as_array("load_kw", inputs.load_kw, n)
    pv = _as_array("pv_kw", inputs.pv_kw, n)
    if np.any(pv < 0):
        raise ValueError(f"pv_kw must be >= 0 (min {pv.min():g})")
    price_imp = _as_array("import_price", inputs.import_price, n)
    price_exp = _as_array("export_price", inputs.export_price, n)
    if inputs.step_s <= 0:
        raise ValueError(f"step_s must be positive, got {inputs.step_s}")
    if inputs.demand_charge_per_kw < 0:
        raise ValueError(f"demand_charge_per_kw must be >= 0, got {inputs.demand_charge_per_kw}")
    export_cap = np.broadcast_to(np.asarray(inputs.export_limit_kw, dtype=np.float64), (n,))
    if inputs.import_limit_kw < 0 or np.any(export_cap < 0) or np.any(np.isnan(export_cap)):
        raise ValueError("import_limit_kw and export_limit_kw must be >= 0")
    if not 0.0 <= inputs.soc_initial <= 1.0:
        raise ValueError(f"soc_initial {inputs.soc_initial} is outside 0..1")
    if not 0.0 < inputs.soh <= 1.0:
        raise ValueError(f"soh {inputs.soh} is outside (0, 1]")
    lo_default, hi_default = full_power_soc_window(inputs.battery)
    soc_min = lo_default if inputs.soc_min is None else float(inputs.soc_min)
    soc_max = hi_default if inputs.soc_max is None else float(inputs.soc_max)
    if not 0.0 <= soc_min <= soc_max <= 1.0:
        raise ValueError(f"need 0 <= soc_min <= soc_max <= 1, got {soc_min} and {soc_max}")
    if not 0.0 <= inputs.demand_share <= 1.0 or not 0.0 <= inputs.next_demand_share <= 1.0:
        raise ValueError(
            f"demand_share and next_demand_share must be in 0..1, got {inputs.demand_share} "
            f"and {inputs.next_demand_share}"
        )
    split = n if inputs.next_month_step is None else int(inputs.next_month_step)
    if not 0 <= split <= n:
        raise ValueError(f"next_month_step {inputs.next_month_step} is outside 0..{n}")
    floor = np.full(n, soc_min)
    if inputs.soc_floor is not None:
        floor = np.maximum(floor, _as_array("soc_floor", inputs.soc_floor, n))
    floor = np.minimum(floor, soc_max)
    if inputs.soc_target is None:
        target = min(max(inputs.soc_initial, soc_min), soc_max)
    else:
        target = float(inputs.soc_target)
        if not 0.0 <= target <= 1.0:
            raise ValueError(f"soc_target {target} is outside 0..1")
    return Prepared(
        load,
        pv,
        price_imp,
        price_exp,
        soc_min,
        soc_max,
        target,
        inputs,
        export_cap.copy(),
        np.maximum(_as_array("min_import_kw", inputs.min_import_kw, n), 0.0),
        floor,
        split,
        segments(inputs.demand_segments, inputs.peak_so_far_kw, inputs.demand_share),
        segments(inputs.next_demand_segments, 0.0, inputs.next_demand_share),
    )
