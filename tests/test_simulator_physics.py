"""Plant physics in simulated time (ManualClock): no server, no wall-clock waits."""

from __future__ import annotations

import itertools
from datetime import datetime

import pandas as pd
import pvlib
import pytest

from app.battery import Battery
from simulator.clock import ManualClock, SimClock, parse_sim_start
from simulator.errors import WriteRejected
from simulator.load import Load, LoadParams
from simulator.pcs import MODE_LOCAL, MODE_REMOTE, Pcs, PcsParams
from simulator.plant import MAX_SUBSTEPS, Plant
from simulator.site import Site
from simulator.weather import Weather

SITE = Site()


def at(text: str) -> float:
    return parse_sim_start(text, SITE.zone)


def plant_at(text: str, **kw) -> tuple[Plant, ManualClock]:
    clock = ManualClock(at(text))
    kw.setdefault("cloudiness", 0.0)
    return Plant(clock, site=SITE, **kw), clock


def advance(plant: Plant, clock: ManualClock, seconds: float, every: float = 1.0):
    """Move the clock in ``every``-second reads, like a poller; return the last snapshot."""
    snap = plant.snapshot
    for _ in range(round(seconds / every)):
        clock.advance(every)
        snap = plant.refresh()
    return snap


# ---- clock -----------------------------------------------------------------------------
def test_sim_start_parses_time_of_day_and_iso():
    now = datetime(2025, 3, 1, 22, 30, tzinfo=SITE.zone).timestamp()
    noon = parse_sim_start("12:00", SITE.zone, now=now)
    assert datetime.fromtimestamp(noon, SITE.zone) == datetime(2025, 3, 1, 12, 0, tzinfo=SITE.zone)
    iso = parse_sim_start("2025-06-21T12:00", SITE.zone)
    assert iso == parse_sim_start("2025-06-21T04:00+00:00", SITE.zone)
    with pytest.raises(ValueError, match="HH:MM"):
        parse_sim_start("noon", SITE.zone)
    with pytest.raises(ValueError):
        parse_sim_start("25:00", SITE.zone)


def test_sim_clock_is_offset_wall_clock():
    start = at("2025-06-21T12:00")
    clock = SimClock(start)
    assert abs(clock.now() - start) < 5.0


# ---- PV --------------------------------------------------------------------------------
def test_pv_is_zero_at_night():
    plant, clock = plant_at("2025-06-21T02:00")
    snap = advance(plant, clock, 10)
    assert snap.pv_p == 0.0
    for role in ("pv_inverter:0", "pv_inverter:1"):
        assert snap.readings[role]["standby"] and not snap.readings[role]["running"]
    assert snap.value("environment", "ghi") == 0.0


def test_pv_near_clear_sky_at_noon():
    plant, clock = plant_at("2025-06-21T12:00")
    snap = advance(plant, clock, 5)
    # pvlib directly, at the same instant: the per-minute table is interpolated faithfully
    loc = pvlib.location.Location(SITE.latitude, SITE.longitude, SITE.timezone, SITE.altitude)
    ghi = float(
        loc.get_clearsky(pd.DatetimeIndex([pd.Timestamp(clock.now(), unit="s", tz="UTC")]))[
            "ghi"
        ].iloc[0]
    )
    assert snap.value("environment", "ghi") == pytest.approx(ghi, rel=0.01)
    poa = snap.value("environment", "poa")
    assert 850 < poa < 1100
    # each 500 kWp array: near its rating scaled by irradiance, less temperature losses
    for role in ("pv_inverter:0", "pv_inverter:1"):
        p = snap.value(role, "p")
        assert 0.8 * 500 * poa / 1000 < p <= 500 * poa / 1000
    assert 750 < snap.pv_p < 1000


