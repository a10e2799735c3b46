"""Protection clamps: rating, BMS limits, SOC bounds, temperature, ramp, deadband, one write."""

import pytest

from app.control import ProtectionParams, protect
from tests.test_strategy_support import PCS, PV1, snap

NO_RAMP = ProtectionParams(ramp_kw_per_s=None)


def run(requested, params=NO_RAMP, last=None, dt=1.0, **inputs):
    return protect(requested, snap(**inputs), last or {}, params, dt)


def stages(result):
    return [c.stage for c in result.clamps]


@pytest.mark.parametrize(
    ("request_kw", "inputs", "expected", "stage"),
    [
        (800, {}, 500, "rating"),
        (-800, {}, -500, "rating"),
        (400, {"discharge_max": 250}, 250, "bms"),
        (-400, {"charge_max": 120}, -120, "bms"),
        (200, {"soc": 5}, 0, "soc"),  # at the hard minimum: no discharge
        (-200, {"soc": 5}, -200, None),  # ... but charging is fine
        (-200, {"soc": 100}, 0, "soc"),  # at the hard maximum: no charge
        (200, {"soc": 100}, 200, None),
        (400, {"temp": 50}, 250, "temperature"),  # halfway 45..55 °C: 50 % of 500 kW
        (-400, {"temp": 47.5}, -375, "temperature"),
        (100, {"temp": 55}, 0, "temperature"),  # at the stop temperature
        (100, {"temp": 70}, 0, "temperature"),
    ],
)
def test_hard_limits(request_kw, inputs, expected, stage):
    r = run({PCS: request_kw}, **inputs)
    assert r.setpoints[PCS] == pytest.approx(expected)
    assert r.writes[PCS] == pytest.approx(expected)
    if stage:
        assert stage in stages(r)
    else:
        assert not r.clamps


def test_the_tightest_limit_wins_and_every_stage_is_reported():
    r = run({PCS: 900}, discharge_max=300, temp=52)  # temp allows 150
    assert r.setpoints[PCS] == pytest.approx(150)
    assert stages(r) == ["rating", "bms", "temperature"]
    assert r.limits[PCS] == pytest.approx((-150, 150))


def test_over_temperature_stop_raises_an_alarm_event():
    r = run({PCS: 100}, temp=60)
    assert any(e.severity == "alarm" and "stop" in e.message for e in r.events)


@pytest.mark.parametrize("alias", ["soc", "charge_max", "discharge_max", "temp"])
def test_bad_or_stale_safety_input_means_zero_kw_and_an_event(alias):
    for kind in ("bad", "stale", "missing"):
        r = protect({PCS: 300}, snap(**{kind: {alias}}), {PCS: 300}, NO_RAMP, 1.0)
        assert r.setpoints[PCS] == 0, (alias, kind)
        assert r.writes[PCS] == 0
        assert any("0 kW" in e.message for e in r.events), (alias, kind)


def test_ramp_limits_the_change_from_the_last_written_value():
    params = ProtectionParams(ramp_kw_per_s=50)
    r = protect({PCS: 300}, snap(), {PCS: 100}, params, 1.0)
    assert r.setpoints[PCS] == 150 and "ramp" in stages(r)
    r = protect({PCS: 300}, snap(), {PCS: 100}, params, 0.2)
    assert r.setpoints[PCS] == pytest.approx(110)
    r = protect({PCS: -300}, snap(), {PCS: 100}, params, 1.0)
    assert r.setpoints[PCS] == 50


def test_ramp_starts_from_the_measured_power_when_nothing_was_written():
    r = protect({PCS: 300}, snap(bess=200), {}, ProtectionParams(ramp_kw_per_s=50), 1.0)
    assert r.setpoints[PCS] == 250


def test_a_falling_hard_limit_is_followed_at_once_not_ramped():
    # 400 kW written; the BMS now allows 100 kW: go to 100 at once despite a 10 kW/s ramp
    r = protect(
        {PCS: 400}, snap(discharge_max=100), {PCS: 400}, ProtectionParams(ramp_kw_per_s=10), 1.0
    )
    assert r.setpoints[PCS] == 100 and r.writes == {PCS: 100}


def test_deadband_suppresses_small_changes():
    params = ProtectionParams(ramp_kw_per_s=None, deadband_kw=5)
    r = protect({PCS: 203}, snap(), {PCS: 200}, params, 1.0)
    assert r.writes == {} and r.setpoints[PCS] == 200  # held at the last written value
    r = protect({PCS: 206}, snap(), {PCS: 200}, params, 1.0)
    assert r.writes == {PCS: 206}


def test_deadband_never_keeps_a_value_outside_the_limits():
    params = ProtectionParams(ramp_kw_per_s=None, deadband_kw=5)
    r = protect({PCS: 300}, snap(discharge_max=198), {PCS: 200}, params, 1.0)
    assert r.writes == {PCS: 198}


def test_first_cycle_always_writes():
    r = run({PCS: 0.0})
    assert r.writes == {PCS: 0.0}


def test_one_write_per_point_per_cycle():
    r = protect([(PCS, 100.0), (PCS, 150.0), (PV1, 50.0)], snap(), {}, NO_RAMP, 1.0)
    assert r.writes == {PCS: 150.0, PV1: 50.0}
    assert any("twice" in e.message for e in r.events)


def test_pv_limits_are_clamped_to_0_100_and_deadbanded():
    r = run({PV1: 140.0})
    assert r.setpoints[PV1] == 100.0 and "pv_range" in stages(r)
    r = protect({PV1: 50.2}, snap(), {PV1: 50.0}, NO_RAMP, 1.0)
    assert r.writes == {}


def test_unknown_points_are_not_written():
    r = run({"pcs1.mode": 1.0, PCS: 10.0})
    assert "pcs1.mode" not in r.writes and PCS in r.writes
    r = protect({"pcs1.mode": 1.0}, snap(), {}, ProtectionParams(passthrough=("pcs1.mode",)), 1.0)
    assert r.writes == {"pcs1.mode": 1.0}


def test_params_reject_inverted_ranges():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="soc_min_pct"):
        ProtectionParams(soc_min_pct=90, soc_max_pct=80)
    with pytest.raises(ValidationError, match="temp_derate_start_c"):
        ProtectionParams(temp_derate_start_c=60, temp_stop_c=55)
    with pytest.raises(ValidationError):
        ProtectionParams(pcs_rating_kw=-1)
