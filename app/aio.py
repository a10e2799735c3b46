"""Small asyncio helpers shared by the core and the drivers."""

from __future__ import annotations

import asyncio
import contextlib


def reraise_pending_cancel() -> None:
    """Raise CancelledError if this task was asked to stop but the request got lost.

    On Python 3.11 ``asyncio.wait_for`` (and libraries built on it, pymodbus's connect among
    them) swallows a cancel that lands just as the awaited work completes (fixed in 3.12). A
    loop that must stop when its task is cancelled calls this after such awaits.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has really ended (None is a no-op)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
