"""Tuning for a running station (app/tune/service.py, Runtime.propose_tuning/apply_tuning):
too little history is refused in words, enough gives a section, its diff and the figures,
computed off the event loop; applying needs a reason and the control permission and stores
an audited version that the running loop runs."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import threading
import time
import zoneinfo
from pathlib import Path

import pytest

from app.access import PermissionDenied
from app.backtest.control import control_section
from app.config.loader import load_station
from app.control_versions.store import VersionStore, versions_path
from app.paths import DEMO_STATION
from app.points import Quality
from app.tune.service import TuneProposal, TuneRefusal, propose, recorded_span
from simulator.profiles import profile_series
from tests.control_support import CONTROL, controlled_station
from tests.test_history_support import FakeClock, open_writer, spec, submit_series

pytestmark = pytest.mark.timeout(90)

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 7, 1, tzinfo=ZONE).timestamp()  # a local midnight


@pytest.fixture(scope="module")
def station():
    return load_station(DEMO_STATION)


def write_history(folder: Path, station, start: float, days: float, skip=None) -> None:
    """site.load_p / site.pv_p every 15 min from ``start`` (``skip(ts)``: leave it out)."""
    load, pv = profile_series(station, "office_holidays", "clouds", start, days, 900, seed=1)
    rows = {
        pid: [
            (float(t), float(v), Quality.GOOD)
            for t, v in zip(s.ts, s.kw, strict=True)
            if skip is None or not skip(float(t))
        ]
        for pid, s in (("site.load_p", load), ("site.pv_p", pv))
    }
    clock = FakeClock(max(start + days * 86400 + 3600, time.time()))  # every bucket closed
    with open_writer(folder, [spec("site.load_p"), spec("site.pv_p")], clock) as writer:
        submit_series(writer, rows)


async def test_an_empty_data_folder_is_refused_in_words(station, tmp_path):
    outcome = await propose(station, tmp_path, control_section(station), "v1")
    assert isinstance(outcome, TuneRefusal) and outcome.reason == "no_history"
    assert "No recorded history of site.load_p" in outcome.message
    assert "at least 7 days" in outcome.message


async def test_minutes_of_history_are_refused_with_how_much_there_is(station, tmp_path):
    # what the demo's data folder usually holds: half an hour of the station running
    write_history(tmp_path, station, T0 + 10 * 3600, 0.5 / 24)
    outcome = await propose(station, tmp_path, control_section(station), "v1")
    assert isinstance(outcome, TuneRefusal) and outcome.reason == "short_history"
    assert outcome.have_days < 1 / 24 and outcome.need_days == 7 and outcome.gap_ts is None
    assert outcome.message.startswith("The data folder holds 30 minutes of history (")
    assert "needs at least 7 whole days without a gap" in outcome.message


async def test_a_gap_cuts_the_window_and_is_named(station, tmp_path):
    gap = T0 + 1.5 * 86400
    write_history(tmp_path, station, T0, 3.2, skip=lambda t: gap <= t < gap + 3600)
    span = recorded_span(station, tmp_path, 28)
    assert span is not None and span.days == 1 and span.gap_ts == gap
    outcome = await propose(station, tmp_path, control_section(station), "v1", min_days=2)
    assert isinstance(outcome, TuneRefusal) and outcome.gap_ts == gap
    assert "gap at 2026-07-02T04:00:00Z" in outcome.message


async def test_enough_history_gives_a_section_a_diff_and_figures_off_the_loop(station, tmp_path):
    write_history(tmp_path, station, T0, 3.1)
    loop_thread = threading.get_ident()
    seen: list[tuple[int, int]] = []
    ticks = 0

    async def ticker() -> None:  # the event loop keeps turning while the tuner works
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    tick = asyncio.create_task(ticker())
    started = time.monotonic()
    outcome = await propose(
        station,
        tmp_path,
        control_section(station),
        "v1",
        min_days=2,
        step_s=900,
        progress=lambda n: seen.append((n, threading.get_ident())),
    )
    elapsed = time.monotonic() - started
    tick.cancel()
    assert isinstance(outcome, TuneProposal)
    # the gap-free whole days before the last recorded day's midnight: July 1-3
    assert (outcome.start_ts, outcome.end_ts, outcome.days) == (T0, T0 + 3 * 86400, 3.0)
    kinds = [s["kind"] for s in outcome.section["strategies"]]
    assert {"demand_control", "peak_valley_tou", "soc_management", "export_limit"} <= set(kinds)
    assert outcome.changed and outcome.diff.startswith("--- v1\n+++ proposed\n")
    assert "limit_kw" in outcome.diff and "&id" not in outcome.diff  # no YAML anchors
    assert outcome.evaluations >= 5 and outcome.bill_current is not None
    assert 0 < outcome.bill_proposed <= outcome.bill_without + 0.01
    assert outcome.currency == "CNY"
    # progress arrived on the loop's thread, once per backtest, in order
    assert [n for n, _ in seen] == list(range(1, len(seen) + 1)) and len(seen) >= 5
    assert {thread for _, thread in seen} == {loop_thread}
    assert ticks >= 0.5 * elapsed / 0.05  # never blocked for long


async def test_cancelling_stops_the_worker_after_the_backtest_in_progress(station, tmp_path):
    write_history(tmp_path, station, T0, 3.1)
    seen: list[int] = []
    task = asyncio.create_task(
        propose(station, tmp_path, {}, "v1", min_days=2, step_s=900, progress=seen.append)
    )
    while not seen:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    deadline = time.monotonic() + 10
    while any(t.name.startswith("tune") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the tuner's thread did not stop"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)
    assert len(seen) <= 2  # nothing reported after the cancel


def _audit(runtime, action: str) -> list[tuple]:
    return [
        (e.actor, e.old, e.new, e.reason, e.result)
        for e in runtime.audit.entries()
        if e.action == action
    ]


async def test_the_runtime_proposes_and_applies_only_with_a_reason_and_permission(
    station, tmp_path
):
    # three recorded days and today so far, up to now: the runtime runs on the wall clock
    now = time.time()
    today = dt.datetime.fromtimestamp(now, ZONE).replace(hour=0, minute=0, second=0)
    start = today.timestamp() - 3 * 86400
    write_history(tmp_path, station, start, (now - start) / 86400)
    async with controlled_station(tmp_path, "none", sim_start="12:00") as (runtime, _sim):
        runtime.tune_min_days, runtime.tune_step_s = 2, 900
        seen: list[int] = []
        outcome = await runtime.propose_tuning(progress=seen.append)
        assert isinstance(outcome, TuneProposal), outcome
        assert outcome.current_label == "v1" and outcome.diff.startswith("--- v1\n")
        assert outcome.days == 3 and outcome.end_ts == pytest.approx(today.timestamp())
        assert seen and runtime.versions.running.label == "v1"  # a proposal changes nothing

        window = (outcome.start_ts, outcome.end_ts)
        for blank in ("", "   "):
            with pytest.raises(ValueError, match="needs a reason"):
                await runtime.apply_tuning(outcome.section, "eng1", blank, window)
        real = runtime.permissions
        runtime.permissions = lambda user: frozenset({"acknowledge"})  # no "control"
        with pytest.raises(PermissionDenied, match="'control'"):
            await runtime.apply_tuning(outcome.section, "vera", "retune", window)
        runtime.permissions = real
        assert runtime.versions.running.label == "v1"
        assert _audit(runtime, "tune") == [("vera", None, None, "", "denied: needs control")]

        applied = await runtime.apply_tuning(outcome.section, "eng1", " winter retune ", window)
        assert applied.version.label == "v2" and applied.version.actor == "eng1"
        assert runtime.versions.running.label == "v2"
        assert runtime.control.version_label == "v2"  # the running loop runs it
        demand = next(s for s in runtime.control.config.strategies if s.name == "demand_control")
        tuned = next(s for s in outcome.section["strategies"] if s["kind"] == "demand_control")
        assert demand.params.limit_kw == tuned["params"]["limit_kw"]
        reason = applied.version.reason
        assert reason.startswith("winter retune (tuned on ") and reason.endswith("Z)")
        assert _audit(runtime, "tune")[-1] == ("eng1", "v1", "v2", reason, "ok")
        assert ("eng1", "v1", "v2", reason, "ok") in _audit(runtime, "control_config")
    store = VersionStore(versions_path(tmp_path))
    try:
        versions = store.all()
    finally:
        store.close()
    assert [(v.label, v.source) for v in versions] == [("v1", "file"), ("v2", "operator")]
    assert versions[0].section == CONTROL and versions[1].section == outcome.section


async def test_a_section_that_does_not_validate_changes_nothing(tmp_path):
    async with controlled_station(tmp_path, "none", sim_start="12:00") as (runtime, _sim):
        bad = copy.deepcopy(CONTROL)
        bad["strategies"][0]["params"]["limit_kw"] = -5
        with pytest.raises(Exception, match="limit_kw"):
            await runtime.apply_tuning(bad, "eng1", "retune")
        assert runtime.versions.running.label == "v1"
        assert _audit(runtime, "tune") == []
