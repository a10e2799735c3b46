"""The simulator facade: one plant, served over Modbus TCP, with fault injection.

    sim = Simulator(SimulatorConfig.default(sim_start="12:00"))
    port = await sim.start(host="127.0.0.1", port=0)
    ...
    await sim.stop()

Nothing here blocks the event loop for long: the plant steps lazily when a request arrives
(bounded work per request) and pvlib's day table is computed in a worker thread at start.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from simulator.clock import Clock, SimClock, parse_sim_start
from simulator.config import SimulatorConfig
from simulator.endpoint import FAULTS, DeviceEndpoint, Fault
from simulator.modbus_server import ModbusHost
from simulator.pcs import MODE_LOCAL, MODE_REMOTE
from simulator.plant import Plant
from simulator.scenarios import scenario


class Simulator:
    def __init__(self, config: SimulatorConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config = config or SimulatorConfig.default()
        self.scenario = play = scenario(config.scenario)
        if clock is None:
            sim_start = config.sim_start or play.default_start
            start = parse_sim_start(sim_start, config.site.zone) if sim_start else None
            clock = SimClock(start)
        self.clock = clock
        self.plant = Plant(
            clock,
            config.plant,
            config.site,
            seed=config.seed,
            cloudiness=config.cloudiness if play.cloudiness is None else play.cloudiness,
            pcs_mode=MODE_LOCAL if config.pcs_mode == "local" else MODE_REMOTE,
            scenario=play,
        )
        self._endpoints = {
            d.id: DeviceEndpoint(d, self.plant, config.snapshot_max_age_s) for d in config.devices
        }
        self._host = ModbusHost(lambda: [e.sim_device() for e in self._endpoints.values()])

    @property
    def unit_ids(self) -> dict[str, int]:
        return {device_id: e.device.unit_id for device_id, e in self._endpoints.items()}

    @property
    def roles(self) -> dict[str, str]:
        """Device id -> the plant part it shows (e.g. ``meter_grid`` -> ``grid_meter``)."""
        return {device_id: e.device.role for device_id, e in self._endpoints.items()}

    @property
    def port(self) -> int | None:
        return self._host.port if self._host.running else None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Serve the plant on ``host:port`` (0 picks a free port); returns the bound port."""
        # pvlib's tables for today and tomorrow, off the loop
        await asyncio.to_thread(self.plant.sky.prepare, self.clock.now())
        return await self._host.start(host, port)

    async def stop(self) -> None:
        """Stop serving (clients see the connection drop); idempotent, restartable."""
        await self._host.stop()

    def set_fault(self, device_id: str, mode: Fault | None) -> None:
        """Inject a fault: None (healthy), "silent" (no answer), "exception" (04) or
        "garbage" (NaN / out-of-range values)."""
        if mode is not None and mode not in FAULTS:
            raise ValueError(f"unknown fault mode {mode!r} (known: None, {', '.join(FAULTS)})")
        try:
            self._endpoints[device_id].fault = mode
        except KeyError:
            raise KeyError(f"no simulated device {device_id!r}") from None

    async def __aenter__(self) -> Simulator:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
