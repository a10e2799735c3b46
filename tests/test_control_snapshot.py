from app.control import SiteRoles, Snapshot
from app.points import PointValue, Quality
from tests.test_strategy_support import T0, snap


def test_value_is_none_when_bad_stale_missing_or_nan():
    s = Snapshot(
        {
            "a.good": PointValue(1.5, T0, Quality.GOOD),
            "a.bad": PointValue(1.5, T0, Quality.BAD_COMM_LOST),
            "a.unc": PointValue(1.5, T0, Quality.UNCERTAIN_SUBSTITUTED),
            "a.old": PointValue(1.5, T0 - 30, Quality.GOOD),
            "a.none": PointValue(None, T0, Quality.GOOD),
            "a.nan": PointValue(float("nan"), T0, Quality.GOOD),
        },
        T0,
        stale_after_s=10,
    )
    assert s.value("a.good") == 1.5
    for pid in ("a.bad", "a.unc", "a.old", "a.none", "a.nan", "a.missing"):
        assert s.value(pid) is None, pid
    assert s.value("a.old", max_age_s=60) == 1.5
    assert s.fresh("a.good", 0) and not s.fresh("a.old", 10)
    assert s.problem("a.bad") == "bad:comm_lost"
    assert s.problem("a.missing") == "missing"
    assert s.problem("a.old").startswith("stale")
    assert s.problem("a.good") is None


def test_snapshot_is_a_frozen_copy():
    values = {"a.x": PointValue(1.0, T0)}
    s = Snapshot(values, T0)
    values["a.x"] = PointValue(2.0, T0)
    assert s.value("a.x") == 1.0


def test_role_accessors_and_base_import():
    s = snap(grid=400, bess=-100, soc=55)
    assert s.grid_p() == 400 and s.bess_p() == -100 and s.soc() == 55
    assert s.base_import() == 300  # what the site would import with the battery idle
    assert snap(bad={"bess"}).base_import() is None


def test_roles_from_the_demo_station():
    from app.config.loader import load_station
    from app.paths import DEMO_STATION

    station = load_station(DEMO_STATION)
    roles = SiteRoles.from_station(station)
    assert roles.pcs_setpoint == "pcs1.p_set"
    assert roles.pcs_rating_kw == 500
    assert roles.pv_limits == ("pv1.p_limit", "pv2.p_limit")
    assert roles.bms_charge_max == "bms1.p_charge_max"
    assert roles.soc == "site.bess_soc"
