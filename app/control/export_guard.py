"""The export guard (防逆流): the station's export limit as a hard limit, after protection.

Strategies ask; protection clamps; then this stage makes sure that what is about to be
written cannot export more than ``limit_kw`` at the point of connection, in every mode (auto,
manual, standby) and whatever a strategy, the arbiter or protection decided. It is closed
loop on the measured grid power and computed against the battery power protection actually
lets through in this cycle, never against a charge some other constraint forbids.

Per cycle (grid power g > 0 importing, BESS power > 0 discharging, all in kW):

1. Predict the grid power after this cycle's PCS setpoint p: ``g + (b - p)`` where b is the
   measured BESS power, crediting a larger charge (p < b) only while the PCS follows its
   commands (|b - last written| <= ``follow_tolerance_kw``). A PCS that is unreachable or
   refuses is assumed to stop charging at any moment: its last measured charge is taken off
   the prediction (the watchdog of a lost PCS returns it to 0 kW by itself).
2. The deficit is the export beyond ``limit_kw - margin_kw``. It is removed, in this order:
   a. in auto mode only, more charge, within what the arbiter's interval, protection's hard
      limits and the ramp allow (PV stored rather than spilled);
   b. PV curtailment: every inverter's ``p_limit`` gets the same % of rating; a cap never
      waits for a step, it is written at once;
   c. less discharge (down to 0 kW) when PV alone cannot remove it (an operator's discharge
      above the load, with no PV left to curtail).
3. Headroom (import above ``-limit + release_margin_kw``) releases the PV cap by at most
   ``release_kw_per_s`` x dt; in auto mode the spare charge the battery may still take is
   headroom too, and the release pre-charges the battery by that much in the same cycle, so
   curtailment never locks in while the battery could store the PV.

Fail-safe when the grid power is unusable (bad, stale, missing): ``hold`` keeps PV at the
lowest of the current cap and the PV output of the last cycle that was within the limit;
``min_load`` caps PV at ``min_load_kw + limit_kw - margin_kw`` less the expected discharge,
plus the charge a following PCS is taking (the site never exports when its load cannot fall
below ``min_load_kw``). Never "no limit".

An export above ``limit_kw + tolerance_kw`` for ``alarm_after_s`` or longer is a violation
(the report's ``violating``; ``protection.export_limit`` alarm, docs/alarms.md). State (the
cap, the violation) lives on the guard object the cycle keeps, so a backtest replays it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.control.snapshot import SiteRoles, Snapshot
from app.control.strategy import ControlEvent

SOURCE = "export_guard"
REFUSAL_READINGS = 2  # readings in a row of a PCS neither at nor closing in on its command
REFUSAL_HOLD_S = 30.0  # ... after which it gets no credit for a charge this long


class ExportGuardParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limit_kw: float = Field(ge=0)  # export allowed at the point of connection
    margin_kw: float = Field(default=5.0, ge=0)  # aim this far inside the limit
    tolerance_kw: float = Field(default=10.0, ge=0)  # above limit + this is a violation
    alarm_after_s: float = Field(default=10.0, ge=0)  # ... once it has lasted this long
    release_kw_per_s: float = Field(default=50.0, gt=0)
    release_margin_kw: float = Field(default=10.0, ge=0)
    follow_tolerance_kw: float = Field(default=20.0, ge=0)
    # a grid reading this long after a PV cap change shows its effect (inverter response)
    settle_s: float = Field(default=0.5, ge=0)
    failsafe: Literal["hold", "min_load"] = "min_load"
    min_load_kw: float = Field(default=0.0, ge=0)


@dataclass(frozen=True)
class ExportGuardReport:
    limit_kw: float
    export_kw: float | None  # measured export (> 0 exporting); None: grid power unusable
    pv_cap_kw: float | None  # the PV cap now held; None: not curtailing
    pcs_before: float | None  # the PCS setpoint protection passed
    pcs_after: float | None  # ... and what the guard let through
    failsafe: str | None = None  # why the fail-safe holds PV, None when closed loop
    over: bool = False  # export above limit + tolerance this cycle
    violating: bool = False  # ... for alarm_after_s or longer
    over_for_s: float = 0.0
    actions: tuple[str, ...] = ()


@dataclass
class _Outcome:
    pcs: float | None
    cap: float | None
    actions: list[str] = field(default_factory=list)


class ExportGuard:
    """One station's export guard and its state across cycles."""

    def __init__(self, params: ExportGuardParams) -> None:
        self.params = params
        self.pv_cap_kw: float | None = None  # None: PV not curtailed by the guard
        self.over_since: float | None = None
        self.last_safe_pv_kw: float | None = None
        self.last_bess_kw: float | None = None  # last good BESS power measured
        self._distance: float | None = None  # |BESS power - last command| a cycle ago
        self._refused_until = float("-inf")  # no credit for a charge before this
        self._estimated = False  # an unreachable PCS's power follows from the meters' balance
        self._unknown_taken = False  # an unknown PCS's possible stop is already curtailed for
        self._changed_at = float("-inf")  # station time of the last change of the PV cap
        self._judged_at = float("-inf")  # timestamp of the last BESS reading judged
        self._not_following = 0  # readings in a row the PCS did not follow

    # --- inputs ---------------------------------------------------------------------------

    def _pcs_state(
        self, snapshot: Snapshot, last_written: float | None
    ) -> tuple[float | None, bool]:
        """(measured BESS power or None, whether the PCS follows its commands)."""
        roles = snapshot.roles
        bess = snapshot.bess_p()
        command = snapshot.get(roles.pcs_setpoint)
        if bess is None or not (command is None or command.is_good):
            self._distance = None
            # unreachable: what it does now follows from the balance, if the meters are good
            load, pv, grid = snapshot.load_p(), snapshot.pv_p(), snapshot.grid_p()
            self._estimated = load is not None and pv is not None and grid is not None
            if self._estimated:
                self.last_bess_kw = load - pv - grid  # type: ignore[operator]
                self._unknown_taken = False
            return None, False
        self.last_bess_kw = bess
        self._estimated, self._unknown_taken = False, False
        if last_written is None:
            return bess, snapshot.ts >= self._refused_until
        # follows: within the tolerance of the last command, or still closing in on it (a
        # ramp). Judged on each new reading only (a slow poll repeats the last one); one
        # that does neither on REFUSAL_READINGS readings in a row refuses: no credit for a
        # charge for REFUSAL_HOLD_S
        reading = snapshot.get(roles.bess_p)
        distance = abs(bess - last_written)
        within = distance <= self.params.follow_tolerance_kw
        if reading is not None and reading.ts > self._judged_at:
            self._judged_at = reading.ts
            before, self._distance = self._distance, distance
            closing = before is None or distance < before - 1.0
            self._not_following = 0 if within or closing else self._not_following + 1
            if self._not_following >= REFUSAL_READINGS:
                self._refused_until = snapshot.ts + REFUSAL_HOLD_S
        return bess, snapshot.ts >= self._refused_until and self._not_following == 0

    def _battery_change(self, bess: float | None, follows: bool, pcs: float | None) -> float:
        """kW by which the grid power will change through the PCS this cycle (> 0 imports
        more). Conservative: a larger charge counts only from a PCS that follows, and an
        unreachable PCS may stop charging at any moment."""
        if bess is None:
            if not self._estimated and self._unknown_taken:
                return 0.0  # unknown: its last charge is taken off once, then the cap held
            return -max(0.0, -(self.last_bess_kw or 0.0))
        if pcs is None:
            return 0.0
        change = bess - pcs  # p below b: more charge, more import
        return change if follows or change < 0 else 0.0

    # --- the cycle ------------------------------------------------------------------------

    def apply(
        self,
        snapshot: Snapshot,
        setpoints: Mapping[str, float],
        last_written: Mapping[str, float],
        *,
        charge_floor: float | None,
        dt: float,
    ) -> tuple[dict[str, float], ExportGuardReport, list[ControlEvent]]:
        """The setpoints with the export limit enforced, the report and its events.

        ``charge_floor``: the lowest PCS setpoint (most charge) the arbiter, protection and
        the ramp allow in this cycle in auto mode; None where the battery must not be moved
        (manual and standby modes: the operator's or standby's setpoint is kept when PV can
        do the job).
        """
        p = self.params
        roles = snapshot.roles
        pcs_id = roles.pcs_setpoint
        pcs = setpoints.get(pcs_id)
        bess, follows = self._pcs_state(snapshot, last_written.get(pcs_id))
        pv_out = snapshot.pv_p()
        grid = snapshot.grid_p()
        events: list[ControlEvent] = []
        if grid is None:
            outcome = self._failsafe(pcs, bess, follows, roles)
            events.append(
                ControlEvent(
                    snapshot.ts,
                    SOURCE,
                    f"grid power {roles.grid_p} {snapshot.problem(roles.grid_p)}: "
                    f"{outcome.actions[0]}",
                    roles.grid_p,
                )
            )
            failsafe: str | None = outcome.actions[0]
        else:
            predicted = grid + self._battery_change(bess, follows, pcs)
            # only a PCS that follows its commands is asked for more charge
            floor = charge_floor if follows else None
            reading = snapshot.get(roles.grid_p)
            # act on the PV cap only on a grid reading taken after its last change settled:
            # a slow meter would otherwise see the same import again and release twice
            settled = reading is not None and reading.ts >= self._changed_at + p.settle_s
            unknown = bess is None and not self._estimated
            outcome = self._closed_loop(
                predicted, pcs, floor, pv_out, dt, roles, settled, release=not unknown
            )
            self._unknown_taken = self._unknown_taken or (unknown and settled)
            failsafe = None
            if -grid <= p.limit_kw:  # within the limit: this PV output was safe
                self.last_safe_pv_kw = pv_out
        if outcome.cap != self.pv_cap_kw:
            self._changed_at = snapshot.ts
        self.pv_cap_kw = outcome.cap
        out = dict(setpoints)
        if pcs is not None and outcome.pcs is not None:
            out[pcs_id] = outcome.pcs
        pct = self.cap_pct(roles)
        if pct is not None:
            for pid in roles.pv_limits:
                out[pid] = min(out.get(pid, 100.0), pct)
        report = self._report(snapshot, grid, pcs, outcome, failsafe)
        if report.violating and report.over_for_s - dt < p.alarm_after_s:
            events.append(
                ControlEvent(
                    snapshot.ts,
                    SOURCE,
                    f"export {report.export_kw:.0f} kW above the limit {p.limit_kw:g} kW "
                    f"for {report.over_for_s:.0f} s",
                    roles.grid_p,
                    "alarm",
                )
            )
        return out, report, events

    def cap_pct(self, roles: SiteRoles) -> float | None:
        """The PV cap as the % of rating every inverter gets; None when not curtailing."""
        total = roles.pv_rating_total_kw
        if self.pv_cap_kw is None or total <= 0:
            return None
        return round(max(0.0, min(100.0, self.pv_cap_kw / total * 100.0)), 2)

    def _closed_loop(
        self,
        predicted: float,
        pcs: float | None,
        charge_floor: float | None,
        pv_out: float | None,
        dt: float,
        roles: SiteRoles,
        settled: bool = True,
        release: bool = True,
    ) -> _Outcome:
        """``settled``: the grid reading shows the last PV cap change (else the cap is held,
        though the battery may still move); ``release``: the cap may rise (not while an
        unreachable PCS's power is unknown)."""
        p = self.params
        deficit = -predicted - (p.limit_kw - p.margin_kw)  # kW of export to remove
        cap = self.pv_cap_kw
        outcome = _Outcome(pcs, cap)
        if deficit > 0:
            self._remove(deficit, outcome, charge_floor, pv_out, roles, pv_too=settled)
            return outcome
        if cap is None or not settled or not release:
            return outcome
        headroom = -deficit - p.release_margin_kw + p.margin_kw
        spare = max(0.0, pcs - charge_floor) if pcs is not None and charge_floor is not None else 0
        step = min(p.release_kw_per_s * dt, max(0.0, headroom) + spare)
        if step <= 0:
            return outcome
        precharge = min(spare, max(0.0, step - max(0.0, headroom)))
        if precharge > 0 and pcs is not None:
            outcome.pcs = pcs - precharge
            outcome.actions.append(f"charge {precharge:.0f} kW more to take the released PV")
        outcome.cap = cap + step
        if outcome.cap >= roles.pv_rating_total_kw:
            outcome.cap = None
            outcome.actions.append("PV curtailment released")
        else:
            outcome.actions.append(f"PV cap released by {step:.0f} kW")
        return outcome

    def _remove(
        self,
        deficit: float,
        outcome: _Outcome,
        charge_floor: float | None,
        pv_out: float | None,
        roles: SiteRoles,
        pv_too: bool = True,
    ) -> None:
        pcs = outcome.pcs
        if pcs is not None and charge_floor is not None and pcs > charge_floor:
            more = min(deficit, pcs - charge_floor)
            outcome.pcs = pcs = pcs - more
            deficit -= more
            outcome.actions.append(f"charge {more:.0f} kW more")
        if deficit <= 0 or not pv_too:
            return
        total = roles.pv_rating_total_kw
        output = pv_out if pv_out is not None else total  # unknown output: from the rating
        if outcome.cap is not None:
            output = min(output, outcome.cap)
        if roles.pv_limits:
            new_cap = max(0.0, output - deficit)
            deficit -= output - new_cap
            outcome.cap = new_cap
            outcome.actions.append(f"PV capped at {new_cap:.0f} kW")
        if deficit > 0 and pcs is not None and pcs > 0:
            reduced = max(0.0, pcs - deficit)
            outcome.actions.append(f"discharge reduced {pcs:.0f} -> {reduced:.0f} kW")
            outcome.pcs = reduced

    def _failsafe(
        self, pcs: float | None, bess: float | None, follows: bool, roles: SiteRoles
    ) -> _Outcome:
        p = self.params
        outcome = _Outcome(pcs, self.pv_cap_kw)
        if p.failsafe == "hold":
            held = [v for v in (self.pv_cap_kw, self.last_safe_pv_kw) if v is not None]
            if not held:  # nothing safe known yet: as min_load
                return self._min_load(outcome, pcs, bess, follows, roles)
            outcome.cap = min(held)
            outcome.actions.append(f"fail-safe: PV held at {outcome.cap:.0f} kW")
            return outcome
        return self._min_load(outcome, pcs, bess, follows, roles)

    def _min_load(
        self,
        outcome: _Outcome,
        pcs: float | None,
        bess: float | None,
        follows: bool,
        roles: SiteRoles,
    ) -> _Outcome:
        p = self.params
        if bess is None:  # unreachable PCS: assume it discharges what it last did, or 0
            discharge, charge = max(0.0, self.last_bess_kw or 0.0), 0.0
        else:
            expected = pcs if pcs is not None and follows else bess
            discharge, charge = max(0.0, expected), max(0.0, -min(bess, expected))
        room = p.min_load_kw + p.limit_kw - p.margin_kw + charge - discharge
        cap = max(0.0, room)
        if self.pv_cap_kw is not None:
            cap = min(cap, self.pv_cap_kw)
        outcome.cap = cap if roles.pv_limits else None
        outcome.actions.append(f"fail-safe: PV capped at {cap:.0f} kW (minimum load)")
        if room < 0 and pcs is not None and pcs > 0:
            outcome.pcs = max(0.0, pcs + room)
            outcome.actions.append(f"discharge reduced {pcs:.0f} -> {outcome.pcs:.0f} kW")
        return outcome

    def _report(
        self,
        snapshot: Snapshot,
        grid: float | None,
        pcs: float | None,
        outcome: _Outcome,
        failsafe: str | None,
    ) -> ExportGuardReport:
        p = self.params
        export = None if grid is None else -grid
        over = export is not None and export > p.limit_kw + p.tolerance_kw
        if not over:
            self.over_since = None
        elif self.over_since is None:
            self.over_since = snapshot.ts
        over_for = 0.0 if self.over_since is None else snapshot.ts - self.over_since
        return ExportGuardReport(
            limit_kw=p.limit_kw,
            export_kw=export,
            pv_cap_kw=outcome.cap,
            pcs_before=pcs,
            pcs_after=outcome.pcs,
            failsafe=failsafe,
            over=over,
            violating=over and over_for >= p.alarm_after_s,
            over_for_s=over_for,
            actions=tuple(outcome.actions),
        )
