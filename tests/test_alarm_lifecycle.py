"""The ISA-18.2 life cycle of one alarm (issue 4, points 1-4, 7, 8 and 10), explicit times."""

from __future__ import annotations

import math

import pytest

from app.alarms import (
    LISTED,
    MAX_SHELVE_S,
    Alarm,
    AlarmError,
    AlarmState,
    AnalogEvaluator,
    AnalogLimits,
    Level,
    Priority,
    Transition,
)

S = AlarmState
T0 = 1_780_000_000.0  # an arbitrary UTC epoch


def _alarm() -> Alarm:
    return Alarm("pcs1.temp.H", Priority.HIGH)


def _active_at(ts: float) -> Alarm:
    alarm = _alarm()
    alarm.evaluate(ts, True)
    return alarm


# -- point 1: exactly one state -------------------------------------------------------


def test_a_new_alarm_is_normal_and_not_listed():
    alarm = _alarm()
    assert alarm.state is S.NORMAL
    assert not alarm.listed


def test_each_step_leaves_exactly_one_state_and_transitions_chain():
    alarm = _alarm()
    steps = [
        lambda: alarm.evaluate(T0, True),
        lambda: alarm.shelve("ann", "known issue", 60, T0 + 1),
        lambda: alarm.suppress(T0 + 2, "link down"),
        lambda: alarm.remove_from_service("bob", "sensor swap", T0 + 3),
        lambda: alarm.return_to_service("bob", "sensor back", T0 + 4),
        lambda: alarm.unsuppress(T0 + 5, "link up"),
        lambda: alarm.unshelve("ann", "fixed", T0 + 6),
        lambda: alarm.acknowledge("ann", "seen", T0 + 7),
        lambda: alarm.evaluate(T0 + 8, False),
    ]
    expected = [S.UNACK, S.SHELVED, S.SUPPRESSED, S.OUT_OF_SERVICE, S.SUPPRESSED, S.SHELVED]
    expected += [S.UNACK, S.ACKED, S.NORMAL]
    previous = S.NORMAL
    for step, want in zip(steps, expected, strict=True):
        transition = step()
        assert isinstance(alarm.state, AlarmState)
        assert alarm.state is want
        assert transition is not None
        assert (transition.from_state, transition.to_state) == (previous, want)
        previous = want


def test_the_listed_states_are_the_three_annunciated_ones():
    assert {S.UNACK, S.ACKED, S.RTN_UNACK} == LISTED


# -- point 2: return to normal while unacknowledged ----------------------------------------


def test_returning_unacknowledged_stays_listed_as_rtn_unack_until_acknowledged():
    alarm = _active_at(T0)
    assert alarm.evaluate(T0 + 10, False) == Transition(
        T0 + 10, "pcs1.temp.H", S.UNACK, S.RTN_UNACK, None, "condition cleared"
    )
    assert alarm.state is S.RTN_UNACK
    assert alarm.listed
    assert alarm.evaluate(T0 + 20, False) is None  # stays until someone acknowledges
    assert alarm.listed
    transition = alarm.acknowledge("ann", "checked the fan", T0 + 30)
    assert transition == Transition(
        T0 + 30, "pcs1.temp.H", S.RTN_UNACK, S.NORMAL, "ann", "checked the fan"
    )
    assert not alarm.listed


# -- point 3: acknowledging an active alarm ---------------------------------------------


def test_acknowledging_an_active_alarm_keeps_it_listed_until_it_clears():
    alarm = _active_at(T0)
    transition = alarm.acknowledge("ann", "on it", T0 + 5)
    assert transition is not None
    assert (transition.to_state, transition.user, transition.comment) == (S.ACKED, "ann", "on it")
    assert alarm.listed
    assert alarm.evaluate(T0 + 6, True) is None
    assert alarm.state is S.ACKED
    assert alarm.evaluate(T0 + 7, False).to_state is S.NORMAL
    assert not alarm.listed


def test_acknowledging_what_needs_no_acknowledgement_changes_nothing():
    alarm = _alarm()
    assert alarm.acknowledge("ann", "", T0) is None
    alarm.evaluate(T0, True)
    alarm.acknowledge("ann", "", T0 + 1)
    assert alarm.acknowledge("ann", "again", T0 + 2) is None
    assert alarm.state is S.ACKED


def test_acknowledging_needs_a_user():
    alarm = _active_at(T0)
    with pytest.raises(AlarmError, match="user"):
        alarm.acknowledge("", "anonymous", T0 + 1)
    assert alarm.state is S.UNACK


# -- point 4: re-activation --------------------------------------------------------------


def test_a_rtn_unack_alarm_active_again_is_unack_with_a_new_time():
    alarm = _active_at(T0)
    alarm.evaluate(T0 + 10, False)
    transition = alarm.evaluate(T0 + 20, True)
    assert (transition.from_state, transition.to_state) == (S.RTN_UNACK, S.UNACK)
    assert alarm.activated_ts == T0 + 20


