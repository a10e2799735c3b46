"""run_gui: start, screenshot, clean stop; SIGINT/SIGTERM close the console cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import ui_support as support
from ui.launch import run_gui

pytestmark = pytest.mark.timeout(90)
ROOT = Path(__file__).resolve().parent.parent


class RecordingRuntime(support.FakeRuntime):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.calls: list[str] = []
        self.fail_start = False

    async def start(self) -> None:
        self.calls.append("start")
        if self.fail_start:
            raise OSError("port in use")
        self.points.update(support.plausible_values(self.clock()))

    async def stop(self) -> None:
        self.calls.append("stop")

    async def record_login(self, user: str, workstation: str) -> None:
        self.calls.append(f"login {bool(user)} {bool(workstation)}")

    async def record_logout(self, user: str, workstation: str) -> None:
        self.calls.append(f"logout {bool(user)} {bool(workstation)}")


def test_screenshot_then_clean_exit(qapp, tmp_path):
    runtime = RecordingRuntime()
    png = tmp_path / "shots" / "console.png"
    rc = run_gui(lambda: runtime, lang="zh", screenshot=png, screenshot_after_s=0.5)
    assert rc == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the operator's session is journaled: logged in once started, out before the stop
    assert runtime.calls == ["start", "login True True", "logout True True", "stop"]


def test_a_runtime_that_cannot_start_exits_non_zero(qapp):
    runtime = RecordingRuntime()
    runtime.fail_start = True
    assert run_gui(lambda: runtime) == 1
    assert runtime.calls == ["start", "stop"]


SCRIPT = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    sys.path.insert(0, {root!r})
    from tests import ui_support as support
    from ui.launch import run_gui

    class Runtime(support.FakeRuntime):
        async def start(self):
            # the window is shown right after start() returns; then the signal arrives
            asyncio.get_running_loop().call_later(1.0, os.kill, os.getpid(), {sig})

        async def stop(self):
            print("runtime stopped", flush=True)

    sys.exit(run_gui(Runtime))
    """
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_closes_the_console_cleanly(sig):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    script = SCRIPT.format(root=str(ROOT), sig=int(sig))
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "runtime stopped" in proc.stdout
