"""The writer's intake: a bounded queue of point batches, safe between two threads.

``put`` never blocks (it runs on the event loop). When more than ``max_samples`` samples
wait, the *oldest* queued batches are dropped and counted: during a long storage outage the
newest data is kept, and the loss is reported, never silent. Every sample is numbered on
arrival; ``wait_handled`` lets a caller wait until everything before it is committed (or
was dropped), which is what ``HistoryWriter.flush`` is made of.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping

from app.points import PointValue

Batch = Mapping[str, PointValue]


class BatchQueue:
    def __init__(self, max_samples: int) -> None:
        self.max_samples = max_samples
        self._batches: deque[Batch] = deque()
        self._cond = threading.Condition(threading.Lock())
        self.queued = 0  # samples waiting in the queue
        self.submitted = 0  # samples ever put
        self.handled = 0  # samples committed, dropped or lost
        self.dropped = 0  # samples dropped because the queue was full
        self.lost = 0  # samples given up on (storage failing at shutdown, invalid rows)

    def put(self, batch: Batch) -> None:
        n = len(batch)
        if not n:
            return
        with self._cond:
            self._batches.append(batch)
            self.queued += n
            self.submitted += n
            dropped = 0
            while self.queued > self.max_samples and len(self._batches) > 1:
                k = len(self._batches.popleft())
                self.queued -= k
                dropped += k
            if dropped:
                self.dropped += dropped
                self.handled += dropped
                self._cond.notify_all()

    def take(self, max_samples: int) -> tuple[list[Batch], int]:
        """Whole batches from the front, up to ``max_samples`` samples (at least one batch)."""
        out: list[Batch] = []
        n = 0
        with self._cond:
            while self._batches and (not out or n + len(self._batches[0]) <= max_samples):
                batch = self._batches.popleft()
                out.append(batch)
                n += len(batch)
            self.queued -= n
        return out, n

    def done(self, committed: int = 0, lost: int = 0) -> None:
        with self._cond:
            self.handled += committed + lost
            self.lost += lost
            self._cond.notify_all()

    def drain(self) -> int:
        """Drop everything still queued (shutdown gave up); returns the samples lost."""
        with self._cond:
            n = self.queued
            self._batches.clear()
            self.queued = 0
        self.done(lost=n)
        return n

    def wait_handled(self, target: int, timeout: float | None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.handled >= target, timeout)
