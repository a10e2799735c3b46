"""Run the core without a screen: until a duration passes or SIGINT/SIGTERM arrives."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Startable(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def run_until_stopped(
    parts: list[Startable],
    duration_s: float | None = None,
    on_started: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Start ``parts`` in order, wait for the duration or a signal, stop them in reverse."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows lacks these
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    started: list[Startable] = []
    try:
        for part in parts:
            await part.start()
            started.append(part)
        if on_started is not None:
            await on_started()
        if duration_s is None:
            await stop.wait()
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), duration_s)
        log.info("stopping")
    finally:
        for part in reversed(started):
            try:
                await part.stop()
            except Exception:
                log.exception("%r did not stop cleanly", part)
        for sig in installed:
            loop.remove_signal_handler(sig)
