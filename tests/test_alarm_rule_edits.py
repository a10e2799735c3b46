"""Alarm-rule edits from the console: the engine swaps a point's rule, the runtime validates,
stores (a restart keeps the edit), journals and audits it, and checks the permission."""

from __future__ import annotations

import csv
import io
import json
import math
import time

import pytest

import main
from app.access import PermissionDenied
from app.alarm_service import AlarmService
from app.alarms.engine import AlarmEngine
from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.lifecycle import AlarmError
from app.alarms.rule_edits import RuleEdit, RuleEdits, resolve, rules_path
from app.alarms.rules import AnalogRule
from app.alarms.states import AlarmState
from app.config.loader import load_station
from app.drivers_api import LinkState
from app.events import EventBus
from app.history.timespec import format_utc
from app.paths import DEMO_STATION
from app.points import PointValue, Quality
from tests.station_support import wait_until
from tests.test_access import ACCESS, audit_rows, demo_plant, running

T = "bms1.cell_t_max"  # template rule: H 45 / HH 55 °C, deadband 1, on-delay 5 s, off-delay 10 s


def _states(entries):
    return [(e.alarm_id, e.previous, e.state, e.user) for e in entries]


def test_replace_rule_ends_the_old_alarms_and_evaluates_the_new_against_the_last_value():
    station = load_station(DEMO_STATION)
    engine = AlarmEngine(station)
    template = engine.rule(T)
    assert isinstance(template, AnalogRule) and (template.h, template.hh) == (45, 55)
    assert engine.on_points({T: PointValue(50.0, 100.0)}) == []  # H's 5 s on-delay runs
    assert _states(engine.tick(105.0)) == [(f"{T}.H", AlarmState.NORMAL, AlarmState.UNACK, None)]

    # H moved above the value, no delay: the old H ends with the user, the new one is clear
    higher = resolve(T, "analog", template, [{"h": 52, "on_delay_s": 0}])
    out = engine.replace_rule(T, higher, 110.0, "alice", "spec")
    assert _states(out) == [(f"{T}.H", AlarmState.UNACK, AlarmState.NORMAL, "alice")]
    assert out[0].comment == "spec" and out[0].ts == 110.0
    assert engine.rule(T) == higher
    assert engine.alarm(f"{T}.H").state is AlarmState.NORMAL
    # H below the value: raised at once from the last value (ids stay <point>.<LEVEL>)
    out = engine.replace_rule(
        T, resolve(T, "analog", template, [{"h": 40, "on_delay_s": 0}]), 111.0
    )
    assert _states(out) == [(f"{T}.H", AlarmState.NORMAL, AlarmState.UNACK, None)]
    assert "limit 40" in out[0].message and out[0].point_id == T
    assert [v.alarm_id for v in engine.active()] == [f"{T}.H"]

    # a shelved alarm's shelve ends with its rule
    engine.shelve(f"{T}.H", "bob", "noisy", 600, 112.0)
    out = engine.replace_rule(T, None, 113.0, "alice", "no alarms here")
    assert _states(out) == [(f"{T}.H", AlarmState.SHELVED, AlarmState.NORMAL, "alice")]
    assert engine.rule(T) is None and engine.shelved() == []
    with pytest.raises(AlarmError, match="unknown alarm"):
        engine.alarm(f"{T}.H")
    assert engine.tick(1000.0) == []  # nothing of the old alarms lingers
    with pytest.raises(AlarmError, match=r"unknown point 'nope\.x'"):
        engine.replace_rule("nope.x", None, 114.0)


def test_a_new_rule_on_a_device_whose_link_is_down_is_suppressed_like_the_rest():
    engine = AlarmEngine(load_station(DEMO_STATION))
    engine.on_points({T: PointValue(50.0, 100.0)})
    engine.on_link(LinkState("bms1", False, "timeout", 101.0))
    rule = resolve(T, "analog", engine.rule(T), [{"h": 40, "on_delay_s": 0}])
    assert engine.replace_rule(T, rule, 102.0, "alice", "r") == []  # normal -> normal: silent
    assert engine.alarm(f"{T}.H").state is AlarmState.SUPPRESSED
    out = engine.on_link(LinkState("bms1", True, "", 103.0))
    assert (f"{T}.H", AlarmState.SUPPRESSED, AlarmState.UNACK, None) in _states(out)


def test_resolve_lays_changes_over_the_rule_and_names_bad_fields():
    base = load_station(DEMO_STATION).points[T].alarms
    assert resolve(T, "analog", base, []) is base
    rule = resolve(T, "analog", base, [{"h": 48}, {"hh": None}])  # edits add up, in order
    assert isinstance(rule, AnalogRule)
    assert (rule.h, rule.hh, rule.deadband, rule.priority) == (48, None, 1, {"h": "medium"})
    cases = [
        ({"h": "hot"}, "alarm rule of bms1.cell_t_max: h: ", "'hot'"),
        ({"h": 60}, "alarm rule of bms1.cell_t_max: h: ", "h=60 is not below hh=55"),
        ({"hi": 50}, "alarm rule of bms1.cell_t_max: hi: unknown key", "50"),
        ({"priority": "urgent"}, "priority: ", "unknown priority 'urgent'"),
        ({"deadband": -1}, "deadband", "-1"),
        ({"h": math.nan}, "h", "nan"),
    ]
    for changes, where, what in cases:
        with pytest.raises(ValueError) as info:
            resolve(T, "analog", base, [changes])
        assert where in str(info.value) and what in str(info.value), str(info.value)
    with pytest.raises(ValueError, match=r"alarm rule of pcs1\.p_set: a setpoint point carries no"):
        resolve("pcs1.p_set", "setpoint", None, [{"h": 1}])
    with pytest.raises(ValueError, match="expected a mapping"):
        resolve(T, "analog", base, [["h", 1]])  # type: ignore[list-item]


