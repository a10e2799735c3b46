"""Event-loop lag: how late a periodic wake-up fires. A blocked loop shows up here first."""

from __future__ import annotations

import asyncio
import time

from app.aio import cancel_and_wait


class LoopLagMonitor:
    def __init__(self, interval_s: float = 0.25) -> None:
        self.interval_s = interval_s
        self.last_ms = 0.0
        self.max_ms = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-lag")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(self.interval_s)
            lag = max(0.0, (time.monotonic() - before - self.interval_s) * 1000.0)
            self.last_ms = lag
            self.max_ms = max(self.max_ms, lag)
