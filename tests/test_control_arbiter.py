"""Arbitration: priority wins, lower-priority conflicts are clamped and reported."""

import math

from app.control import Constraint, arbitrate
from tests.test_strategy_support import PCS, PV1


def c(op, value, source, priority, point=PCS):
    return Constraint(point, op, value, source, priority, "test")


def test_no_constraint_gives_the_neutral_value():
    r = arbitrate([], {PCS: 0.0, PV1: 100.0}, points=[PCS, PV1])
    assert r[PCS].value == 0.0 and r[PCS].winner == "neutral"
    assert r[PV1].value == 100.0


def test_higher_priority_wins_and_lower_conflict_is_reported():
    # economics wants 300 kW discharge; the SOC guard forbids discharge
    r = arbitrate([c("eq", 300, "tou", 400), c("max", 0, "soc", 800)])[PCS]
    assert r.value == 0 and r.winner == "soc"
    assert [(o.constraint.source, o.by, o.applied_as) for o in r.overridden] == [("tou", "soc", 0)]
    assert "overridden by soc" in str(r.overridden[0])


def test_order_of_input_does_not_matter_only_priority():
    a = [c("max", 0, "soc", 800), c("eq", 300, "tou", 400)]
    assert arbitrate(a)[PCS].value == arbitrate(list(reversed(a)))[PCS].value == 0


def test_eq_inside_the_interval_survives():
    r = arbitrate(
        [c("min", -200, "demand", 600), c("max", 400, "export", 600), c("eq", 250, "tou", 400)]
    )
    assert r[PCS].value == 250 and r[PCS].winner == "tou" and not r[PCS].overridden


def test_eq_is_clamped_to_the_bound_left_by_higher_ones():
    # demand control needs >= 120 kW discharge; TOU wants to charge 250 kW
    r = arbitrate([c("min", 120, "demand", 600), c("eq", -250, "tou", 400)])[PCS]
    assert r.value == 120 and r.winner == "demand"
    assert r.overridden[0].constraint.source == "tou"


def test_neutral_is_clamped_into_the_interval():
    r = arbitrate([c("max", -50, "force_charge", 800)])[PCS]
    assert r.value == -50 and r.winner == "force_charge"
    r = arbitrate([c("min", 80, "demand", 600)])[PCS]
    assert r.value == 80 and r.winner == "demand"


def test_conflicting_min_below_a_higher_max_collapses_at_the_higher_bound():
    r = arbitrate([c("max", 0, "soc", 800), c("min", 150, "demand", 600), c("eq", -30, "x", 200)])[
        PCS
    ]
    assert r.value == 0 and r.winner == "soc"
    assert {o.constraint.source for o in r.overridden} == {"demand", "x"}


def test_satisfied_constraints_are_applied_not_overridden():
    r = arbitrate([c("max", 100, "a", 800), c("max", 300, "b", 600), c("min", -500, "d", 400)])[PCS]
    assert r.value == 0 and not r.overridden and len(r.applied) == 3


def test_two_eq_the_higher_priority_wins():
    r = arbitrate([c("eq", -100, "low", 200), c("eq", 50, "high", 900)])[PCS]
    assert r.value == 50 and r.winner == "high"
    assert r.overridden[0].constraint.source == "low" and r.overridden[0].by == "high"


def test_nan_is_ignored_and_reported():
    r = arbitrate([c("eq", math.nan, "broken", 900), c("eq", 10, "ok", 400)])[PCS]
    assert r.value == 10 and r.overridden[0].constraint.source == "broken"


def test_points_are_arbitrated_independently():
    r = arbitrate([c("max", 40, "export", 600, PV1), c("eq", 100, "tou", 400)], {PV1: 100.0})
    assert r[PV1].value == 40 and r[PCS].value == 100


def test_a_lower_priority_constraint_never_leaves_the_higher_interval():
    import random

    rng = random.Random(7)
    for _ in range(300):
        cs = [
            c(
                rng.choice(["min", "max", "eq"]),
                rng.uniform(-500, 500),
                f"s{i}",
                rng.choice([200, 400, 600, 800]),
            )
            for i in range(rng.randint(1, 5))
        ]
        r = arbitrate(cs)[PCS]
        top = max(x.priority for x in cs)
        # the first constraint in priority order always holds exactly
        first = sorted(enumerate(cs), key=lambda ic: (-ic[1].priority, ic[0]))[0][1]
        assert first.priority == top
        if first.op == "min":
            assert r.value >= first.value - 1e-9
        elif first.op == "max":
            assert r.value <= first.value + 1e-9
        else:
            assert r.value == first.value