def test_an_acked_alarm_active_again_is_unack_with_a_new_time():
    alarm = _active_at(T0)
    alarm.acknowledge("ann", "", T0 + 5)
    alarm.evaluate(T0 + 10, False)
    assert alarm.evaluate(T0 + 20, True).to_state is S.UNACK
    assert alarm.activated_ts == T0 + 20
    assert alarm.activations == 2


# -- point 7: chattering ---------------------------------------------------------------------


def _pulse(alarm: Alarm, ts: float) -> None:
    alarm.evaluate(ts, True)
    alarm.evaluate(ts + 1, False)


def test_three_activations_within_60_s_flag_chattering():
    alarm = _alarm()
    _pulse(alarm, T0)
    _pulse(alarm, T0 + 20)
    assert not alarm.chattering
    alarm.evaluate(T0 + 50, True)
    assert alarm.chattering


def test_three_activations_spread_over_more_than_60_s_are_not_chattering():
    alarm = _alarm()
    for ts in (T0, T0 + 31, T0 + 62):
        _pulse(alarm, ts)
        assert not alarm.chattering


def test_chattering_clears_when_fewer_than_three_remain_in_the_last_60_s():
    alarm = _alarm()
    for ts in (T0, T0 + 10, T0 + 20):
        _pulse(alarm, ts)
    assert alarm.chattering
    alarm.evaluate(T0 + 59, False)
    assert alarm.chattering  # T0 is still within (T0 - 1, T0 + 59]
    alarm.evaluate(T0 + 60, False)
    assert not alarm.chattering


@pytest.mark.parametrize("mask", ["suppress", "out_of_service", "shelve"])
def test_masked_alarms_are_still_evaluated_and_counted(mask):
    alarm = _alarm()
    if mask == "suppress":
        alarm.suppress(T0, "link down")
    elif mask == "out_of_service":
        alarm.remove_from_service("bob", "maintenance", T0)
    else:
        alarm.shelve("ann", "noisy", 3600, T0)
    masked = alarm.state
    for ts in (T0 + 1, T0 + 11, T0 + 21):
        assert alarm.evaluate(ts, True) is None  # nothing annunciated
        alarm.evaluate(ts + 1, False)
    assert alarm.state is masked
    assert alarm.activations == 3
    assert alarm.activated_ts == T0 + 21
    assert alarm.chattering


# -- point 8: shelving -------------------------------------------------------------------------


@pytest.mark.parametrize("duration", [0, -5, math.inf, math.nan, MAX_SHELVE_S + 1])
def test_shelving_needs_a_finite_positive_duration_within_the_maximum(duration):
    alarm = _active_at(T0)
    with pytest.raises(AlarmError, match="duration_s"):
        alarm.shelve("ann", "noisy", duration, T0 + 1)
    assert alarm.state is S.UNACK


def test_shelving_for_the_maximum_is_allowed_and_the_maximum_is_configurable():
    assert _active_at(T0).shelve("ann", "shift", MAX_SHELVE_S, T0).to_state is S.SHELVED
    alarm = Alarm("x", Priority.LOW, max_shelve_s=600)
    with pytest.raises(AlarmError, match="600"):
        alarm.shelve("ann", "noisy", 601, T0)


def test_shelving_needs_a_user_and_a_reason():
    alarm = _active_at(T0)
    with pytest.raises(AlarmError, match="user"):
        alarm.shelve("", "noisy", 60, T0)
    with pytest.raises(AlarmError, match="reason"):
        alarm.shelve("ann", "", 60, T0)


def test_a_shelve_is_recorded_with_its_user_and_reason():
    alarm = _active_at(T0)
    assert alarm.shelve("ann", "sensor drifting", 600, T0 + 1) == Transition(
        T0 + 1, "pcs1.temp.H", S.UNACK, S.SHELVED, "ann", "sensor drifting"
    )
    assert alarm.shelved_until == T0 + 601
    assert not alarm.listed


def test_shelved_while_active_and_cleared_during_the_shelve_comes_back_normal():
    alarm = _active_at(T0)
    alarm.shelve("ann", "noisy", 600, T0 + 1)
    assert alarm.evaluate(T0 + 100, False) is None
    assert alarm.evaluate(T0 + 600, False) is None  # not yet expired
    transition = alarm.evaluate(T0 + 601, False)
    assert transition == Transition(
        T0 + 601, "pcs1.temp.H", S.SHELVED, S.NORMAL, None, "shelve expired"
    )
    assert alarm.shelved_until is None


def test_shelved_while_active_and_still_active_on_expiry_comes_back_unack():
    alarm = _active_at(T0)
    alarm.acknowledge("ann", "", T0 + 1)  # an acknowledgement does not survive a shelve
    alarm.shelve("ann", "noisy", 600, T0 + 2)
    transition = alarm.evaluate(T0 + 700, True)
    assert (transition.from_state, transition.to_state) == (S.SHELVED, S.UNACK)
    assert alarm.listed


