"""The KPI report on crafted journals with known answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.alarms.journal_entry import JournalEntry
from app.alarms.kpi import PRIORITY_TARGET, compute_kpis
from app.alarms.states import AlarmState, Priority

S = AlarmState
P = Priority
T0 = datetime(2026, 11, 23, tzinfo=UTC).timestamp()  # a Monday, 00:00 UTC
H = 3600.0
DAY = 24 * H


def _e(ts: float, alarm: str, state: AlarmState = S.UNACK, priority: Priority = P.LOW):
    return JournalEntry(ts, alarm, "dev", priority, state, f"{alarm} {state}")


def test_alarms_per_day_count_activations_in_the_period_only():
    entries = [
        _e(T0 - H, "before"),  # before the period
        _e(T0 + 1 * H, "a"),
        _e(T0 + 2 * H, "a", S.ACKED),  # not an activation
        _e(T0 + 3 * H, "b"),
        _e(T0 + 4 * H, "a", S.RTN_UNACK),
        _e(T0 + 5 * H, "a"),  # rtn_unack -> unack: a new activation
        _e(T0 + 2 * DAY + H, "c"),
        JournalEntry(T0 + 6 * H, "event.mode", "control", P.LOW, S.NORMAL, "auto", "event"),
    ]
    k = compute_kpis(entries, T0, T0 + 3 * DAY - 1)
    assert k.activations == 4
    assert k.per_day == [("2026-11-23", 3), ("2026-11-24", 0), ("2026-11-25", 1)]
    assert k.per_day_average == pytest.approx(4 / 3, rel=1e-4)


def test_priority_mix_is_the_share_of_activations_beside_the_target():
    entries = [_e(T0 + i, f"low{i}") for i in range(8)]
    entries += [_e(T0 + 10, "m", priority=P.MEDIUM), _e(T0 + 11, "h", priority=P.HIGH)]
    entries += [_e(T0 + 12, "h", S.ACKED, priority=P.HIGH)]
    k = compute_kpis(entries, T0, T0 + DAY)
    assert k.by_priority == {P.LOW: 8, P.MEDIUM: 1, P.HIGH: 1}
    assert k.priority_mix == {P.LOW: 0.8, P.MEDIUM: 0.1, P.HIGH: 0.1, P.CRITICAL: 0.0}
    assert k.priority_target == PRIORITY_TARGET == {P.LOW: 0.8, P.MEDIUM: 0.15, P.HIGH: 0.05}
    assert compute_kpis([], T0, T0 + DAY).priority_mix[P.LOW] == 0.0  # no division by zero


def test_top_ten_most_frequent_sorted_by_count_then_id():
    # alarm kNN activates NN + 1 times, 12 alarms: k11 most, k00 and k01 fall off the list
    entries = [_e(T0 + n * 1000 + i, f"k{n:02d}") for n in range(12) for i in range(n + 1)]
    entries += [_e(T0 + 20_000 + i, "z") for i in range(12)]  # ties k11 at 12
    k = compute_kpis(entries, T0, T0 + DAY)
    assert k.top[:3] == [("k11", 12), ("z", 12), ("k10", 11)]
    assert len(k.top) == 10
    assert k.top[-1] == ("k03", 4)


def test_chattering_is_three_activations_within_sixty_seconds():
    entries = [_e(T0 + t, "x") for t in (0, 20, 50)]  # 3 in (−10, 50]: chattering
    entries += [_e(T0 + t, "y") for t in (0, 40, 80)]  # at most 2 in any 60 s
    entries += [_e(T0 + t, "w") for t in (0, 30, 60)]  # window (0, 60]: 0 has left it
    entries += [_e(T0 + 100 + t, "v") for t in range(0, 50, 10)]  # 5 within 40 s
    k = compute_kpis(sorted(entries, key=lambda e: e.ts), T0, T0 + DAY)
    assert k.chattering == [("v", 5), ("x", 3)]


def test_stale_alarms_are_active_for_more_than_24_h_at_the_end():
    end = T0 + 3 * DAY
    entries = [
        _e(end - 25 * H, "stale.acked"),
        _e(end - 24.5 * H, "stale.acked", S.ACKED),
        _e(T0 - 10 * DAY, "stale.before_period"),  # raised before the period, never cleared
        _e(end - 25 * H, "cleared", S.UNACK),
        _e(end - 2 * H, "cleared", S.RTN_UNACK),  # condition gone: not stale
        _e(end - 23 * H, "young"),  # active for 23 h only
        _e(end - 30 * H, "shelved"),
        _e(end - 29 * H, "shelved", S.SHELVED),  # hidden: its condition is unknown here
        _e(end - 30 * H, "after"),
        _e(end + H, "after", S.RTN_UNACK),  # cleared only after the period's end
        _e(end - 30 * H, "again"),
        _e(end - 29 * H, "again", S.RTN_UNACK),
        _e(end - 20 * H, "again"),  # re-activated 20 h ago: the clock restarts
    ]
    k = compute_kpis(entries, T0, end)
    assert k.stale == [
        ("stale.before_period", T0 - 10 * DAY),
        ("after", end - 30 * H),
        ("stale.acked", end - 25 * H),
    ]


def test_time_in_flood_over_the_activations():
    # 11 activations 10 s apart: the 11th (t=100) starts a flood; it ends when the 5th
    # newest (t=60) leaves the 10-minute window, at t=660
    entries = [_e(T0 + 10 * i, f"f{i}") for i in range(11)]
    k = compute_kpis(entries, T0, T0 + DAY)
    assert k.time_in_flood_s == pytest.approx(560.0)
    assert k.floods == 1
    # a flood still running at the end counts up to the end
    assert compute_kpis(entries, T0, T0 + 300).time_in_flood_s == pytest.approx(200.0)
    assert compute_kpis(entries[:10], T0, T0 + DAY).floods == 0


def test_text_shows_each_kpi():
    entries = [_e(T0 + t, "x", priority=P.HIGH) for t in (0, 20, 50)]
    entries += [_e(T0 - 2 * DAY, "old")]
    text = compute_kpis(entries, T0, T0 + DAY).text()
    assert "Alarm KPIs 2026-11-23T00:00Z .. 2026-11-24T00:00Z" in text
    assert "alarms (activations): 3, 3.0 per day on average" in text
    assert "  2026-11-23  3" in text
    assert "  low            0    0%  80%" in text
    assert "  high           3  100%  5%" in text
    assert "  critical       0    0%  -" in text
    assert "       3  x" in text  # top and chattering
    assert "old  (since 2026-11-21T00:00Z)" in text  # stale
    assert "time in flood: 0.0 min in 0 flood(s)" in text
