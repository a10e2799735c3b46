"""Where a plan is computed: inline (the backtest, tests) or on a worker thread (run time).

A HiGHS solve plus the forecasts takes some 20-60 ms; the control cycle runs on the asyncio
event loop, which must not stall for that long. The MPC strategy hands its planning job to a
``PlanExecutor`` and uses the latest *finished* plan, never waiting:

- ``InlineExecutor`` runs the job in ``submit`` and returns a finished future, so a
  simulated-time caller (the backtest) gets the plan in the same cycle, deterministically;
- ``ThreadExecutor`` runs it on one worker thread (``concurrent.futures``), so the cycle that
  starts a re-plan returns at once and a later cycle picks the plan up.

A caller that is not told which to use can ask ``on_event_loop()``: a thread when called on a
running asyncio event loop (the runtime's control loop), inline otherwise. The job must be a
pure function of copied inputs (it may run on another thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol, TypeVar

T = TypeVar("T")


class PlanExecutor(Protocol):
    def submit(self, fn: Callable[[], T]) -> Future[T]: ...


class InlineExecutor:
    """Runs the job at once, in the caller's thread (deterministic, for simulated time)."""

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn())
        except BaseException as exc:  # the caller reads it from the future, as with a thread
            future.set_exception(exc)
        return future


class ThreadExecutor:
    """Runs jobs one at a time on a worker thread, created on first use."""

    def __init__(self, name: str = "mpc-plan") -> None:
        self._name = name
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        return self._pool.submit(fn)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


INLINE = InlineExecutor()


def on_event_loop() -> bool:
    """True when called from a coroutine or callback of a running asyncio event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