def test_an_alarm_that_rose_during_the_shelve_comes_back_unack_with_that_time():
    alarm = _alarm()
    alarm.shelve("ann", "commissioning", 600, T0)
    alarm.evaluate(T0 + 300, True)
    assert alarm.state is S.SHELVED
    assert alarm.evaluate(T0 + 600, True).to_state is S.UNACK
    assert alarm.activated_ts == T0 + 300


def test_unshelving_early_re_evaluates_against_the_current_condition():
    alarm = _active_at(T0)
    alarm.shelve("ann", "noisy", 600, T0 + 1)
    alarm.evaluate(T0 + 10, False)
    assert alarm.unshelve("ann", "done", T0 + 20).to_state is S.NORMAL
    assert alarm.unshelve("ann", "twice", T0 + 21) is None


def test_only_an_alarm_in_service_is_shelved():
    alarm = _alarm()
    alarm.shelve("ann", "noisy", 60, T0)
    with pytest.raises(AlarmError, match="shelved"):
        alarm.shelve("ann", "longer", 120, T0 + 1)
    alarm = _alarm()
    alarm.remove_from_service("bob", "maintenance", T0)
    with pytest.raises(AlarmError, match="out_of_service"):
        alarm.shelve("ann", "noisy", 60, T0 + 1)


def test_a_shelve_that_expires_while_suppressed_is_gone_when_suppression_lifts():
    alarm = _active_at(T0)
    alarm.shelve("ann", "noisy", 60, T0 + 1)
    alarm.suppress(T0 + 2, "link down")
    assert alarm.evaluate(T0 + 100, True) is None  # expired, but suppression still hides it
    assert alarm.state is S.SUPPRESSED
    assert alarm.unsuppress(T0 + 110, "link up").to_state is S.UNACK


def test_a_shelve_still_running_when_suppression_lifts_keeps_the_alarm_shelved():
    alarm = _active_at(T0)
    alarm.shelve("ann", "noisy", 600, T0 + 1)
    alarm.suppress(T0 + 2, "link down")
    assert alarm.unsuppress(T0 + 10, "link up").to_state is S.SHELVED


# -- suppression and out of service -------------------------------------------------------------


def test_suppression_by_design_has_no_user_and_lifts_to_the_current_condition():
    alarm = _active_at(T0)
    transition = alarm.suppress(T0 + 1, "pcs1 link down")
    assert (transition.to_state, transition.user) == (S.SUPPRESSED, None)
    assert not alarm.listed
    alarm.evaluate(T0 + 5, False)
    assert alarm.unsuppress(T0 + 10, "pcs1 link up").to_state is S.NORMAL


def test_out_of_service_wins_over_suppression_and_returns_to_the_condition():
    alarm = _alarm()
    alarm.suppress(T0, "link down")
    assert alarm.remove_from_service("bob", "replace sensor", T0 + 1).to_state is S.OUT_OF_SERVICE
    assert alarm.unsuppress(T0 + 2, "link up") is None  # still out of service
    alarm.evaluate(T0 + 3, True)
    transition = alarm.return_to_service("bob", "sensor replaced", T0 + 4)
    assert (transition.from_state, transition.to_state) == (S.OUT_OF_SERVICE, S.UNACK)
    assert (transition.user, transition.comment) == ("bob", "sensor replaced")


# -- point 10 (part): priorities and the journal record -------------------------------------------


def test_priorities_sort_critical_first():
    ordered = sorted(Priority, key=lambda p: p.rank)
    assert ordered == [Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW]
    assert str(Priority.MEDIUM) == "medium"


def test_an_unchanged_state_records_no_transition():
    alarm = _alarm()
    assert alarm.evaluate(T0, False) is None
    alarm.evaluate(T0 + 1, True)
    assert alarm.evaluate(T0 + 2, True) is None


# -- with the analog evaluator: points 5 and 6 end to end -----------------------------------------


def test_deadband_and_delays_drive_one_alarm_end_to_end():
    evaluator = AnalogEvaluator(AnalogLimits(h=100, deadband=2, on_delay_s=3, off_delay_s=3))
    alarm = _alarm()
    values = [99, 101, 102, 101, 101, 99, 97, 99, 97, 97, 97, 97]
    transitions = []
    for i, value in enumerate(values):
        t = alarm.evaluate(T0 + i, evaluator.update(T0 + i, value)[Level.H])
        if t is not None:
            transitions.append((i, t.to_state))
    # over 100 from 1, held 3 s at 4; 99 is inside the deadband: still active; the dip at 6
    # is cut short by 99 (>= 98) at 7; the clear from 8 holds 3 s at 11
    assert transitions == [(4, S.UNACK), (11, S.RTN_UNACK)]
