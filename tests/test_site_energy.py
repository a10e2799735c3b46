"""Today's energy: trapezoid integration by direction, midnight reset, no bridging of gaps."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from app.points import PointValue, Quality
from app.site_energy import ENERGY_DEFS, SiteEnergy, energy_specs

ZONE = ZoneInfo("Asia/Shanghai")
ALIASES = ["site.pv_p", "site.load_p", "site.grid_p", "site.bess_p"]


def _energy() -> SiteEnergy:
    return SiteEnergy(energy_specs(ALIASES), ZONE)


def _at(hour: int, minute: int = 0, second: int = 0) -> float:
    return datetime(2026, 11, 24, hour, minute, second, tzinfo=ZONE).timestamp()


def test_specs_follow_the_aliases_the_station_defines():
    assert len(energy_specs(ALIASES)) == len(ENERGY_DEFS)
    assert [s.id for s in energy_specs(["site.pv_p"])] == ["site.e_pv_today"]


def test_grid_power_splits_into_import_and_export():
    energy = _energy()
    t0 = _at(12)
    out = {}
    # 10 s at +360 kW import, then a ramp through zero to -360 kW export over 10 s
    for t, p in [(0, 360.0), (10, 360.0), (20, -360.0)]:
        out = energy.on_batch({"site.grid_p": PointValue(p, t0 + t)})
    imported = out["site.e_grid_import_today"].value
    exported = out["site.e_grid_export_today"].value
    assert abs(imported - (1.0 + 0.25)) < 1e-9  # 360 kW*10 s = 1 kWh, +half of the ramp's rise
    assert abs(exported - 0.25) < 1e-9


def test_bad_samples_and_long_gaps_add_nothing():
    energy = _energy()
    t0 = _at(9)
    energy.on_batch({"site.pv_p": PointValue(360.0, t0)})
    energy.on_batch({"site.pv_p": PointValue(360.0, t0 + 1, Quality.BAD_COMM_LOST)})
    out = energy.on_batch({"site.pv_p": PointValue(360.0, t0 + 2)})
    assert out["site.e_pv_today"].value == 0.0
    out = energy.on_batch({"site.pv_p": PointValue(360.0, t0 + 3600)})  # an hour's gap
    assert out["site.e_pv_today"].value == 0.0


def test_day_restarts_at_local_midnight_and_seed_replays_history():
    energy = _energy()
    energy.seed("site.load_p", [_at(23, 59, 50), _at(23, 59, 59)], [3600.0, 3600.0])
    out = energy.on_batch({"site.load_p": PointValue(3600.0, _at(23, 59, 59) + 0.5)})
    assert abs(out["site.e_load_today"].value - 9.5) < 1e-9
    out = energy.on_batch({"site.load_p": PointValue(3600.0, _at(23, 59, 59) + 11)})
    assert out["site.e_load_today"].value == 0.0  # a new day; the gap over midnight is not counted
