"""Errors a simulated device answers on the wire."""


class WriteRejected(ValueError):
    """A write the device refuses: answered with Modbus exception 03 (illegal data value)."""
