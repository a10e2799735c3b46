"""What went wrong with a request, in words an engineer can act on, and what it does to quality.

Modbus exception codes become plain-text diagnostics. 04, 0A and 0B say the device (or the
gateway in front of it) cannot serve us, so its points are bad; 01-03 say our register map
does not match the device, so only the points of that request are bad (config); 05/06 are
the device asking for patience, so the values become uncertain (stale), not bad.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.points import Quality

EXCEPTION_TEXT: dict[int, str] = {
    0x01: "illegal function",
    0x02: "illegal data address",
    0x03: "illegal data value",
    0x04: "device failure",
    0x05: "acknowledge (request still being processed)",
    0x06: "device busy",
    0x08: "memory parity error",
    0x0A: "gateway path unavailable",
    0x0B: "gateway target failed to respond",
}

_CONFIG_CODES = {0x01, 0x02, 0x03}
_BUSY_CODES = {0x05, 0x06}


def describe_exception(code: int) -> str:
    """``exception 02: illegal data address``."""
    return f"exception {code:02X}: {EXCEPTION_TEXT.get(code, 'unknown exception code')}"


@dataclass(frozen=True)
class Failure:
    """A request that brought no usable data."""

    quality: Quality
    detail: str
    # True when the device as a whole is not answering usefully (its link state goes down)
    device_level: bool


def exception_failure(code: int) -> Failure:
    text = describe_exception(code)
    if code in _CONFIG_CODES:
        return Failure(Quality.BAD_CONFIG, text, device_level=False)
    if code in _BUSY_CODES:
        return Failure(Quality.UNCERTAIN_STALE, text, device_level=False)
    return Failure(Quality.BAD_DEVICE_EXCEPTION, text, device_level=True)


def timeout_failure(timeout_s: float) -> Failure:
    return Failure(
        Quality.BAD_TIMEOUT, f"no response within {timeout_s * 1000:.0f} ms", device_level=True
    )


def comm_failure(detail: str) -> Failure:
    return Failure(Quality.BAD_COMM_LOST, detail, device_level=True)


def garbage_failure(detail: str) -> Failure:
    return Failure(Quality.BAD_INVALID, f"bad response: {detail}", device_level=True)


class RequestFailed(Exception):
    """A request failed; ``failure`` says how, for quality and diagnostics."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


class ModbusWriteError(Exception):
    """A write that was not applied: the message says which point and why."""

    def __init__(self, point_id: str, detail: str) -> None:
        super().__init__(f"write to {point_id} failed: {detail}")
        self.point_id = point_id
        self.detail = detail
