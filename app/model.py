"""The resolved station model: a station, its connections, devices and points.

Built by app.config.loader from validated files; immutable at run time. Point ids are
dotted and stable: ``<device>.<point>`` for device points, ``site.*`` for calculated ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.access import AccessPolicy
from app.alarms.rules import AlarmRule
from app.config.schema import HistoryConfig, I18nText, Limits, PointKind, StationInfo, Template


@dataclass(frozen=True)
class PointSpec:
    id: str
    name: I18nText
    unit: str
    kind: PointKind
    device_id: str | None = None  # None for calculated points
    limits: Limits | None = None
    address: Any = None  # the driver's validated address object
    expr: str | None = None  # calculated points only
    alarms: AlarmRule | None = None  # the template's rule with the station's override

    @property
    def writable(self) -> bool:
        return self.kind in ("setpoint", "command")

    @property
    def local_id(self) -> str:
        return self.id.split(".", 1)[1]


@dataclass(frozen=True)
class Connection:
    id: str
    driver: str
    params: Any  # the driver's validated connection parameters


@dataclass(frozen=True)
class Device:
    id: str
    name: I18nText
    template: Template
    connection_id: str
    params: Any  # the driver's validated per-device parameters
    poll_ms: int
    timeout_ms: int
    enabled: bool
    points: tuple[PointSpec, ...]


@dataclass(frozen=True)
class Station:
    info: StationInfo
    source: Path
    connections: dict[str, Connection]
    devices: dict[str, Device]
    calculated: tuple[PointSpec, ...]
    history: HistoryConfig
    points: dict[str, PointSpec] = field(default_factory=dict)
    control: Any = None  # app.control.config.ControlConfig when the station has a control section
    tariff: Any = None  # app.tariff.Tariff when the station names one
    access: AccessPolicy | None = None  # None: no access section, every user may do all

    @property
    def alarm_rules(self) -> dict[str, AlarmRule]:
        """Every point's alarm rule by point id (template rules with station overrides)."""
        return {pid: p.alarms for pid, p in self.points.items() if p.alarms is not None}

    def devices_on(self, connection_id: str) -> list[Device]:
        return [d for d in self.devices.values() if d.connection_id == connection_id]
