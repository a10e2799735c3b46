"""Curtailment tracking (限电跟踪): follow the operator's export limit point, hold on bad input."""

import itertools

import pytest
from pydantic import ValidationError

from app.control import SiteRoles, StrategyContext
from strategies.curtailment_tracking import CurtailmentParams, CurtailmentTracking
from tests.test_strategy_support import PCS, PV1, PV2, T0, FakeClock, run_table, snap

LIM = "agc.export_limit"  # kW, written by the dispatching centre
PCT = "agc.export_limit_pct"  # % of installed PV (2 x 500 kW here)


def make(**params) -> CurtailmentTracking:
    params.setdefault("limit_point", LIM)
    return CurtailmentTracking.create(
        CurtailmentParams(**params), StrategyContext(SiteRoles()), 600
    )


def pv(pct: float) -> list[tuple[str, str, float]]:
    return [(PV1, "max", pct), (PV2, "max", pct)]


# load 100 kW throughout: grid = 100 - pv - bess
FULL = {"soc": 96, "bess": 0}


def at(pv_kw: float) -> dict[str, float]:
    """The plant with the battery full and idle, load 100 kW, PV at ``pv_kw``."""
    return {"pv": pv_kw, "grid": 100 - pv_kw, **FULL}


def test_follows_a_stepping_limit_with_bounded_steps():
    run_table(
        make(max_step_down_kw=200, release_step_kw=20, release_margin_kw=10),
        [
            # limit 1000 kW >= installed PV: not active, nothing asked
            (0, {LIM: 1000, "pv": 800, "grid": -700, **FULL}, []),
            # limit steps to 400: 305 kW must go, the battery is full: PV down 200 kW max
            (1, {LIM: 400, "pv": 800, "grid": -700, **FULL}, [(PCS, "max", -305), *pv(60)]),
            # PV now 600: the remaining 105 kW
            (2, {LIM: 400, "pv": 600, "grid": -500, **FULL}, [(PCS, "max", -105), *pv(49.5)]),
            # the limit steps down again to 200: 200 kW more, one bounded step
            (3, {LIM: 200, "pv": 495, "grid": -395, **FULL}, [(PCS, "max", -200), *pv(29.5)]),
            # settled at the limit: hold
            (4, {LIM: 200, "pv": 295, "grid": -195, **FULL}, [(PCS, "max", 0), *pv(29.5)]),
            # the limit rises to 300: release one step of 20 kW (headroom 95 kW)
            (5, {LIM: 300, "pv": 295, "grid": -195, **FULL}, [(PCS, "max", 100), *pv(31.5)]),
            (6, {LIM: 300, "pv": 315, "grid": -215, **FULL}, [(PCS, "max", 80), *pv(33.5)]),
        ],
    )


def test_the_battery_absorbs_the_surplus_first():
    run_table(
        make(),
        [
            # SOC 60 %, BMS allows 500 kW: the battery charges the 305 kW, no curtailment
            (0, {LIM: 400, "pv": 800, "grid": -700, "bess": 0}, [(PCS, "max", -305)]),
            (1, {LIM: 400, "pv": 800, "grid": -395, "bess": -305}, [(PCS, "max", -305)]),
            # BMS allows only 100 kW: 205 kW curtailed
            (
                2,
                {LIM: 400, "pv": 800, "grid": -700, "bess": 0, "charge_max": 100},
                [(PCS, "max", -305), *pv(60)],  # 205 kW, at most 200 per cycle
            ),
        ],
    )


def test_limit_in_percent_of_installed_pv_the_lower_applies():
    run_table(
        make(limit_pct_point=PCT),
        [
            # 30 % of 1000 kW = 300 kW < 500 kW
            (
                0,
                {LIM: 500, PCT: 30, "pv": 800, "grid": -700, **FULL},
                [(PCS, "max", -405), *pv(60)],
            ),
            # 80 % = 800 kW > 500 kW: the kW limit applies
            (
                1,
                {LIM: 500, PCT: 80, "pv": 600, "grid": -500, **FULL},
                [(PCS, "max", -5), *pv(59.5)],
            ),
        ],
    )


def test_releases_gradually_when_the_limit_is_lifted():
    s = make(release_step_kw=100)
    run_table(
        s,
        [
            (0, {LIM: 400, "pv": 800, "grid": -700, **FULL}, [(PCS, "max", -305), *pv(60)]),
            # limit lifted (>= installed PV): 100 kW per cycle, whatever the headroom
            (1, {LIM: 1000, "pv": 600, "grid": -500, **FULL}, pv(70)),
            (2, {LIM: 1000, "pv": 700, "grid": -600, **FULL}, pv(80)),
            (3, {LIM: 1000, "pv": 800, "grid": -700, **FULL}, pv(90)),
            (4, {LIM: 1000, "pv": 900, "grid": -800, **FULL}, []),
        ],
    )
    assert s.pv_limit_kw is None


def _table_with_events(s, table):
    clock = FakeClock()
    events = []
    for dt, inputs, expected in table:
        clock.t = T0 + dt
        got = [
            (c.point_id, c.op, round(c.value, 1)) for c in s.compute(snap(clock.t, **inputs), clock)
        ]
        assert got == expected, (dt, got)
        events.append([(e.severity, e.message) for e in s.drain_events()])
    return events


