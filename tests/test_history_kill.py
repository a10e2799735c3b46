"""kill -9 while writing: the database stays intact and loses at most the last second."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.history import HistoryReader, HistoryWriter, history_path

ROOT = Path(__file__).resolve().parent.parent
POINTS = 100

# The child hands a batch of POINTS samples (ts = wall clock) to the writer every 10 ms,
# reports 'submitted <ts>' after handing one over and 'committed <n>' after each commit.
CHILD = f"""
import sys, threading, time
from app.history import HistoryWriter
from app.points import PointValue

lock = threading.Lock()
def say(line):
    with lock:
        sys.stdout.write(line + "\\n")
        sys.stdout.flush()

ids = [f"dev.p{{i:03d}}" for i in range({POINTS})]
writer = HistoryWriter(sys.argv[1], on_commit=lambda n: say(f"committed {{n}}"))
while True:
    ts = time.time()
    writer.submit({{p: PointValue(float(i), ts) for i, p in enumerate(ids)}})
    say(f"submitted {{ts!r}}")
    time.sleep(0.01)  # pacing of the simulated driver
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_sigkill_while_writing_keeps_the_database_intact_and_loses_under_a_second(tmp_path):
    db = history_path(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    commits, committed, handed_over, since_commit = 0, 0, 0.0, 0
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # events, not sleeps: wait for the child's own reports
            kind, value = line.split()
            if kind == "committed":
                commits, committed, since_commit = commits + 1, int(value), 0
                continue
            since_commit += 1
            # several flush cycles in, and late in a cycle (40 hand-overs, >= 0.4 s after
            # the last commit of a 0.5 s cycle): the worst moment to die
            if commits >= 4 and since_commit >= 40:
                handed_over = float(value)
                break
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, err
    assert handed_over, f"the child never got going: {err}"

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows, newest = conn.execute("SELECT COUNT(*), MAX(ts) FROM samples").fetchone()
        partial = conn.execute(
            "SELECT COUNT(*) FROM (SELECT ts FROM samples GROUP BY ts HAVING COUNT(*) != ?)",
            (POINTS,),
        ).fetchone()[0]
    assert rows >= committed  # nothing reported committed is missing
    assert partial == 0  # commits are whole batches
    lost_s = handed_over - newest
    assert lost_s <= 1.0, f"lost the last {lost_s:.2f} s"

    # a restart recovers the open rollup buckets and carries on
    with HistoryWriter(db) as writer:
        assert writer.flush(timeout=30)
    with HistoryReader(db) as reader:
        assert len(reader.query("dev.p001", newest - 60, newest, "raw")) == rows // POINTS
        assert reader.query("dev.p001", newest - 60, newest, "1m").value[-1] == 1.0
