"""One Modbus connection: its client, its lock, its reconnect loop and its traffic counters.

Every request of every device on the connection goes through ``request()`` under one lock,
so requests never interleave on the wire (an RS-485 bus or a gateway serves one at a time).

Reconnecting is this module's own loop rather than pymodbus's: measured with pymodbus
3.16, its automatic reconnect never retries a connection that failed at start (a console
started before the plant would wait forever), and during an outage its back-off grows to
300 s. Here the first retry comes after ``reconnect_min_s``, doubling to ``reconnect_max_s``,
and starts small again once a connection has proven itself with a response.

An outage is logged once (warning), however many connect attempts it takes, and its end once
(info, when the new connection has answered a few requests).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from pymodbus.client.base import ModbusBaseClient
from pymodbus.exceptions import ConnectionException, ModbusException
from pymodbus.pdu import ModbusPDU

from app.aio import reraise_pending_cancel
from drivers.modbus.client_factory import make_client
from drivers.modbus.diagnostics import (
    RequestFailed,
    comm_failure,
    exception_failure,
    garbage_failure,
    timeout_failure,
)
from drivers.modbus.params import ConnectionParams, TcpParams
from drivers.modbus.traffic import TrafficCounters

log = logging.getLogger(__name__)

Send = Callable[[ModbusBaseClient], Awaitable[ModbusPDU]]

# A TCP peer that accepts the connection but answers nothing (a hung stack, a half-open
# socket after a cable pull) is only cured by reconnecting. On a serial bus silence means
# the devices, not the line, so the port stays open.
SILENT_REQUESTS_BEFORE_RECONNECT = 3
# The end of an outage is logged after this many responses on the new connection, so a
# connection that flaps (accepts, answers once, drops) logs its outage once.
RESPONSES_TO_RECOVER = 3


class ModbusLink:
    def __init__(
        self,
        connection_id: str,
        params: ConnectionParams,
        response_backstop_s: float,
        on_down: Callable[[str], None],
    ) -> None:
        self.id = connection_id
        self.params = params
        self.traffic = TrafficCounters()
        # bumped at every connect: a response from an older connection is not trusted
        self.epoch = 0
        self._on_down = on_down
        self._lock = asyncio.Lock()
        self._up = asyncio.Event()
        self._lost = asyncio.Event()
        self._lost_detail = "connection closed by the peer"
        self._silent = 0  # timed-out requests in a row
        self._silent_units: set[int | None] = set()  # the units they went to
        self._units: set[int | None] = set()  # every unit asked on this connection
        self._proven = False  # a response arrived on the current connection
        self._responses = 0  # responses on the current connection
        self._outage_logged = False
        self._backstop_s = response_backstop_s
        # made when first connecting: pymodbus's async clients need a running event loop
        self._client: ModbusBaseClient | None = None

    @property
    def name(self) -> str:
        return f"{self.id} ({self.params.endpoint})"

    @property
    def is_up(self) -> bool:
        return self._up.is_set()

    async def wait_up(self) -> None:
        await self._up.wait()

    async def run(self) -> None:
        """Connect, wait for the connection to drop, reconnect with back-off; forever."""
        delay = self.params.reconnect_min_s
        while True:
            self._lost.clear()
            problem = await self._connect()
            reraise_pending_cancel()  # pymodbus's connect can swallow our stop on 3.11
            if problem is None:
                self._connected()
                await self._lost.wait()
                self.traffic.disconnects += 1
                problem = self._lost_detail
                if self._proven:
                    delay = self.params.reconnect_min_s
            self._report_down(problem)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.params.reconnect_max_s)

    async def _connect(self) -> str | None:
        """None once connected, else why not."""
        self.traffic.connect_attempts += 1
        try:
            if self._client is None:
                self._client = make_client(
                    self.params,
                    self.id,
                    self._backstop_s,
                    trace_packet=self.traffic.count_bytes,
                    trace_connect=self._on_trace_connect,
                )
            if await self._client.connect() and self._client.connected:
                return None
            return f"cannot connect to {self.params.endpoint}"
        except Exception as exc:
            # e.g. a serial port that refuses its settings, or pyserial not installed: the
            # points must still turn bad and the reason reach the log, so no task may die here
            return f"cannot connect to {self.params.endpoint}: {exc}"

    def close(self) -> None:
        """Close the connection for good (the run task is cancelled by its owner)."""
        self._up.clear()
        if self._client is not None:
            self._client.close()

    async def request(self, send: Send, timeout_s: float, unit: int | None = None) -> ModbusPDU:
        """Send one request (to ``unit``) under the connection lock; return the response or
        raise RequestFailed. A timed-out request is repeated ``params.retries`` times."""
        self._units.add(unit)
        loop = asyncio.get_running_loop()
        async with self._lock:
            for _attempt in range(self.params.retries + 1):
                if not self.is_up or self._client is None:
                    raise RequestFailed(comm_failure("not connected"))
                self.traffic.requests += 1
                started = loop.time()
                try:
                    async with asyncio.timeout(timeout_s):
                        response = await send(self._client)
                except TimeoutError:
                    self.traffic.timeouts += 1
                    self.traffic.errors += 1
                    self._count_silence(unit)
                    continue
                except ConnectionException as exc:
                    self.traffic.errors += 1
                    raise RequestFailed(comm_failure(str(exc))) from exc
                except ModbusException as exc:
                    self.traffic.errors += 1
                    raise RequestFailed(garbage_failure(str(exc))) from exc
                self._heard(loop.time() - started)
                if response.isError():
                    self.traffic.exceptions += 1
                    self.traffic.errors += 1
                    raise RequestFailed(exception_failure(int(response.exception_code)))
                return response
            raise RequestFailed(timeout_failure(timeout_s))

    def _on_trace_connect(self, connected: bool) -> None:
        """pymodbus's connection callback; on a drop, stop requests at once."""
        if not connected and self._up.is_set():
            self._lost_detail = "connection closed by the peer"
            self._drop()

    def _drop(self) -> None:
        self._up.clear()
        self._lost.set()

    def _connected(self) -> None:
        self.epoch += 1
        self.traffic.connects += 1
        self._silent = 0
        self._silent_units.clear()
        self._proven = False
        self._responses = 0
        self._up.set()
        log.debug("connection %s established", self.name)

    def _report_down(self, detail: str) -> None:
        if not self._outage_logged:
            log.warning("connection %s down: %s; reconnecting by itself", self.name, detail)
            self._outage_logged = True
        self._on_down(detail)

    def _heard(self, rtt_s: float) -> None:
        self.traffic.responses += 1
        self.traffic.last_rtt_ms = rtt_s * 1000
        self._silent = 0
        self._silent_units.clear()
        self._proven = True
        self._responses += 1
        if self._outage_logged and self._responses >= RESPONSES_TO_RECOVER:
            log.info("connection %s restored", self.name)
            self._outage_logged = False

    def _count_silence(self, unit: int | None) -> None:
        self._silent += 1
        self._silent_units.add(unit)
        # One silent unit behind a gateway that answers for the others is that device's
        # fault (its points go bad_timeout); reconnecting would take every other device on
        # the connection down with it. Only silence from every unit the connection serves
        # (or from its only one) says the connection itself is dead.
        everyone = self._silent_units >= self._units
        if (
            isinstance(self.params, TcpParams)
            and everyone
            and self._silent >= SILENT_REQUESTS_BEFORE_RECONNECT
        ):
            self._lost_detail = f"no response to {self._silent} requests in a row"
            if self._client is not None:
                self._client.close()
            self._drop()