def test_bad_or_stale_limit_holds_the_most_restrictive_recent_limit_with_one_event():
    base = {"pv": 800, "grid": -700, **FULL}
    events = _table_with_events(
        make(max_step_down_kw=1000, memory_s=900),
        [
            (0, {LIM: 300, **base}, [(PCS, "max", -405), *pv(39.5)]),
            (1, {LIM: 500, **at(395)}, [(PCS, "max", 200), *pv(41.5)]),
            # bad quality: hold 300 kW (the most restrictive of the last 15 min), not release
            (2, {LIM: 900, "bad": {LIM}, **at(415)}, [(PCS, "max", -20), *pv(39.5)]),
            (3, {LIM: 900, "stale": {LIM}, **at(395)}, [(PCS, "max", 0), *pv(39.5)]),
            (4, {LIM: -50, **at(395)}, [(PCS, "max", 0), *pv(39.5)]),  # negative: invalid
            (5, {"missing": {LIM}, **at(395)}, [(PCS, "max", 0), *pv(39.5)]),
            # usable again: 500 kW applies, released by bounded steps
            (6, {LIM: 500, **at(395)}, [(PCS, "max", 200), *pv(41.5)]),
        ],
    )
    assert events[0] == events[1] == []
    assert len(events[2]) == 1 and events[2][0][0] == "warning"
    assert "comm_lost" in events[2][0][1].lower() or "comm" in events[2][0][1].lower()
    assert "holding 300 kW" in events[2][0][1]
    assert events[3] == events[4] == events[5] == []  # raised once per hold, no flood
    assert events[6] == [("info", "limit input usable again (500 kW): hold ended")]


def test_hold_forgets_limits_older_than_the_memory():
    base = {"pv": 800, "grid": -700, **FULL}
    events = _table_with_events(
        make(max_step_down_kw=1000, memory_s=10),
        [
            (0, {LIM: 300, **base}, [(PCS, "max", -405), *pv(39.5)]),
            (20, {LIM: 500, **at(395)}, [(PCS, "max", 200), *pv(41.5)]),
            (21, {"bad": {LIM}, **at(415)}, [(PCS, "max", 180), *pv(43.5)]),
        ],
    )
    assert "holding 500 kW" in events[2][0][1]


def test_bad_limit_before_any_was_seen_holds_pv_and_says_so():
    events = _table_with_events(make(), [(0, {"bad": {LIM}, "pv": 800, "grid": -700}, [])])
    assert "no limit seen yet" in events[0][0][1]


def test_bad_grid_holds_the_pv_limit_and_asks_nothing_of_the_battery():
    run_table(
        make(),
        [
            (0, {LIM: 400, "pv": 800, "grid": -700, **FULL}, [(PCS, "max", -305), *pv(60)]),
            (1, {LIM: 400, "bad": {"grid"}, **FULL}, pv(60)),
            (2, {LIM: 400, "stale": {"bess"}, **FULL}, pv(60)),
        ],
    )


def test_limit_age_can_be_longer_than_the_snapshot_stale_limit():
    # a dispatch setpoint written once, 60 s ago, is still the order when allowed to be
    run_table(
        make(limit_max_age_s=3600),
        [(0, {LIM: 400, "stale": {LIM}, "pv": 800, "grid": -700}, [(PCS, "max", -305)])],
    )


def test_inputs_name_the_limit_points():
    s = make(limit_pct_point=PCT)
    assert LIM in s.inputs and PCT in s.inputs


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit_point": ""}, "limit_point"),
        ({"max_step_down_kw": 0}, "max_step_down_kw"),
        ({"release_step_kw": -1}, "release_step_kw"),
        ({"memory_s": -1}, "memory_s"),
        ({"limit_max_age_s": 0}, "limit_max_age_s"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_invalid_params(params, field):
    params.setdefault("limit_point", LIM)
    with pytest.raises(ValidationError, match=field):
        CurtailmentParams(**params)


def test_limit_point_is_required():
    with pytest.raises(ValidationError, match="limit_point"):
        CurtailmentParams()


def test_closed_loop_follows_a_limit_step_without_oscillating():
    """Battery full, 900 kW of PV available, load 100 kW; the operator's limit steps from
    600 kW to 200 kW, then is lifted: export follows in bounded steps and settles."""
    from app.control import Cycle, ProtectionParams

    cycle = Cycle([make()], ProtectionParams(ramp_kw_per_s=None))
    clock = FakeClock()
    last: dict[str, float] = {}
    pct, load, available = 100.0, 100.0, 900.0
    exports, limits = [], []
    for i in range(110):
        clock.t = T0 + i
        order = 600.0 if i < 30 else 200.0 if i < 60 else 1000.0
        pv_kw = min(available, pct / 100 * 1000)
        grid = load - pv_kw
        r = cycle.run(
            snap(clock.t, grid=grid, bess=0, pv=pv_kw, soc=96, **{LIM: order}),
            clock,
            last_written=last,
        )
        last.update(r.writes)
        pct = r.setpoints[PV1]
        exports.append((order, -grid))
        limits.append(pct)
    steps = [abs(b - a) for a, b in itertools.pairwise(limits)]
    assert max(steps) <= 20.0 + 1e-9  # 200 kW per cycle down, 20 kW up, of 1000 kW
    for i in list(range(5, 30)) + list(range(35, 60)):
        order, export = exports[i]
        assert export <= order + 1e-6, (i, export, order)
    assert max(limits[40:60]) - min(limits[40:60]) <= 2.0  # settled, no oscillation
    assert limits[-1] == 100.0  # lifted: released gradually back to no curtailment