def test_the_store_keeps_every_edit_and_the_ones_in_force_after_a_reset(tmp_path):
    with RuleEdits(rules_path(tmp_path)) as store:
        store.record(RuleEdit(1.0, T, {"h": 40}, "alice", "a"))
        store.record(RuleEdit(2.0, "bms1.soc", {"l": 15}, "alice", "b"))
        store.record(RuleEdit(3.0, T, None, "alice", "reset"))
        store.record(RuleEdit(4.0, T, {"hh": None}, "bob", "c"))
        store.record(RuleEdit(5.0, T, {"h": 50, "priority": "low"}, "bob", "d"))
    with RuleEdits(rules_path(tmp_path)) as store:  # reopened: durable
        assert store.current() == {
            "bms1.soc": [{"l": 15}],
            T: [{"hh": None}, {"h": 50, "priority": "low"}],
        }
        assert [e.reason for e in store.history(T)] == ["a", "reset", "c", "d"]
        assert store.history()[2] == RuleEdit(3.0, T, None, "alice", "reset")


async def test_console_edits_change_alarms_persist_and_are_audited_and_journaled(tmp_path):
    data = tmp_path / "data"
    async with demo_plant(tmp_path, {"access": ACCESS}) as (path, port, _sim):
        async with running(path, data, port) as runtime:
            alarms = runtime.alarms
            assert alarms is not None
            await wait_until(runtime, lambda: runtime.points.get(T) is not None, 15)
            pv = runtime.points.get(T)
            assert pv is not None and pv.quality is Quality.GOOD
            value = float(pv.value or 0.0)  # about 25 °C in the idle demo plant
            assert runtime.alarm_rule(T) == load_station(path).points[T].alarms.model_dump(
                mode="json", exclude_unset=True
            )
            assert f"{T}.H" not in {v.alarm_id for v in runtime.alarms_active()}  # old H 45

            # bad edits name the field and the value and change nothing
            for changes, text in [
                ({"h": "hot"}, "h: .*'hot'"),
                ({"h": 60}, "h=60 is not below hh=55"),
                ({"hx": 1}, "hx: unknown key"),
            ]:
                with pytest.raises(ValueError, match=text):
                    await runtime.set_alarm_rule(T, changes, "alice", "typo")
            with pytest.raises(ValueError, match="no such point"):
                await runtime.set_alarm_rule("bms1.nope", {"h": 1}, "alice", "typo")
            with pytest.raises(ValueError, match="needs a user and a reason"):
                await runtime.set_alarm_rule(T, {"h": 30}, "alice", "")
            # an operator may not edit rules: denied, nothing changes
            with pytest.raises(PermissionDenied, match="'bob' lacks the 'edit_alarms'"):
                await runtime.set_alarm_rule(T, {"h": value - 5}, "bob", "too hot")
            assert runtime.alarm_rule(T)["h"] == 45  # type: ignore[index]

            # H below the present value: the new H is raised at once, from the last value
            h = round(value - 5, 1)
            new = await runtime.set_alarm_rule(T, {"h": h, "on_delay_s": 0}, "alice", "derate")
            assert new is not None and (new["h"], new["on_delay_s"], new["hh"]) == (h, 0, 55)
            assert runtime.alarm_rule(T) == new
            assert alarms.engine.alarm(f"{T}.H").state is AlarmState.UNACK
            # a second edit adds up: the lower H stays
            await runtime.set_alarm_rule(T, {"hh": None}, "alice", "no trip alarm here")
            assert runtime.alarm_rule(T)["h"] == h  # type: ignore[index]
            assert "hh" not in runtime.alarm_rule(T)  # type: ignore[operator]
            with pytest.raises(AlarmError, match="unknown alarm"):
                alarms.engine.alarm(f"{T}.HH")
            await alarms.flush()

        # a restart keeps the edits, and the lowered H is raised again from the first value
        async with running(path, data, port) as runtime:
            edited = runtime.alarm_rule(T)
            assert edited is not None and (edited["h"], edited["priority"]) == (h, {"h": "medium"})
            assert "hh" not in edited
            alarms = runtime.alarms
            assert alarms is not None
            await wait_until(
                runtime, lambda: alarms.engine.alarm(f"{T}.H").state is AlarmState.UNACK, 15
            )
            # None: back to the template's rule; the lowered H ends with the user
            back = await runtime.set_alarm_rule(T, None, "alice", "test over")
            assert back is not None and (back["h"], back["hh"]) == (45, 55)
            assert alarms.engine.alarm(f"{T}.H").state is AlarmState.NORMAL
            await alarms.flush()

        async with running(path, data, port) as runtime:
            assert runtime.alarm_rule(T) == back  # the reset is kept too

    with AlarmJournal(journal_path(data)) as journal:
        events = journal.entries(alarm_id="event.alarm_rule")
        h_entries = journal.entries(alarm_id=f"{T}.H")
    assert [(e.kind, e.user, e.comment, e.point_id, e.source) for e in events] == [
        ("event", "alice", "derate", T, "bms1"),
        ("event", "alice", "no trip alarm here", T, "bms1"),
        ("event", "alice", "test over", T, "bms1"),
    ]
    assert f'"h": {h}' in events[0].message and '"h": 45' in events[0].message
    assert [(e.previous, e.state, e.user) for e in h_entries] == [
        (AlarmState.NORMAL, AlarmState.UNACK, None),  # the first edit raised it
        (AlarmState.UNACK, AlarmState.NORMAL, "alice"),  # the second edit ended the old H
        (AlarmState.NORMAL, AlarmState.UNACK, None),  # ... and its new H rose at once
        (AlarmState.NORMAL, AlarmState.UNACK, None),  # the restart raised it from a value
        (AlarmState.UNACK, AlarmState.NORMAL, "alice"),  # back to the template's H 45
    ]
    assert h_entries[1].comment == "rule edited: no trip alarm here"

    rows = [r for r in audit_rows(data) if r[1] == "alarm_rule"]
    assert [(r[0], r[1], r[2], r[5]) for r in rows] == [
        ("bob", "alarm_rule", T, "denied: needs edit_alarms"),
        ("alice", "alarm_rule", T, "ok"),
        ("alice", "alarm_rule", T, "ok"),
        ("alice", "alarm_rule", T, "ok"),
    ]
    old, new_text = rows[1][3], rows[1][4]
    assert old is not None and json.loads(old)["h"] == 45
    assert new_text is not None and json.loads(new_text)["h"] == h
    with RuleEdits(rules_path(data)) as store:
        history = store.history(T)
        assert store.current() == {}  # the last edit went back to the station's rule
    assert [(e.changes, e.user, e.reason) for e in history] == [
        ({"h": h, "on_delay_s": 0}, "alice", "derate"),
        ({"hh": None}, "alice", "no trip alarm here"),
        (None, "alice", "test over"),
    ]


