"""Poll one device on its own period: read its blocks, decode, publish, report its state.

Good values are published every poll; a non-good value only when its quality changes, so an
outage writes one bad sample per point to history rather than one per poll. A failure keeps
the point's last value with the new quality (the operator still sees what it was).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from pymodbus.client.base import ModbusBaseClient
from pymodbus.pdu import ModbusPDU

from app.aio import reraise_pending_cancel
from app.drivers_api import DriverSink, LinkState, sink_clock
from app.model import Device
from app.points import PointValue, Quality
from drivers.modbus.address import ModbusAddress
from drivers.modbus.block_decoder import BlockDecoder
from drivers.modbus.diagnostics import Failure, RequestFailed
from drivers.modbus.link import ModbusLink, Send
from drivers.modbus.planner import Block, plan_blocks

log = logging.getLogger(__name__)

# A device's recovery is logged after this many good polls in a row, so a device that
# flaps between answering and not logs its outage once, not once per flap.
GOOD_POLLS_TO_RECOVER = 3
# A device that does not answer holds the shared line for its whole timeout at every poll, and
# the other devices on the connection wait meanwhile (their read-backs time out, their values
# age). Its polls back off: the period doubles with each silent poll, up to this long.
SILENT_BACKOFF_MAX_S = 5.0


class DevicePoller:
    def __init__(
        self, device: Device, link: ModbusLink, sink: DriverSink, max_block: int, max_gap: int
    ) -> None:
        self.device = device
        self.unit_id: int = device.params.unit_id
        self.period_s = device.poll_ms / 1000
        self.timeout_s = device.timeout_ms / 1000
        self._link = link
        self._sink = sink
        self._now = sink_clock(sink)  # the runtime's clock: simulated time in a shifted demo
        addresses = {p.id: p.address for p in device.points if isinstance(p.address, ModbusAddress)}
        self.blocks = plan_blocks(addresses, max_block, max_gap)
        limits = {p.id: p.limits for p in device.points}
        self._decoders = {block: BlockDecoder(block, limits) for block in self.blocks}
        self._last: dict[str, PointValue] = {}
        self._state: tuple[bool, str] | None = None  # last (up, detail) sent to the sink
        # this device's outage is logged; a lost connection does not end it (the link logs
        # that), so a device that stays silent across reconnects is logged once
        self._warned = False
        self._good_polls = 0
        self._bad_blocks: set[Block] = set()  # blocks failing for config reasons, logged
        self._wake = asyncio.Event()
        self._silent_polls = 0  # polls in a row that timed out

    @property
    def name(self) -> str:
        return f"{self.device.id} (unit {self.unit_id} on {self._link.name})"

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            reraise_pending_cancel()  # see app/aio.py: a stop must never be lost
            await self._link.wait_up()
            self._wake.clear()
            await self.poll_once()
            due += self.next_period_s()
            now = loop.time()
            due = max(due, now)  # after a stall, carry on from now instead of bursting
            try:
                await asyncio.wait_for(self._wake.wait(), due - now)
            except TimeoutError:
                continue
            # Woken early (a write wants its read-back): the schedule restarts from this
            # poll. Adding a period per early poll would run the schedule ahead of time, so
            # a device written every cycle that then falls silent would not be polled (and
            # its points not go bad) for as long as the writes had pushed it ahead.
            due = loop.time()

    def next_period_s(self) -> float:
        """The poll period now: the configured one, or backed off while the device is silent."""
        if self._silent_polls == 0:
            return self.period_s
        backed_off = self.period_s * 2 ** min(self._silent_polls, 16)
        return max(self.period_s, min(backed_off, SILENT_BACKOFF_MAX_S))

    def wake(self) -> None:
        """Poll now (after a write, so the read-back does not wait a whole period)."""
        self._wake.set()

    async def poll_once(self) -> None:
        epoch = self._link.epoch
        values: dict[str, PointValue] = {}
        device_failure: Failure | None = None
        for index, block in enumerate(self.blocks):
            try:
                response = await self._link.request(
                    self._reader(block), self.timeout_s, self.unit_id
                )
            except RequestFailed as exc:
                if self._link.epoch != epoch or not self._link.is_up:
                    return  # the connection dropped: every point is already comm_lost
                failure = exc.failure
                if failure.quality is Quality.BAD_TIMEOUT:
                    # a silent device would hold the line for every block: give up this round
                    values.update(self._failed(self.blocks[index:], failure))
                    device_failure = failure
                    self._silent_polls += 1
                    break
                values.update(self._failed([block], failure))
                if failure.device_level:
                    device_failure = failure
                else:
                    self._note_bad_block(block, failure.detail)
                continue
            ts = self._now()  # when the response arrived
            if self._link.epoch != epoch:
                return
            data = response.bits if block.table in ("coil", "discrete") else response.registers
            values.update(self._decoders[block].decode(data, ts))
            self._note_good_block(block)
        if device_failure is None or device_failure.quality is not Quality.BAD_TIMEOUT:
            self._silent_polls = 0
        self._publish(values)
        self._report(device_failure)

    def mark_comm_lost(self, detail: str, ts: float) -> None:
        """The connection is gone: every point keeps its value with bad:comm_lost."""
        self._good_polls = 0
        self._publish(
            {
                pid: self._with_quality(pid, Quality.BAD_COMM_LOST, ts)
                for block in self.blocks
                for pid, _ in block.points
            }
        )
        self._set_state(False, f"connection lost: {detail}")

    def _reader(self, block: Block) -> Send:
        unit, table, start, count = self.unit_id, block.table, block.start, block.count

        async def read(client: ModbusBaseClient) -> ModbusPDU:
            if table == "holding":
                return await client.read_holding_registers(start, count=count, device_id=unit)
            if table == "input":
                return await client.read_input_registers(start, count=count, device_id=unit)
            if table == "coil":
                return await client.read_coils(start, count=count, device_id=unit)
            return await client.read_discrete_inputs(start, count=count, device_id=unit)

        return read

    def _failed(self, blocks: Iterable[Block], failure: Failure) -> dict[str, PointValue]:
        ts = self._now()
        return {
            pid: self._with_quality(pid, failure.quality, ts)
            for block in blocks
            for pid, _ in block.points
        }

    def _with_quality(self, pid: str, quality: Quality, ts: float) -> PointValue:
        last = self._last.get(pid)
        return PointValue(None, ts, quality) if last is None else last.with_quality(quality, ts)

    def _publish(self, values: dict[str, PointValue]) -> None:
        changed: dict[str, PointValue] = {}
        last_values = self._last
        good = Quality.GOOD
        for pid, value in values.items():
            quality = value.quality
            if quality is not good:
                last = last_values.get(pid)
                if last is not None and last.quality is quality:
                    continue  # a bad value is published when its quality changes, not per poll
            changed[pid] = value
        last_values.update(values)
        if changed:
            self._sink.publish(changed)

    def _report(self, failure: Failure | None) -> None:
        if failure is not None:
            self._good_polls = 0
            if not self._warned:
                log.warning("device %s: %s", self.name, failure.detail)
                self._warned = True
            self._set_state(False, failure.detail)
            return
        self._good_polls += 1
        if self._warned and self._good_polls >= GOOD_POLLS_TO_RECOVER:
            log.info("device %s answers again", self.name)
            self._warned = False
        self._set_state(True, "ok")

    def _set_state(self, up: bool, detail: str) -> None:
        if self._state == (up, detail):
            return
        self._state = (up, detail)
        self._sink.link_state(LinkState(self.device.id, up, detail, self._now()))

    def _note_bad_block(self, block: Block, detail: str) -> None:
        if block not in self._bad_blocks:
            log.warning("device %s: %s reading %s", self.name, detail, block)
            self._bad_blocks.add(block)

    def _note_good_block(self, block: Block) -> None:
        if block in self._bad_blocks:
            self._bad_blocks.discard(block)
            log.info("device %s: %s readable again", self.name, block)
