"""Pydantic schema of station files and device templates (YAML). Unknown keys are errors.

Protocol-specific parts (a point's ``address``, a connection's or device's ``params``) are
plain mappings here; the driver named by the connection validates them with its own models
(see app/drivers_api.py), so a new protocol needs no change to this file.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
POINT_ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"

PointKind = Literal["analog", "digital", "setpoint", "command", "counter"]
DeviceCategory = Literal[
    "pv_inverter",
    "pcs",
    "bms",
    "meter",
    "transformer",
    "breaker",
    "environment",
    "ev_charger",
    "generic",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class I18nText(Strict):
    """A label in English and Chinese; Chinese falls back to English when absent."""

    en: str = Field(min_length=1)
    zh: str | None = None

    def text(self, lang: str) -> str:
        return (self.zh or self.en) if lang.startswith("zh") else self.en


class Limits(Strict):
    """Valid engineering range: a decoded value outside it is marked bad:invalid."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Limits:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class TemplatePoint(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: I18nText
    unit: str = ""
    kind: PointKind = "analog"
    limits: Limits | None = None
    description: str | None = None
    # protocol-specific address (e.g. Modbus table/register/type); validated by the driver
    address: dict[str, Any] | None = None
    # the point's alarm rule (app/alarms/rules.py); validated by the loader against `kind`
    alarms: dict[str, Any] | None = None


class Template(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: I18nText
    category: DeviceCategory = "generic"
    protocol: str = Field(pattern=ID_PATTERN)
    manufacturer: str | None = None
    model: str | None = None
    # protocol-level defaults merged under each point's address (e.g. word_order)
    defaults: dict[str, Any] = Field(default_factory=dict)
    points: list[TemplatePoint] = Field(min_length=1)

    @field_validator("points")
    @classmethod
    def _unique_ids(cls, points: list[TemplatePoint]) -> list[TemplatePoint]:
        seen: set[str] = set()
        for p in points:
            if p.id in seen:
                raise ValueError(f"duplicate point id {p.id!r}")
            seen.add(p.id)
        return points


class Location(Strict):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    altitude: float = 0.0


class StationInfo(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: I18nText
    timezone: str = "Asia/Shanghai"
    location: Location | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(zone)
        except Exception:
            raise ValueError(f"unknown time zone {zone!r}") from None
        return zone


class ConnectionConfig(Strict):
    id: str = Field(pattern=ID_PATTERN)
    driver: str = Field(pattern=ID_PATTERN)
    params: dict[str, Any] = Field(default_factory=dict)


class DeviceConfig(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: I18nText | None = None
    template: str
    connection: str
    params: dict[str, Any] = Field(default_factory=dict)  # e.g. {unit_id: 3}
    poll_ms: int = Field(default=1000, ge=50, le=3_600_000)
    timeout_ms: int = Field(default=1000, ge=50, le=60_000)
    enabled: bool = True


class CalculatedPoint(Strict):
    id: str = Field(pattern=POINT_ID_PATTERN)
    name: I18nText
    unit: str = ""
    kind: PointKind = "analog"
    expr: str = Field(min_length=1)


class Retention(Strict):
    """Days kept per resolution; 0 keeps forever."""

    raw: int = Field(default=30, ge=0)
    m1: int = Field(default=365, ge=0, alias="1m")
    m15: int = Field(default=3650, ge=0, alias="15m")
    h1: int = Field(default=0, ge=0, alias="1h")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class HistoryConfig(Strict):
    retention_days: Retention = Field(default_factory=Retention)
    # 'normal' (WAL + synchronous=NORMAL) or 'full' (survives power loss where fsync holds)
    durability: Literal["normal", "full"] = "normal"
    flush_ms: int = Field(default=500, ge=50, le=10_000)


class StationFile(Strict):
    station: StationInfo
    # folders searched for templates, relative to the station file; the built-in folder last
    template_dirs: list[str] = Field(default_factory=list)
    connections: list[ConnectionConfig] = Field(default_factory=list)
    devices: list[DeviceConfig] = Field(default_factory=list)
    calculated: list[CalculatedPoint] = Field(default_factory=list)
    history: HistoryConfig = Field(default_factory=HistoryConfig)
    # a tariff file (relative to this file) or the name of one in resources/tariffs/
    tariff: str | None = None
    # the control cycle and its strategies (app/control/config.py validates it)
    control: dict[str, Any] | None = None
    # per point id, keys laid over the template's alarm rule (`key: null` removes a key)
    alarm_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # operator roles and permissions (app/access.py validates it); absent: everyone may do all
    access: dict[str, Any] | None = None
