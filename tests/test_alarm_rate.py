"""Rate-of-change alarms: the pure evaluator, the rule in templates and overrides, the engine."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from app.alarms.engine import AlarmEngine
from app.alarms.rate import RateEvaluator, RateRule
from app.alarms.rules import AnalogRule, merge_override, parse_rule
from app.alarms.states import AlarmState, Priority
from app.config.errors import ConfigError
from app.config.loader import load_station
from app.paths import DEMO_STATION
from app.points import PointValue, Quality
from tests.test_alarm_rules import _template_with, _write

T0 = 1_800_000_000.0


def feed(ev: RateEvaluator, samples: list[tuple[float, float]]) -> list[bool]:
    return [ev.update(T0 + t, v) for t, v in samples]


def test_a_ramp_faster_than_the_limit_raises_once_the_window_has_seen_it():
    ev = RateEvaluator(RateRule(max_per_s=1.0, window_s=10))
    # 2 units/s, one sample a second: the first 10 s only fill the window
    states = feed(ev, [(t, 20 + 2 * t) for t in range(0, 12)])
    assert states[:10] == [False] * 10
    assert states[10:] == [True, True]
    assert ev.rate == pytest.approx(2.0)


def test_a_slow_drift_of_the_same_total_change_does_not_raise():
    ev = RateEvaluator(RateRule(max_per_s=1.0, window_s=10))
    # the same +22 as the ramp above, spread over 110 s instead of 11
    assert not any(feed(ev, [(t, 20 + 0.2 * t) for t in range(0, 111)]))
    assert ev.rate == pytest.approx(0.2)


def test_one_noisy_sample_is_taken_over_the_window_not_over_one_poll():
    ev = RateEvaluator(RateRule(max_per_s=1.0, window_s=10))
    flat = [(t, 20.0) for t in range(0, 20)]
    # +5 in one second would be 5 units/s sample to sample; over the window it is 0.5
    states = feed(ev, [*flat, (20, 25.0), (21, 20.0), (22, 20.0)])
    assert not any(states)


def test_a_single_sample_after_a_long_gap_is_divided_by_the_gap():
    ev = RateEvaluator(RateRule(max_per_s=1.0, window_s=10))
    feed(ev, [(t, 20.0) for t in range(0, 11)])
    # communication lost for 5 minutes; the value is back 30 higher: 0.1 unit/s, not 30
    assert ev.update(T0 + 310, 50.0) is False
    assert ev.rate == pytest.approx(30 / 300)


def test_the_condition_clears_when_the_rate_over_the_window_falls():
    ev = RateEvaluator(RateRule(max_per_s=1.0, window_s=10))
    ramp = [(t, 2.0 * t) for t in range(0, 16)]  # 2/s until t=15 (value 30)
    hold = [(t, 30.0) for t in range(16, 31)]
    states = feed(ev, [*ramp, *hold])
    assert states[15] is True
    # back at or below 1/s: (30 - value 10 s earlier) / 10 s
    cleared_at = next(t for t, s in zip(range(16, 31), states[16:], strict=True) if not s)
    assert cleared_at == 20  # (30 - 20) / 10 s = 1 /s: no longer above the limit
    assert ev.rate == 0.0


def test_direction_rise_or_fall_only():
    up = RateEvaluator(RateRule(max_per_s=1.0, window_s=5, direction="rise"))
    down = RateEvaluator(RateRule(max_per_s=1.0, window_s=5, direction="fall"))
    both = RateEvaluator(RateRule(max_per_s=1.0, window_s=5))
    falling = [(t, 100 - 3.0 * t) for t in range(0, 7)]
    assert not any(feed(up, falling))
    assert feed(down, falling)[-1] is True
    assert feed(both, falling)[-1] is True


def test_bad_missing_nan_and_old_samples_keep_the_state():
    ev = RateEvaluator(RateRule(max_per_s=1.0, window_s=5))
    feed(ev, [(t, 3.0 * t) for t in range(0, 7)])
    assert ev.active
    assert ev.update(T0 + 7, 0.0, Quality.BAD_COMM_LOST) is True
    assert ev.update(T0 + 8, None) is True
    assert ev.update(T0 + 9, math.nan) is True
    assert ev.update(T0 + 3, 0.0) is True  # not newer than the last sample: ignored
    assert ev.rate == pytest.approx(3.0)


def test_the_rule_is_validated_with_the_field_located():
    rule = parse_rule("analog", {"roc": {"max_per_s": 0.5, "priority": "high"}})
    assert isinstance(rule, AnalogRule) and rule.roc is not None
    assert (rule.roc.max_per_s, rule.roc.window_s, rule.roc.priority) == (0.5, 10.0, Priority.HIGH)
    assert rule.levels() == ()  # a rate rule alone is a rule
    bad = {
        "roc.max_per_s": {"roc": {"max_per_s": -1}},
        "roc.window_s": {"roc": {"max_per_s": 1, "window_s": 0}},
        "roc.windw_s": {"roc": {"max_per_s": 1, "windw_s": 3}},
        "roc.priority": {"roc": {"max_per_s": 1, "priority": "urgent"}},
        "roc.direction": {"roc": {"max_per_s": 1, "direction": "up"}},
    }
    for where, data in bad.items():
        with pytest.raises(ValidationError) as err:
            parse_rule("analog", data)
        assert [".".join(map(str, e["loc"])) for e in err.value.errors()] == [where]
    with pytest.raises(ValidationError, match="max_per_s"):
        parse_rule("analog", {"roc": {"max_per_s": "fast"}})
    with pytest.raises(ValidationError, match="roc"):
        parse_rule("digital", {"roc": {"max_per_s": 1}})
    with pytest.raises(ValidationError, match="hh, h, l, ll or roc"):
        parse_rule("analog", {})


def test_an_override_merges_roc_key_by_key_or_removes_it():
    base = {"h": 45, "roc": {"max_per_s": 0.05, "window_s": 60}}
    assert merge_override(base, {"roc": {"max_per_s": 0.1}}) == {
        "h": 45,
        "roc": {"max_per_s": 0.1, "window_s": 60},
    }
    assert merge_override(base, {"roc": None}) == {"h": 45}
    assert merge_override({"h": 45}, {"roc": {"max_per_s": 1}})["roc"] == {"max_per_s": 1}


def test_a_bad_override_names_the_station_file_and_the_field(tmp_path: Path):
    data = yaml.safe_load(DEMO_STATION.read_text(encoding="utf-8"))
    data["alarm_overrides"] = {"bms1.cell_t_max": {"roc": {"max_per_s": -0.1}}}
    path = tmp_path / "station.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_station(path)
    (issue,) = err.value.issues
    assert (Path(issue.file).name, issue.field, issue.value) == (
        "station.yaml",
        "alarm_overrides.bms1.cell_t_max.roc.max_per_s",
        -0.1,
    )


def test_a_bad_template_rule_names_the_template_file_and_the_field(tmp_path: Path):
    template = _template_with(0, {"h": 45, "roc": {"max_per_s": 1, "window": 60}})
    with pytest.raises(ConfigError) as err:
        load_station(_write(tmp_path, template))
    (issue,) = err.value.issues
    assert (Path(issue.file).name, issue.field, issue.value) == (
        "rack.yaml",
        "points[0].alarms.roc.window",
        60,
    )


def _station_with_rate(tmp_path: Path, roc: dict[str, object]):  # type: ignore[no-untyped-def]
    data = yaml.safe_load(DEMO_STATION.read_text(encoding="utf-8"))
    data["alarm_overrides"] = {"bms1.cell_t_max": {"roc": roc}}
    path = tmp_path / "station.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_station(path)


def test_the_engine_raises_point_roc_with_its_own_life_cycle(tmp_path: Path):
    station = _station_with_rate(tmp_path, {"max_per_s": 0.5, "window_s": 10, "priority": "high"})
    engine = AlarmEngine(station)
    pid = "bms1.cell_t_max"
    alarm = engine.alarm(f"{pid}.ROC")
    assert alarm.priority is Priority.HIGH
    entries = []
    for t in range(0, 12):  # 1 °C/s from 25 °C: raised at t=10, below H (45)
        entries += engine.on_points({pid: PointValue(25.0 + t, T0 + t, Quality.GOOD)})
    (raised,) = entries
    assert (raised.alarm_id, raised.state, raised.ts) == (f"{pid}.ROC", AlarmState.UNACK, T0 + 10)
    assert raised.source == "bms1" and raised.point_id == pid
    assert "rising faster than 0.5 °C/s (over 10 s): 1 °C/s" in raised.message
    assert [v.alarm_id for v in engine.active()] == [f"{pid}.ROC"]
    engine.acknowledge(f"{pid}.ROC", "op", "seen", T0 + 12)
    # the value stops changing and is not published again: the tick clears it once the
    # window has passed (the last value, held, at the tick's time)
    out = []
    for t in range(13, 25):
        out += engine.tick(T0 + t)
    (cleared,) = [e for e in out if e.alarm_id == f"{pid}.ROC"]
    assert (cleared.previous, cleared.state) == (AlarmState.ACKED, AlarmState.NORMAL)
    assert cleared.ts == T0 + 16  # (36 - 31) / 10 s = 0.5 °C/s: no longer above 0.5
