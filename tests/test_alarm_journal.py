"""The alarm journal: round trip, alarm storms, filters, the active list, kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.alarms.journal import AlarmJournal, journal_path
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import AlarmState, Priority, Transition

ROOT = Path(__file__).resolve().parent.parent
S = AlarmState


def _e(ts: float, alarm: str, state: AlarmState, **kw) -> JournalEntry:
    kw.setdefault("source", alarm.split(".")[0])
    kw.setdefault("priority", Priority.HIGH)
    kw.setdefault("message", f"{alarm} is {state}")
    return JournalEntry(ts=ts, alarm_id=alarm, state=state, **kw)


@pytest.fixture
def journal(tmp_path):
    with AlarmJournal(journal_path(tmp_path)) as j:
        yield j


def test_every_field_round_trips(tmp_path, journal):
    t = Transition(10.5, "pcs1.temp.HH", S.UNACK, S.ACKED, "alice", "checked the fan")
    acked = JournalEntry.of(
        t, "pcs1", Priority.CRITICAL, "PCS temperature high-high", "pcs1.t", "PCS 温度高高"
    )
    event = JournalEntry(11.0, "event.mode", "control", Priority.LOW, S.NORMAL, "auto", "event")
    assert journal.record([acked, event]) == 2
    assert journal.entries() == [acked, event]
    assert [e.text("zh") for e in journal.entries()] == ["PCS 温度高高", "auto"]
    assert journal.entries(text="温度") == [acked]  # the search finds the Chinese text too
    assert journal.path == tmp_path / "alarms.sqlite"
    with sqlite3.connect(journal.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


_OLD_SCHEMA = """
CREATE TABLE journal (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, alarm_id TEXT NOT NULL, source TEXT NOT NULL,
    point_id TEXT, priority TEXT NOT NULL, state TEXT NOT NULL, previous TEXT,
    kind TEXT NOT NULL, message TEXT NOT NULL, user TEXT, comment TEXT NOT NULL
);
CREATE INDEX journal_ts ON journal (ts);
CREATE INDEX journal_alarm ON journal (alarm_id, ts);
INSERT INTO journal (ts, alarm_id, source, point_id, priority, state, previous, kind,
    message, user, comment)
VALUES (5.0, "link.pcs1", "pcs1", NULL, "high", "unack", "normal", "alarm",
    "Communication lost: pcs1", NULL, "");
