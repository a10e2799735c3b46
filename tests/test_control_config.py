"""Control configuration: validated at load, errors name file/field/value, old config kept."""

import pytest

from app.config.errors import ConfigError
from app.control import ControlMode, StrategyContext, StrategyRegistry
from app.control.config import ControlConfigHolder, build_control_config, load_control_config
from tests.test_strategy_peak_valley import HourTariff

GOOD = """
mode: auto
protection: {pcs_rating_kw: 500, ramp_kw_per_s: 100}
strategies:
  - kind: soc_management
    params: {soc_min_pct: 15, soc_max_pct: 85}
  - kind: demand_control
    params: {limit_kw: 600}
  - kind: export_limit
    params: {limit_kw: 0}
  - kind: peak_valley_tou
    priority: 450
    params: {charge_power_kw: 200}
"""


@pytest.fixture
def registry():
    return StrategyRegistry.from_entry_points()


@pytest.fixture
def context():
    return StrategyContext(tariff=HourTariff())


def write(tmp_path, text, name="control.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_builds_strategies_with_their_priorities(tmp_path, registry, context):
    cfg = load_control_config(write(tmp_path, GOOD), registry, context)
    assert cfg.mode is ControlMode.AUTO
    assert [(s.name, s.priority) for s in cfg.strategies] == [
        ("soc_management", 800),
        ("demand_control", 600),
        ("export_limit", 600),
        ("peak_valley_tou", 450),
    ]
    assert cfg.protection.ramp_kw_per_s == 100


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        (
            "strategies: [{kind: soc_management, params: {soc_min_pct: 90, soc_max_pct: 80}}]",
            "strategies[0].params",
            "90",
        ),
        (
            "strategies: [{kind: demand_control, params: {limit_kw: -600}}]",
            "strategies[0].params.limit_kw",
            "-600",
        ),
        (
            "strategies: [{kind: export_limit, params: {limt_kw: 0}}]",
            "strategies[0].params.limt_kw",
            "0",
        ),
        ("strategies: [{kind: peak_shaver}]", "strategies[0].kind", "peak_shaver"),
        ("protection: {soc_min_pct: 99, soc_max_pct: 10}", "protection", "99"),
        ("mode: turbo", "mode", "turbo"),
        ("strategies: [{kind: demand_control, priorty: 5}]", "strategies[0].priorty", "5"),
    ],
)
def test_invalid_config_names_file_field_and_value(tmp_path, registry, context, text, field, value):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_control_config(path, registry, context)
    message = str(info.value)
    assert str(path) in message and field in message and value in message, message


def test_every_problem_is_reported_at_once(tmp_path, registry, context):
    text = """
strategies:
  - {kind: demand_control, params: {limit_kw: -1}}
  - {kind: soc_management, params: {soc_max_pct: 120}}
"""
    with pytest.raises(ConfigError) as info:
        load_control_config(write(tmp_path, text), registry, context)
    fields = [i.field for i in info.value.issues]
    assert fields == ["strategies[0].params.limit_kw", "strategies[1].params.soc_max_pct"]


def test_tou_without_a_tariff_is_rejected(registry):
    with pytest.raises(ConfigError, match="needs the station's tariff"):
        build_control_config(
            {"strategies": [{"kind": "peak_valley_tou"}]}, "x.yaml", registry, StrategyContext()
        )


def test_duplicate_names_and_disabled_entries(registry, context):
    data = {"strategies": [{"kind": "demand_control"}, {"kind": "demand_control"}]}
    with pytest.raises(ConfigError, match="duplicate strategy name"):
        build_control_config(data, "x.yaml", registry, context)
    data = {
        "strategies": [
            {"kind": "demand_control", "name": "demand_a"},
            {"kind": "demand_control", "name": "demand_b", "enabled": False},
        ]
    }
    cfg = build_control_config(data, "x.yaml", registry, context)
    assert [s.name for s in cfg.strategies] == ["demand_a"]


def test_invalid_reload_leaves_the_running_configuration_untouched(tmp_path, registry, context):
    holder = ControlConfigHolder(load_control_config(write(tmp_path, GOOD), registry, context))
    before = holder.current
    bad = write(
        tmp_path,
        "strategies: [{kind: soc_management, params: {soc_min_pct: 90, soc_max_pct: 80}}]",
        "bad.yaml",
    )
    issues = holder.reload(bad, registry, context)
    assert issues and issues[0].field == "strategies[0].params" and "90" in str(issues[0])
    assert holder.current is before
    good2 = write(tmp_path, "mode: standby", "good2.yaml")
    assert holder.reload(good2, registry, context) == []
    assert holder.current.mode is ControlMode.STANDBY
