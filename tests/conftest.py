"""Suite-wide fixtures: offscreen Qt, and a check that no test leaves threads behind."""

from __future__ import annotations

import os
import sys
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """Fail a test that leaves a non-daemon thread running (a server or writer not stopped)."""
    before = set(threading.enumerate())
    yield
    leaked = [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.daemon and t is not threading.main_thread()
    ]
    for t in leaked:
        t.join(timeout=2.0)
    still = [t.name for t in leaked if t.is_alive()]
    assert not still, f"test left threads running: {still}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Close the widget tests' shared qasync loop, if they ran (tests/ui_support.py)."""
    support = sys.modules.get("tests.ui_support")
    if support is not None:
        support.close_session_loop()
