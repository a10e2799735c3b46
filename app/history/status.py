"""The writer's health, as the runtime, the status bar and (later) system alarms see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WriterStatus:
    healthy: bool  # False while commits fail and are being retried
    error: str | None  # the last storage error while unhealthy
    failures: int  # consecutive failed commits
    queued: int  # samples waiting to be written
    committed: int  # samples committed since start
    dropped: int  # samples dropped because the queue was full (see docs/history.md)
    lost: int  # samples given up on: invalid rows, or storage still failing at shutdown
    last_commit: float | None  # station-clock time of the last successful commit
    closed: bool = False

    def stats(self) -> dict[str, float]:
        """Flat figures for the runtime's stats."""
        return {
            "history_healthy": float(self.healthy),
            "history_queued": float(self.queued),
            "history_committed": float(self.committed),
            "history_dropped": float(self.dropped),
            "history_lost": float(self.lost),
            "history_failures": float(self.failures),
        }
