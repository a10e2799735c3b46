"""Traffic counters of one connection, for the protocol monitor and diagnostics."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TrafficCounters:
    requests: int = 0
    responses: int = 0
    exceptions: int = 0  # Modbus exception responses
    timeouts: int = 0
    errors: int = 0  # every failed request, whatever the cause
    bytes_sent: int = 0
    bytes_received: int = 0
    connect_attempts: int = 0  # successful or not: an outage's retries show here
    connects: int = 0
    disconnects: int = 0
    last_rtt_ms: float | None = None

    def count_bytes(self, sending: bool, data: bytes) -> bytes:
        """pymodbus ``trace_packet`` hook: sees every frame; must return it unchanged."""
        if sending:
            self.bytes_sent += len(data)
        else:
            self.bytes_received += len(data)
        return data
