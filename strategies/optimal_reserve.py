"""The dark-day reserve of the MPC: energy kept so that the month's peak holds if the sun
does not come.

A plan follows one PV forecast. On a month of random clouds it sees sun ahead, leaves the
battery empty at night for the PV to fill, and on the overcast day (one in five) the load
meets an empty battery at the evening shift: one quarter hour sets the month's demand charge.
The two errors do not cost the same. A reserve bought at night and not needed costs the
valley energy the sun would have given; one missing costs every kW above the peak for the
whole month. So each step's SOC floor is the energy needed, from there on, to hold the peak
target with the PV of a dark day (clear sky x a low quantile of the recent daily ratios),
recharging only below that target (docs/optimizer.md, "Dark-day reserve").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from app.forecast import quantile_ratio_pv
from app.optimizer import full_power_soc_window

if TYPE_CHECKING:
    from strategies.optimal_plan_job import PlanJob

STEP_S = 900.0


def dark_pv(job: PlanJob) -> NDArray[np.float64]:
    """PV (kW) of a dark day over the horizon: clear sky x the ``dark_quantile`` of the recent
    daily ratios (today's own ratio for the rest of a day already seen); no PV without a
    location."""
    p = job.params
    if p.latitude is None or p.longitude is None or job.pv_kwp <= 0:
        return np.zeros(job.steps)
    fc = quantile_ratio_pv(
        job.pv_ts,
        job.pv_kw,
        job.start,
        p.latitude,
        p.longitude,
        job.pv_kwp,
        job.steps,
        STEP_S,
        job.timezone,
        days=p.pv_days,
        quantile=p.dark_quantile,
    )
    return np.clip(fc.values, 0.0, None)


def reserve_kwh(
    net_kw: NDArray[np.float64],
    ref_kw: NDArray[np.float64],
    charge_kw: float,
    eta_charge: float,
    eta_discharge: float,
) -> NDArray[np.float64]:
    """Energy (kWh, battery side) needed at the end of each step to hold ``ref_kw`` over the
    steps after it: backwards, a step above the reference adds its excess, a step below it
    gives back what charging up to the reference (at most ``charge_kw``) stores."""
    hours = STEP_S / 3600.0
    need = np.zeros(net_kw.size + 1)
    for t in range(net_kw.size - 1, -1, -1):
        over = net_kw[t] - ref_kw[t]
        if over > 0:
            need[t] = need[t + 1] + over * hours / eta_discharge
        else:
            need[t] = max(0.0, need[t + 1] - min(-over, charge_kw) * hours * eta_charge)
    return need[1:]


def reachable_kwh(
    start_kwh: float,
    net_kw: NDArray[np.float64],
    ref_kw: NDArray[np.float64],
    charge_kw: float,
    eta_charge: float,
    eta_discharge: float,
    lo_kwh: float,
    hi_kwh: float,
) -> NDArray[np.float64]:
    """Stored energy (kWh) at the end of each step when the battery holds ``ref_kw``
    and charges only below it: the most a floor may ask for without the plan importing above
    the target to meet it (a hard floor above this would raise the very peak it guards)."""
    hours = STEP_S / 3600.0
    out = np.empty(net_kw.size)
    e = start_kwh
    for t in range(net_kw.size):
        over = net_kw[t] - ref_kw[t]
        if over > 0:
            e = max(lo_kwh, e - over * hours / eta_discharge)
        else:
            e = min(hi_kwh, e + min(-over, charge_kw) * hours * eta_charge)
        out[t] = e
    return out


def dark_floor(
    job: PlanJob, load: NDArray[np.float64], split: int | None
) -> NDArray[np.float64] | None:
    """The dark-day reserve as a per-step SOC floor (0..1); None when switched off.

    The peak target is the month's running peak treated as paid, or the history optimum's
    peak where that is higher (``demand_charge_share: hindsight``); after a month boundary in
    the horizon only the latter."""
    p, bat = job.params, job.battery
    if not p.dark_reserve:
        return None
    target = job.hindsight_kw or 0.0
    ref = np.full(load.size, max(job.peak_so_far_kw * p.paid_peak_share, target))
    if split is not None:
        ref[split:] = target
    net = load - dark_pv(job)
    cap, eta_c, eta_d = bat.capacity_kwh, bat.eta_charge, bat.eta_discharge
    need = reserve_kwh(net, ref, bat.p_charge_max_kw, eta_c, eta_d)
    lo, hi = full_power_soc_window(bat)
    lo = lo if p.soc_min_pct is None else p.soc_min_pct / 100
    hi = hi if p.soc_max_pct is None else p.soc_max_pct / 100
    soc = min(max(job.soc_pct / 100.0, 0.0), hi)  # below soc_min after the guard spent it
    floor_kwh = min(lo, soc) * cap
    reach = reachable_kwh(
        soc * cap, net, ref, bat.p_charge_max_kw, eta_c, eta_d, floor_kwh, hi * cap
    )
    return np.asarray(np.minimum(lo * cap + need, reach) / cap, dtype=np.float64)
