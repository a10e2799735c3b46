"""Station and template validation: good files load; each kind of mistake is named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.config.errors import ConfigError
from app.config.loader import load_station, load_template
from app.paths import BUILTIN_TEMPLATES, DEMO_STATION

FIXTURES = Path(__file__).parent / "fixtures"


def _write_variant(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load((FIXTURES / "station_ok.yaml").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "station.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (tmp_path / "templates").mkdir(exist_ok=True)
    for t in (FIXTURES / "templates").iterdir():
        (tmp_path / "templates" / t.name).write_text(t.read_text(encoding="utf-8"))
    return path


def _issues(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_station(path)
    return [str(i) for i in info.value.issues]


def test_good_station_resolves_devices_points_and_calculations():
    station = load_station(FIXTURES / "station_ok.yaml")
    assert sorted(station.devices) == ["m1", "m2"]
    assert station.points["m1.p"].unit == "kW"
    assert station.points["m2.p_set"].writable
    assert station.points["m1.e_import"].address.type == "uint64"
    assert [p.id for p in station.calculated] == ["site.grid_p", "site.double"]


def test_demo_station_and_every_builtin_template_load():
    station = load_station(DEMO_STATION)
    assert {"site.pv_p", "site.load_p", "site.grid_p", "site.bess_p", "site.bess_soc"} <= set(
        station.points
    )
    for path in sorted(BUILTIN_TEMPLATES.glob("*.yaml")):
        assert load_template(path).points


def test_typo_in_a_key_names_file_field_and_value(tmp_path):
    path = _write_variant(tmp_path, lambda d: d["devices"][1].update(pol_ms=500))
    (issue,) = _issues(path)
    assert str(path) in issue and "devices[1].pol_ms" in issue and "unknown key" in issue


def test_wrong_type_is_named(tmp_path):
    path = _write_variant(tmp_path, lambda d: d["devices"][0].update(poll_ms="fast"))
    (issue,) = _issues(path)
    assert "devices[0].poll_ms" in issue and "'fast'" in issue


def test_duplicate_device_and_point_ids_are_rejected(tmp_path):
    def mutate(d):
        d["devices"][1]["id"] = "m1"
        d["calculated"][1]["id"] = "site.grid_p"

    issues = _issues(_write_variant(tmp_path, mutate))
    assert any("devices[1].id" in i and "duplicate device id" in i for i in issues)
    assert any("calculated[1].id" in i and "duplicate point id" in i for i in issues)


def test_unknown_template_lists_where_it_looked(tmp_path):
    path = _write_variant(tmp_path, lambda d: d["devices"][0].update(template="test_metre"))
    (issue,) = _issues(path)
    assert (
        "devices[0].template" in issue and "'test_metre'" in issue and "unknown template" in issue
    )


def test_bad_driver_params_are_reported_under_the_connection(tmp_path):
    path = _write_variant(tmp_path, lambda d: d["connections"][0]["params"].update(port="x"))
    issues = _issues(path)
    assert any("connections[0].params.port" in i for i in issues)


def test_unknown_point_and_cycle_in_expressions(tmp_path):
    path = _write_variant(tmp_path, lambda d: d["calculated"][0].update(expr="m1.p + m3.p"))
    (issue,) = _issues(path)
    assert "calculated[0].expr" in issue and "'m3.p'" in issue and "unknown point" in issue

    def cyclic(d):
        d["calculated"][0]["expr"] = "site.double / 2"

    (issue,) = _issues(_write_variant(tmp_path, cyclic))
    assert "cycle" in issue


def test_duplicate_yaml_key_and_broken_yaml(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("station: {id: a}\nstation: {id: b}\n", encoding="utf-8")
    (issue,) = _issues(path)
    assert "duplicate key 'station'" in issue and "line 2" in issue
    path.write_text("station: [unclosed\n", encoding="utf-8")
    (issue,) = _issues(path)
    assert "invalid YAML" in issue


def test_bad_template_address_is_named_with_the_template_file(tmp_path):
    path = _write_variant(tmp_path, lambda d: None)
    tpl = tmp_path / "templates" / "test_meter.yaml"
    data = yaml.safe_load(tpl.read_text(encoding="utf-8"))
    data["points"][0]["address"]["type"] = "float33"
    tpl.write_text(yaml.safe_dump(data), encoding="utf-8")
    issues = _issues(path)
    assert any(str(tpl) in i and "points[0].address.type" in i and "float33" in i for i in issues)
