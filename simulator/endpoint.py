"""One simulated device on the wire: its register image, its plant role and its faults.

pymodbus calls ``action`` for every request that reaches the device. A read refreshes the
requested table from the plant's current snapshot (plus the live setpoints, so a write reads
back at once); a write of setpoints is decoded, checked against the template's limits and
applied to the plant, or refused with exception 03.
"""

from __future__ import annotations

import logging
import math
from typing import Literal, get_args

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.simulator import DataType, SimData, SimDevice

from simulator.config import ServedDevice
from simulator.errors import WriteRejected
from simulator.plant import Plant
from simulator.registers import RegisterImage

log = logging.getLogger(__name__)

Fault = Literal["silent", "exception", "garbage"]
FAULTS: tuple[str, ...] = get_args(Fault)

# function code -> the table it addresses (fc 22 mask-write and 23 read/write included)
TABLE_OF_FC = {3: "holding", 6: "holding", 16: "holding", 22: "holding", 23: "holding", 4: "input"}
# pymodbus wants all four tables when they are kept apart; unused bit tables get a stub
_UNUSED_BITS = 65520


def _unused_bit_table() -> list[SimData]:
    return [SimData(_UNUSED_BITS, values=[False] * 16, datatype=DataType.BITS, readonly=True)]


def _undefined_register_table() -> list[SimData]:
    return [SimData(65534, datatype=DataType.INVALID)]


class DeviceEndpoint:
    def __init__(self, device: ServedDevice, plant: Plant, max_age_s: float) -> None:
        self.device = device
        self.plant = plant
        self.max_age_s = max_age_s
        self.image = RegisterImage(device.points)
        self.fault: Fault | None = None

    def sim_device(self) -> SimDevice:
        """A fresh pymodbus device (one per server start: its registers live in the server)."""
        holding = self.image.simdata("holding") or _undefined_register_table()
        inputs = self.image.simdata("input") or _undefined_register_table()
        return SimDevice(
            id=self.device.unit_id,
            simdata=(_unused_bit_table(), _unused_bit_table(), holding, inputs),
            action=self.action,
        )

    def values(self) -> dict[str, float]:
        role = self.device.role
        snapshot = self.plant.refresh(self.max_age_s)
        return {**snapshot.readings[role], **self.plant.settings(role)}

    def current_fault(self) -> Fault | None:
        """The injected fault, else the scenario's (e.g. comm_fault's silent window)."""
        if self.fault is not None:
            return self.fault
        plant = self.plant
        if plant.scenario.silent(self.device.id, plant.clock.now() - plant.t0):
            return "silent"
        return None

    async def action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        fault = self.current_fault()
        if fault == "silent":
            # with ignore_missing_devices the server then sends nothing: the client times out
            raise NoSuchIdException(f"unit {self.device.unit_id} is silent (fault injection)")
        if fault == "exception":
            return ExcCodes.DEVICE_FAILURE
        table = TABLE_OF_FC.get(function_code)
        if table is None:
            return None
        if set_values is not None and table == "holding":
            return self._write(registers, start_address, address, [int(v) for v in set_values])
        self.image.fill(table, registers, start_address, self.values(), garbage=fault == "garbage")
        return None

    def _write(
        self, registers: list[int], start_address: int, address: int, new_values: list[int]
    ) -> ExcCodes | None:
        writes = self.image.decode_write(registers, start_address, address, new_values)
        for point, value in writes:
            lim = point.limits
            if (
                not math.isfinite(value)
                or (lim and lim.min is not None and value < lim.min)
                or (lim and lim.max is not None and value > lim.max)
            ):
                log.info("%s.%s: refused %s (limits)", self.device.id, point.id, value)
                return ExcCodes.ILLEGAL_VALUE
        try:
            for point, value in writes:
                self.plant.write(self.device.role, point.id, value)
        except WriteRejected as exc:
            log.info("%s: refused write: %s", self.device.id, exc)
            return ExcCodes.ILLEGAL_VALUE
        return None
