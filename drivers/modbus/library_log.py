"""Keep pymodbus's client-side chatter out of the log during an outage.

pymodbus logs a warning for every failed connect and an error for every unanswered request;
the driver already reports each outage once (and its recovery once), so these repeats would
flood the log while a device is away. Only those client-side repeats are dropped; anything
else pymodbus says (server side, protocol errors) still gets through.
"""

from __future__ import annotations

import logging

_REPEATS = (
    "Failed to connect",
    "Not connected, trying to connect",
    "No response received after",
    "ERROR: received pdu without a corresponding request",
    "Cancel send, because not connected",
    "Repeating....",
)


class _DropClientRepeats(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not message.startswith(_REPEATS)


_FILTER = _DropClientRepeats()


def quiet_client_repeats() -> None:
    """Install the filter on pymodbus's logger (idempotent)."""
    logger = logging.getLogger("pymodbus.logging")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
