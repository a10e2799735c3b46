"""Background coroutines started by widgets, kept alive and cancelled with their owner.

Under qasync the asyncio loop is the GUI thread's loop: a widget may start a coroutine (a
history query, which itself runs on a worker thread) and return at once. Tasks are held
here so they are not garbage-collected mid-flight, failures are logged rather than lost,
and ``cancel_all`` ends them when the widget closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class TaskGroup:
    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
        """Run ``coro`` on the running loop; without one (a bare widget test) skip it."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.debug("%s: no running event loop, %s skipped", self._name, coro.__qualname__)
            coro.close()
            return None
        task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("%s: background task failed", self._name, exc_info=exc)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()

    def __len__(self) -> int:
        return len(self._tasks)