def test_clouds_are_deterministic_and_reduce_energy():
    def day_energy(cloudiness: float, seed: int = 1) -> float:
        weather_free, _ = plant_at("2025-06-21T06:00", cloudiness=cloudiness, seed=seed)
        plant = weather_free
        kwh = 0.0
        t = plant.t
        for k in range(12 * 60):  # 06:00-18:00 every minute (irradiance only: cheap)
            _ghi, poa = plant.sky.irradiance(t + 60 * k)
            kwh += poa * plant.weather.transmittance(t + 60 * k) / 60.0
        return kwh

    clear, cloudy = day_energy(0.0), day_energy(0.6)
    assert cloudy < 0.9 * clear
    assert day_energy(0.6) == day_energy(0.6)
    assert day_energy(0.6, seed=2) != cloudy


def test_clouds_move_smoothly():
    w = Weather(seed=3, cloudiness=0.5)
    t0 = at("2025-06-21T10:00")
    values = [w.transmittance(t0 + s) for s in range(0, 3600, 1)]
    assert min(values) < 0.6 and max(values) == 1.0  # clouds come and go within the hour
    assert max(abs(a - b) for a, b in itertools.pairwise(values)) < 0.05


def test_power_limit_curtails():
    plant, clock = plant_at("2025-06-21T12:00")
    plant.write("pv_inverter:0", "p_limit", 40.0)
    snap = advance(plant, clock, 2)
    assert snap.value("pv_inverter:0", "p") == pytest.approx(200.0)
    assert snap.readings["pv_inverter:0"]["curtailed"]
    assert snap.value("pv_inverter:1", "p") > 350.0
    with pytest.raises(WriteRejected):
        plant.write("pv_inverter:0", "p_limit", 120.0)


# ---- load ------------------------------------------------------------------------------
def _load_day(day: str) -> list[float]:
    load = Load(LoadParams(), seed=1)
    weather = Weather(seed=1, cloudiness=0.0)
    plant, _ = plant_at(f"{day}T00:00")
    out = []
    for minute in range(24 * 60):
        t = plant.t + 60.0 * minute
        local = datetime.fromtimestamp(t, SITE.zone)
        hour = local.hour + local.minute / 60.0
        amb = weather.ambient_c(t, hour, local.timetuple().tm_yday)
        ghi, _ = plant.sky.irradiance(t)
        out.append(load.step(t, hour, local.weekday(), amb, ghi, on=True))
    return out


def test_load_peaks_near_800kw_on_a_summer_weekday():
    day = _load_day("2025-07-16")  # a Wednesday
    assert 720 < max(day) < 880
    peak_hour = day.index(max(day)) / 60
    assert 8 <= peak_hour <= 20
    assert min(day) < 0.4 * max(day)  # nights are quiet


def test_load_is_lower_at_the_weekend():
    assert max(_load_day("2025-07-20")) < 0.6 * max(_load_day("2025-07-16"))  # Sunday


# ---- PCS -------------------------------------------------------------------------------
def remote_pcs(t0: float = 0.0, **kw) -> tuple[Pcs, Battery]:
    pcs = Pcs(PcsParams(**kw), now=t0, mode=MODE_REMOTE)
    return pcs, Battery(soc=0.5)


def step_pcs(pcs: Pcs, bat: Battery, t: float, dt: float = 1.0) -> float:
    return pcs.step(t, dt, bat, 25.0, True, 0.0, 12.0)


def test_pcs_follows_setpoint_with_ramp():
    pcs, bat = remote_pcs()
    pcs.write("heartbeat", 1, 0.0)
    pcs.write("p_set", 250.0, 0.0)
    got = [step_pcs(pcs, bat, float(t)) for t in range(1, 5)]
    assert got == pytest.approx([100.0, 200.0, 250.0, 250.0])
    pcs.write("p_set", -250.0, 4.0)
    got = [step_pcs(pcs, bat, float(t)) for t in range(5, 11)]
    assert got == pytest.approx([150.0, 50.0, -50.0, -150.0, -250.0, -250.0])


