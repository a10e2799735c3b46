"""What the simulator serves: which devices, at which unit ids, with which register maps.

The register maps come from the same station file and templates the console loads, so the
two sides of the wire agree by construction. Each device is bound to a part of the plant
(its *role*) by its template's category, and for meters and breakers by its id:

    pv_inverter -> pv_inverter:<n> (in file order)   pcs -> pcs        bms -> bms
    meter       -> load_meter if the id contains "load", else grid_meter
    breaker     -> breaker:pv / breaker:bess if the id contains "pv" / "bess", else breaker:grid
    transformer -> transformer                        environment -> environment
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from app.config.loader import load_station
from app.config.schema import Limits
from app.model import Device, Station
from app.paths import DEMO_STATION
from drivers.modbus.address import ModbusAddress
from simulator.plant import PlantParams
from simulator.pv import PvInverterParams
from simulator.site import Site

log = logging.getLogger(__name__)

PcsMode = Literal["remote", "local"]


@dataclass(frozen=True)
class ServedPoint:
    id: str
    address: ModbusAddress
    kind: str
    limits: Limits | None = None

    @property
    def writable(self) -> bool:
        return self.kind in ("setpoint", "command") and self.address.is_writable


@dataclass(frozen=True)
class ServedDevice:
    id: str
    role: str
    unit_id: int
    template: str
    points: tuple[ServedPoint, ...]


@dataclass(frozen=True)
class SimulatorConfig:
    devices: tuple[ServedDevice, ...]
    site: Site = field(default_factory=Site)
    # "HH:MM" today in the site's zone, or ISO 8601; None runs on the wall clock
    sim_start: str | None = None
    seed: int = 1
    cloudiness: float = 0.3  # 0 clear sky .. 1 mostly overcast
    # local: the PCS runs its own self-consumption program until an EMS writes mode = 0
    pcs_mode: PcsMode = "local"
    plant: PlantParams = field(default_factory=PlantParams)
    # a snapshot is served for this long, so one poll of all devices sees one instant
    snapshot_max_age_s: float = 0.5
    scenario: str = "none"  # simulator/scenarios.py

    @classmethod
    def default(cls, **overrides: Any) -> SimulatorConfig:
        """The demo station (resources/stations/demo.yaml)."""
        return cls.from_station_file(DEMO_STATION, **overrides)

    @classmethod
    def from_station_file(cls, path: str | Path, **overrides: Any) -> SimulatorConfig:
        """Load and validate a station file like the console does (raises ConfigError)."""
        return cls.for_station(load_station(path), **overrides)

    @classmethod
    def for_station(
        cls, station: Station, sim_start: str | None = None, **overrides: Any
    ) -> SimulatorConfig:
        """Serve every enabled Modbus device of ``station`` from one simulated plant."""
        devices: list[ServedDevice] = []
        taken: set[str] = set()
        pv_count = 0
        for device in station.devices.values():
            connection = station.connections.get(device.connection_id)
            if not device.enabled or connection is None or connection.driver != "modbus":
                continue
            role = _role(device, pv_count)
            if role is None or role in taken:
                log.warning("simulator: no plant part for device %s (role %s)", device.id, role)
                continue
            taken.add(role)
            pv_count += role.startswith("pv_inverter")
            devices.append(_served(device, role))
        site = station.info.location
        kwargs: dict[str, Any] = {
            "devices": tuple(devices),
            "site": Site(
                latitude=site.latitude if site else Site.latitude,
                longitude=site.longitude if site else Site.longitude,
                altitude=site.altitude if site else Site.altitude,
                timezone=station.info.timezone,
            ),
            "sim_start": sim_start,
        }
        if pv_count and pv_count != len(PlantParams().pv):
            # one 500 kWp array per inverter the station declares
            pv = tuple(PvInverterParams(cloud_lag_s=25.0 * i) for i in range(pv_count))
            kwargs["plant"] = dataclasses.replace(PlantParams(), pv=pv)
        kwargs.update(overrides)
        return cls(**kwargs)

    @property
    def unit_ids(self) -> dict[str, int]:
        return {d.id: d.unit_id for d in self.devices}


def _role(device: Device, pv_index: int) -> str | None:
    category = device.template.category
    name = device.id
    if category == "pv_inverter":
        return f"pv_inverter:{pv_index}"
    if category == "meter":
        return "load_meter" if "load" in name else "grid_meter"
    if category == "breaker":
        if "pv" in name:
            return "breaker:pv"
        if "bess" in name or "ess" in name or "bat" in name:
            return "breaker:bess"
        return "breaker:grid"
    if category in ("pcs", "bms", "transformer", "environment"):
        return category
    return None


def _served(device: Device, role: str) -> ServedDevice:
    params = device.params
    unit_id = params["unit_id"] if isinstance(params, dict) else params.unit_id
    points = []
    by_id = {tp.id: tp for tp in device.template.points}
    for spec in device.points:
        address = spec.address
        if address is None:
            continue
        if not isinstance(address, ModbusAddress):  # validated by another registry
            tp = by_id[spec.local_id]
            address = ModbusAddress.from_template(tp.address or {}, device.template.defaults)
        points.append(ServedPoint(spec.local_id, address, spec.kind, spec.limits))
    return ServedDevice(device.id, role, int(unit_id), device.template.id, tuple(points))