"""


def test_a_journal_from_before_the_chinese_text_is_upgraded_at_open(tmp_path):
    path = journal_path(tmp_path)
    with sqlite3.connect(path) as conn:  # written by the schema without message_zh
        conn.executescript(_OLD_SCHEMA)
    old = JournalEntry(
        5.0, "link.pcs1", "pcs1", Priority.HIGH, S.UNACK, "Communication lost: pcs1",
        previous=S.NORMAL,
    )  # fmt: skip
    new = _e(6.0, "link.pcs1", S.RTN_UNACK, message="Link up", message_zh="通信恢复")
    with AlarmJournal(path) as journal:
        assert journal.entries() == [old]  # nothing lost; no Chinese text: shown in English
        assert old.text("zh") == "Communication lost: pcs1"
        journal.record([new])
    with AlarmJournal(path) as journal:  # a second open finds the column and changes nothing
        assert journal.entries() == [old, new]
        assert journal.entries(active_only=True) == [new]


def test_a_storm_of_5000_entries_is_one_fast_transaction_and_all_read_back(journal):
    storm = [_e(1000.0 + i * 1e-3, f"dev{i % 50}.p{i}.bad", S.UNACK) for i in range(5000)]
    started = time.perf_counter()
    assert journal.record(storm) == 5000
    assert time.perf_counter() - started < 2.0  # one fsync, not 5,000
    assert journal.entries() == storm
    assert journal.record([]) == 0


def test_a_bad_entry_writes_nothing_of_its_batch(journal):
    bad = _e(2.0, "b", S.UNACK, priority="urgent")  # not a Priority: no .value
    with pytest.raises(AttributeError):
        journal.record([_e(1.0, "a", S.UNACK), bad])
    assert journal.entries() == []


def test_filters_by_time_alarm_source_and_text(journal):
    entries = [
        _e(1.0, "pcs1.temp.H", S.UNACK, message="PCS temperature high"),
        _e(2.0, "bms1.soc.L", S.UNACK, message="SOC low"),
        _e(3.0, "pcs1.temp.H", S.ACKED, user="Bob", comment="fan 100%"),
        _e(4.0, "meter1.link", S.UNACK, point_id="meter1.p_w"),
    ]
    journal.record(entries)
    assert journal.entries(since=2.0, until=3.0) == entries[1:3]
    assert journal.entries(alarm_id="pcs1.temp.H") == [entries[0], entries[2]]
    assert journal.entries(source="bms1") == [entries[1]]
    assert journal.entries(text="temperature") == [entries[0]]
    assert journal.entries(text="bob") == [entries[2]]  # user, case-insensitively
    assert journal.entries(text="100%") == [entries[2]]  # % is literal, not a wildcard
    assert journal.entries(text="0%") == [entries[2]]
    assert journal.entries(text="t_r") == []  # and _ too (as a wildcard: "ter", "tur")
    assert journal.entries(text="p_w") == [entries[3]]  # point_id
    assert journal.entries(source="pcs1", since=2.5) == [entries[2]]
    # a history view asks for the newest N of a selection, still oldest first
    assert journal.entries(limit=2) == entries[2:]
    assert journal.entries(source="pcs1", limit=1) == [entries[2]]


def test_active_only_is_the_latest_entry_of_each_listed_alarm(journal):
    journal.record(
        [
            _e(1.0, "a", S.UNACK),
            _e(2.0, "a", S.ACKED),  # a: acked, still listed
            _e(1.0, "b", S.UNACK),
            _e(3.0, "b", S.RTN_UNACK),  # b: listed until acknowledged
            _e(1.0, "c", S.UNACK),
            _e(4.0, "c", S.ACKED),
            _e(5.0, "c", S.NORMAL),  # c: cleared after ack, gone
            _e(2.0, "d", S.UNACK),
            _e(3.0, "d", S.SHELVED),  # d: shelved, its own list
            JournalEntry(3.5, "event.mode", "control", Priority.LOW, S.NORMAL, "auto", "event"),
        ]
    )
    assert [(e.alarm_id, e.state) for e in journal.entries(active_only=True)] == [
        ("a", S.ACKED),
        ("b", S.RTN_UNACK),
    ]
    # as of ts 4.5: c was still acked, d already shelved
    assert [(e.alarm_id, e.state) for e in journal.entries(active_only=True, until=4.5)] == [
        ("a", S.ACKED),
        ("b", S.RTN_UNACK),
        ("c", S.ACKED),
    ]
    # other filters apply to the latest entry, not to older ones
    assert [e.alarm_id for e in journal.entries(active_only=True, since=2.5)] == ["b"]
    assert [e.alarm_id for e in journal.entries(active_only=True, alarm_id="b")] == ["b"]


def test_safe_from_a_worker_thread_other_than_the_creator(journal):
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for i in range(20):
                journal.record([_e(float(i), f"t{k}.a{i}", S.UNACK)])
                journal.entries(alarm_id=f"t{k}.a{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(journal.entries()) == 80


# The child records batches of BATCH entries in a loop and reports 'committed <n>' once
# record() has returned for batch n: from then on batch n must survive anything.
BATCH = 200
CHILD = f"""
import sys
from app.alarms.journal import AlarmJournal
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import AlarmState, Priority

journal = AlarmJournal(sys.argv[1])
n = 0
while True:
    journal.record(
        JournalEntry(n + i / {BATCH}, f"dev{{i}}.bad", f"batch{{n}}", Priority.LOW,
                     AlarmState.UNACK, "point bad")
        for i in range({BATCH})
    )
    sys.stdout.write(f"committed {{n}}\\n")
    sys.stdout.flush()
    n += 1
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_sigkill_mid_stream_keeps_every_committed_batch_whole(tmp_path):
    db = journal_path(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    committed = -1
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the child's own reports, not sleeps
            committed = int(line.split()[1])
            if committed >= 9:  # ten batches in: the child is mid-way through the next
                break
        os.kill(proc.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, err
    assert committed >= 9, f"the child never got going: {err}"

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with AlarmJournal(db) as journal:
        sizes: dict[str, int] = {}
        for e in journal.entries():
            sizes[e.source] = sizes.get(e.source, 0) + 1
    for n in range(committed + 1):  # every reported batch, all of it
        assert sizes.get(f"batch{n}") == BATCH, n
    assert set(sizes.values()) == {BATCH}  # and a batch is never half there