def test_pcs_watchdog_reverts_to_zero_when_heartbeat_stops():
    pcs, bat = remote_pcs()
    pcs.write("heartbeat", 1, 0.0)
    pcs.write("p_set", 300.0, 0.0)
    t = 0.0
    for _ in range(10):  # 10 s: the heartbeat is exactly at its age limit, still fine
        t += 1.0
        step_pcs(pcs, bat, t)
        pcs.write("heartbeat", 1, t)  # the same value again is no heartbeat
    assert pcs.p_kw == pytest.approx(300.0) and not pcs.watchdog_expired
    t += 1.0
    step_pcs(pcs, bat, t)
    assert pcs.watchdog_expired and pcs.p_set_kw == 0.0
    assert pcs.p_kw == pytest.approx(200.0)  # ramping down, not a step
    for _ in range(3):
        t += 1.0
        step_pcs(pcs, bat, t)
    assert pcs.p_kw == 0.0
    # a fresh heartbeat clears the bit but does not bring the old setpoint back
    pcs.write("heartbeat", 2, t)
    t += 1.0
    step_pcs(pcs, bat, t)
    assert not pcs.watchdog_expired and pcs.p_kw == 0.0


def test_changing_heartbeat_keeps_the_pcs_running():
    pcs, bat = remote_pcs()
    pcs.write("p_set", 100.0, 0.0)
    for k in range(1, 60):
        pcs.write("heartbeat", k, float(k))
        step_pcs(pcs, bat, float(k))
    assert pcs.p_kw == pytest.approx(100.0) and not pcs.watchdog_expired


def test_watchdog_timeout_zero_switches_it_off():
    pcs, bat = remote_pcs()
    pcs.write("watchdog_timeout", 0, 0.0)
    pcs.write("p_set", 100.0, 0.0)
    for k in range(1, 100):
        step_pcs(pcs, bat, float(k))
    assert pcs.p_kw == pytest.approx(100.0)


def test_pcs_respects_battery_limits():
    pcs, _ = remote_pcs(watchdog_timeout_s=0)
    bat = Battery(soc=0.97)
    pcs.write("ramp", 1000, 0.0)
    pcs.write("p_set", -500.0, 0.0)
    p = step_pcs(pcs, bat, 1.0)
    assert p == pytest.approx(-bat.params.p_charge_max_kw * 0.3, rel=0.05)
    assert pcs.derated


def test_pcs_refuses_bad_writes():
    pcs, _ = remote_pcs()
    with pytest.raises(WriteRejected):
        pcs.write("p_set", 600.0, 0.0)
    with pytest.raises(WriteRejected):
        pcs.write("mode", 3, 0.0)
    local = Pcs(PcsParams(), now=0.0, mode=MODE_LOCAL)
    with pytest.raises(WriteRejected, match="remote"):
        local.write("p_set", 100.0, 0.0)


def test_local_mode_charges_pv_surplus_and_shaves_peaks():
    pcs = Pcs(PcsParams(), now=0.0, mode=MODE_LOCAL)
    bat = Battery(soc=0.5)
    for k in range(1, 10):
        pcs.step(float(k), 1.0, bat, 25.0, True, -180.0, 12.0)  # 180 kW surplus
    assert pcs.p_kw == pytest.approx(-180.0)
    for k in range(10, 20):
        pcs.step(float(k), 1.0, bat, 25.0, True, 700.0, 17.0)  # 700 kW net load at 17:00
    assert pcs.p_kw == pytest.approx(700.0 - PcsParams().peak_limit_kw)


# ---- the plant as a whole --------------------------------------------------------------
@pytest.mark.parametrize("when", ["2025-06-21T03:00", "2025-06-21T12:30", "2025-06-21T18:00"])
def test_every_snapshot_balances(when):
    plant, clock = plant_at(when, cloudiness=0.5)
    for _ in range(20):
        snap = advance(plant, clock, 3.0, every=0.7)
        assert snap.load_p == pytest.approx(snap.pv_p + snap.grid_p + snap.bess_p, abs=1e-6)
        assert snap.pv_p >= 0.0 and snap.load_p >= 0.0


