"""Start the console: QApplication + qasync loop, runtime start, main window, clean stop.

The asyncio loop *is* the Qt event loop (qasync), so the runtime's drivers, history reader
and the widgets share one thread and nothing in the GUI waits on I/O. Closing the window,
Ctrl+C or SIGTERM all take the same path: close the window, await ``runtime.stop()``, exit.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui.confirm_dialog import current_user
from ui.main_window import MainWindow
from ui.tasks import TaskGroup
from ui.theme import apply_theme

log = logging.getLogger(__name__)


def run_gui(
    make_runtime: Callable[[], Any],
    lang: str = "en",
    screenshot: Path | None = None,
    screenshot_after_s: float = 6.0,
    screenshot_tab: int = 0,
) -> int:
    """Run the console until its window closes; returns the process exit code.

    ``make_runtime()`` returns an object with ``async start()`` / ``async stop()`` and the
    runtime facade. With ``screenshot`` the window is saved to that PNG after
    ``screenshot_after_s`` seconds and the program exits (0 when the file was written).
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("EMS Console")
    app.setQuitOnLastWindowClosed(False)  # the coroutine below decides when we are done
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(
            _console(make_runtime, lang, screenshot, screenshot_after_s, screenshot_tab)
        )
    finally:
        loop.close()
        asyncio.set_event_loop(None)


async def _console(
    make_runtime: Callable[[], Any],
    lang: str,
    screenshot: Path | None,
    screenshot_after_s: float,
    screenshot_tab: int = 0,
) -> int:
    runtime = make_runtime()
    try:
        await runtime.start()
    except Exception:
        log.exception("the station could not be started")
        await _stop(runtime)
        return 1

    user, workstation = current_user(), socket.gethostname()
    await _session(runtime.record_login, user, workstation)
    window = MainWindow(runtime, lang)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    restore = _close_on_signals(window)
    tasks = TaskGroup("launch")
    result = {"rc": 0}
    if screenshot is not None:
        tasks.spawn(_screenshot(window, screenshot, screenshot_after_s, result, screenshot_tab))
    window.show()
    try:
        await closed.wait()
    finally:
        restore()
        tasks.cancel_all()
        await _session(runtime.record_logout, user, workstation)
        if not await _stop(runtime):
            result["rc"] = 1
    return result["rc"]


async def _session(record: Callable[[str, str], Awaitable[None]], user: str, host: str) -> None:
    """Journal the console's login or logout; a failure is logged, never fatal."""
    try:
        await record(user, host)
    except Exception:
        log.exception("the console session could not be journaled")


async def _stop(runtime: Any) -> bool:
    try:
        await runtime.stop()
    except Exception:
        log.exception("the station did not stop cleanly")
        return False
    return True


async def _screenshot(
    window: MainWindow, path: Path, after_s: float, result: dict, tab: int = 0
) -> None:
    await asyncio.sleep(after_s)
    window.tabs.setCurrentIndex(tab)
    await asyncio.sleep(0.3)  # let the tab lay out and paint
    path.parent.mkdir(parents=True, exist_ok=True)
    if window.grab().save(str(path)):
        log.info("screenshot saved to %s", path)
    else:
        log.error("screenshot could not be written to %s", path)
        result["rc"] = 1
    window.close()


def _close_on_signals(window: MainWindow) -> Callable[[], None]:
    """SIGINT/SIGTERM close the window (the normal shutdown path); returns an undo."""
    loop = asyncio.get_running_loop()
    wanted = [signal.SIGINT, signal.SIGTERM]
    try:
        for sig in wanted:
            loop.add_signal_handler(sig, window.close)
    except (NotImplementedError, RuntimeError):
        # Windows: no loop signal handlers. Python runs signal handlers only between
        # bytecodes, so a timer gives it a moment every 200 ms while Qt sits in C++.
        previous = {
            sig: signal.signal(sig, lambda *_: loop.call_soon_threadsafe(window.close))
            for sig in wanted
        }
        ticker = QTimer(window)
        ticker.timeout.connect(lambda: None)
        ticker.start(200)

        def restore_plain() -> None:
            ticker.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore_plain

    def restore() -> None:
        for sig in wanted:
            loop.remove_signal_handler(sig)

    return restore
