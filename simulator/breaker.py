"""A circuit breaker: closed, open or tripped, operated by a command register.

Commands: 1 = close, 2 = open, 3 = reset a trip (the breaker then stays open until closed).
Closing a tripped breaker is refused, as a real one would refuse until reset.
"""

from __future__ import annotations

from simulator.errors import WriteRejected
from simulator.grid import Bus

CMD_CLOSE = 1
CMD_OPEN = 2
CMD_RESET = 3


class Breaker:
    def __init__(self, name: str, operations: int = 0) -> None:
        self.name = name
        self.closed = True
        self.tripped = False
        self.operations = operations
        self.trips = 0
        self.last_cmd = 0
        self.s_kva = 0.0

    def settings(self) -> dict[str, float]:
        return {"cmd": float(self.last_cmd)}

    def write(self, point: str, value: float) -> None:
        if point != "cmd":
            raise WriteRejected(f"{point} is not writable")
        cmd = int(value)
        if cmd != value or cmd not in (CMD_CLOSE, CMD_OPEN, CMD_RESET):
            raise WriteRejected("cmd must be 1 (close), 2 (open) or 3 (reset)")
        if cmd == CMD_CLOSE:
            if self.tripped:
                raise WriteRejected(f"{self.name} is tripped: reset (3) before closing")
            if not self.closed:
                self.closed = True
                self.operations += 1
        elif cmd == CMD_OPEN:
            if self.closed:
                self.closed = False
                self.operations += 1
        else:
            self.tripped = False
        self.last_cmd = cmd

    def trip(self) -> None:
        """Protection opened the breaker."""
        if self.closed:
            self.operations += 1
        self.closed = False
        if not self.tripped:
            self.tripped = True
            self.trips += 1

    def reading(self, bus: Bus) -> dict[str, float]:
        i_a, i_b, i_c = bus.phase_currents(self.s_kva if self.closed else 0.0)
        return {
            "closed": self.closed,
            "open": not self.closed,
            "tripped": self.tripped,
            "spring_charged": True,
            "remote": True,
            "i_a": i_a,
            "i_b": i_b,
            "i_c": i_c,
            "operations": float(self.operations),
            "trips": float(self.trips),
            **self.settings(),
        }