def test_the_command_line_lists_the_rule_edits(tmp_path, capsys):
    assert main.main(["alarms", "--data", str(tmp_path), "--rules"]) == 2
    assert "no alarm-rule edits there" in capsys.readouterr().err
    now = time.time()
    with RuleEdits(rules_path(tmp_path)) as store:
        store.record(RuleEdit(now - 7200, T, {"h": 40}, "alice", "derate"))
        store.record(RuleEdit(now - 60, T, None, "alice", "test over"))
    capsys.readouterr()
    assert main.main(["alarms", "--data", str(tmp_path), "--rules", "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        ["time", "point_id", "changes", "user", "reason"],
        [format_utc(now - 7200), T, '{"h": 40}', "alice", "derate"],
        [format_utc(now - 60), T, "(back to the station's rule)", "alice", "test over"],
    ]
    assert main.main(["alarms", "--data", str(tmp_path), "--rules", "--since", "1h"]) == 0
    out = capsys.readouterr().out
    assert "test over" in out and "derate" not in out
    assert main.main(["alarms", "--data", str(tmp_path), "--rules", "--kpi"]) == 2
    assert "--rules" in capsys.readouterr().err


async def test_stored_edits_that_no_longer_fit_the_station_are_skipped_visibly(tmp_path):
    with RuleEdits(rules_path(tmp_path)) as store:
        store.record(RuleEdit(1.0, T, {"h": 60}, "alice", "fit once, above HH 55 now"))
        store.record(RuleEdit(2.0, "bms9.gone", {"h": 1}, "alice", "device removed since"))
        store.record(RuleEdit(3.0, "bms1.soc", {"l": 15}, "alice", "still fine"))
    station = load_station(DEMO_STATION)
    service = AlarmService(station, tmp_path, EventBus(), lambda: 500.0)
    await service.start()
    try:
        assert service.rule(T) == station.points[T].alarms.model_dump(
            mode="json", exclude_unset=True
        )
        assert service.rule("bms1.soc")["l"] == 15  # type: ignore[index]
        await service.flush()
    finally:
        await service.stop()
    with AlarmJournal(journal_path(tmp_path)) as journal:
        skipped = journal.entries(alarm_id="event.alarm_rule")
    assert [(e.ts, e.point_id, e.priority, e.kind) for e in skipped] == [  # by point id
        (500.0, T, "medium", "event"),
        (500.0, "bms9.gone", "medium", "event"),
    ]
    assert "h=60 is not below hh=55" in skipped[0].message
    assert "the station has no such point" in skipped[1].message