def test_snapshot_is_held_for_max_age():
    plant, clock = plant_at("2025-06-21T12:00")
    first = plant.refresh()
    clock.advance(0.3)
    assert plant.refresh() is first
    clock.advance(0.3)
    assert plant.refresh() is not first


def test_meter_counters_integrate_power():
    plant, clock = plant_at("2025-06-21T10:00", cloudiness=0.4)
    e0 = plant.snapshot.readings["grid_meter"]
    net = 0.0
    for _ in range(600):
        clock.advance(1.0)
        snap = plant.refresh()
        net += snap.grid_p / 3600.0
    e1 = snap.readings["grid_meter"]
    delta = (e1["e_import"] - e0["e_import"]) - (e1["e_export"] - e0["e_export"])
    assert delta == pytest.approx(net, abs=1e-6)


def test_same_seed_same_plant():
    a, ca = plant_at("2025-06-21T11:00", cloudiness=0.5)
    b, cb = plant_at("2025-06-21T11:00", cloudiness=0.5)
    sa, sb = advance(a, ca, 30), advance(b, cb, 30)
    assert sa.readings == sb.readings


def test_long_pause_catches_up_in_bounded_steps(monkeypatch):
    plant, clock = plant_at("2025-06-21T00:00")
    steps = []
    original = plant._step
    monkeypatch.setattr(plant, "_step", lambda dt: (steps.append(dt), original(dt)))
    clock.advance(10 * 3600)
    snap = plant.refresh()
    assert len(steps) <= MAX_SUBSTEPS + 1
    assert snap.t == pytest.approx(clock.now())
    assert 0.0 <= snap.bess_soc <= 100.0


def test_opening_breakers_cuts_their_feeders():
    plant, clock = plant_at("2025-06-21T12:00")
    plant.write("breaker:pv", "cmd", 2)
    snap = advance(plant, clock, 2)
    assert snap.pv_p == 0.0 and snap.readings["breaker:pv"]["open"]
    assert snap.readings["pv_inverter:0"]["grid_lost"]
    assert snap.load_p > 0
    plant.write("breaker:pv", "cmd", 1)
    plant.write("breaker:grid", "cmd", 2)
    snap = advance(plant, clock, 2)
    assert (snap.load_p, snap.pv_p, snap.grid_p, snap.bess_p) == (0.0, 0.0, 0.0, 0.0)
    assert snap.value("grid_meter", "u_a") == 0.0


def test_tripped_breaker_needs_reset_before_closing():
    plant, clock = plant_at("2025-06-21T12:00")
    plant.trip_breaker("bess")
    snap = advance(plant, clock, 2)
    r = snap.readings["breaker:bess"]
    assert r["tripped"] and r["open"] and r["trips"] == 1
    with pytest.raises(WriteRejected, match="reset"):
        plant.write("breaker:bess", "cmd", 1)
    plant.write("breaker:bess", "cmd", 3)
    plant.write("breaker:bess", "cmd", 1)
    snap = advance(plant, clock, 2)
    assert snap.readings["breaker:bess"]["closed"]


def test_transformer_over_temperature_trips_the_incomer():
    plant, clock = plant_at("2025-06-21T12:00")
    plant.transformer.temps = [160.0, 162.0, 158.0]
    snap = advance(plant, clock, 2)
    assert snap.readings["transformer"]["trip_over_temp"]
    assert snap.readings["breaker:grid"]["tripped"]
    snap = advance(plant, clock, 2)
    assert snap.load_p == 0.0


def test_transformer_losses_show_on_the_hv_side():
    plant, clock = plant_at("2025-06-21T19:00")
    snap = advance(plant, clock, 5)
    tx = snap.readings["transformer"]
    assert tx["p_hv"] == pytest.approx(snap.grid_p + tx["losses"])
    assert 2.0 <= tx["losses"] < 20.0
    assert tx["loading"] == pytest.approx(100 * snap.value("grid_meter", "s") / 1600, rel=1e-6)
