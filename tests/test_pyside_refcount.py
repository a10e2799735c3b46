"""Guard for the PySide6 pin (field notes): void Qt calls must not leak references to None.

PySide6 6.12.0 on CPython 3.11 drops one reference to None per call of a Qt method that
returns nothing, until the interpreter aborts (`none_dealloc`). When this test passes on a
newer PySide6, the `<6.12` pin in pyproject.toml can be lifted.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys

from PySide6.QtCore import QTimer

CALLS = 1_000
TOLERANCE = 10  # unrelated interpreter activity may move the count a little; a leak moves 1,000


def test_void_qt_calls_keep_none_refcount() -> None:
    timer = QTimer()
    timer.setInterval(1)  # warm-up: first-call caches are not a leak
    before = sys.getrefcount(None)
    for i in range(CALLS):
        timer.setInterval(i % 50 + 1)
    after = sys.getrefcount(None)
    assert abs(after - before) <= TOLERANCE, (
        f"None's refcount moved by {after - before} over {CALLS} void Qt calls: "
        "this PySide6 leaks references (keep the <6.12 pin)"
    )
