"""Control configuration: mode, protection limits and the strategies with their parameters.

Validated as a whole at load; every problem is collected into one ConfigError whose lines
name the file, the field path and the bad value (app/config/errors.py). ``ControlConfigHolder``
swaps in a new configuration only when all of it is valid: on error the running one stays.

    mode: auto                      # auto | manual | standby
    protection: {pcs_rating_kw: 500, soc_min_pct: 5, ...}
    strategies:
      - kind: demand_control        # an entry point in ems_console.strategies
        priority: 600               # optional, the kind's default band otherwise
        enabled: true
        params: {limit_kw: 600}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.config.errors import ConfigError, ConfigIssue, issues_from_validation
from app.config.loader import read_yaml
from app.control.cycle import ControlMode
from app.control.export_guard import ExportGuardParams
from app.control.protection import ProtectionParams
from app.control.registry import StrategyRegistry
from app.control.strategy import Strategy, StrategyContext


class StrategyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(min_length=1)
    name: str | None = None  # defaults to the kind; must be unique
    priority: int | None = Field(default=None, ge=0, le=10_000)
    enabled: bool = True
    params: dict[str, Any] = Field(default_factory=dict)


class ControlFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: ControlMode = ControlMode.AUTO
    cycle_ms: int = Field(default=1000, ge=200, le=60_000)
    # written every cycle with a changing value: the PCS reverts to 0 kW when it stops
    heartbeat: list[str] = Field(default_factory=list)
    # written when control starts and whenever the device reads otherwise (remote enable)
    takeover: dict[str, float] = Field(default_factory=dict)
    protection: ProtectionParams = Field(default_factory=ProtectionParams)
    strategies: list[StrategyEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class ControlConfig:
    mode: ControlMode
    protection: ProtectionParams
    strategies: tuple[Strategy, ...]
    source: str
    cycle_s: float = 1.0
    heartbeat: tuple[str, ...] = ()
    takeover: tuple[tuple[str, float], ...] = ()


def build_control_config(
    data: Any, file: str | Path, registry: StrategyRegistry, context: StrategyContext
) -> ControlConfig:
    """Validate ``data`` (a parsed mapping); raise ConfigError listing every problem."""
    file = str(file)
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(file, "", data, "expected a mapping at the top level")])
    try:
        cf = ControlFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(issues_from_validation(file, exc, data=data)) from None
    issues: list[ConfigIssue] = []
    built: list[Strategy] = []
    names: set[str] = set()
    for i, entry in enumerate(cf.strategies):
        field = f"strategies[{i}]"
        if entry.kind not in registry:
            known = ", ".join(registry.kinds()) or "none installed"
            issues.append(
                ConfigIssue(file, f"{field}.kind", entry.kind, f"unknown strategy (known: {known})")
            )
            continue
        name = entry.name or entry.kind
        if name in names:
            issues.append(ConfigIssue(file, f"{field}.name", name, "duplicate strategy name"))
            continue
        names.add(name)
        factory = registry.get(entry.kind)
        try:
            params = factory.params_model.model_validate(entry.params)
        except ValidationError as exc:
            issues += issues_from_validation(file, exc, prefix=f"{field}.params")
            continue
        if not entry.enabled:
            continue
        priority = entry.priority if entry.priority is not None else factory.default_priority
        try:
            strategy = factory.create(params, context, priority)
        except ConfigError as exc:  # a file the strategy reads (e.g. a schedule) is bad
            issues += exc.issues
            continue
        except ValueError as exc:
            issues.append(ConfigIssue(file, f"{field}.kind", entry.kind, str(exc)))
            continue
        if entry.name:
            strategy.name = entry.name
        built.append(strategy)
    if issues:
        raise ConfigError(issues)
    return ControlConfig(
        cf.mode,
        _with_export_limit(cf),
        tuple(built),
        file,
        cycle_s=cf.cycle_ms / 1000,
        heartbeat=tuple(cf.heartbeat),
        takeover=tuple(cf.takeover.items()),
    )


def _with_export_limit(cf: ControlFile) -> ProtectionParams:
    """Protection with the station's export limit: ``protection.export`` as given, else the
    export_limit strategies' limit (the lowest) and margin (the largest), enabled or not —
    disabling the strategy stops its charging, never the hard limit."""
    if cf.protection.export is not None:
        return cf.protection
    entries = [e for e in cf.strategies if e.kind == "export_limit"]
    if not entries:
        return cf.protection
    # the entries' params were validated above; the defaults are export_limit's own
    limits = [float(e.params.get("limit_kw", 0.0)) for e in entries]
    margins = [float(e.params.get("margin_kw", 5.0)) for e in entries]
    guard = ExportGuardParams(limit_kw=min(limits), margin_kw=max(margins))
    return cf.protection.model_copy(update={"export": guard})


def load_control_config(
    path: str | Path, registry: StrategyRegistry, context: StrategyContext
) -> ControlConfig:
    path = Path(path)
    return build_control_config(read_yaml(path), path, registry, context)


class ControlConfigHolder:
    """The running control configuration; replaced only by a fully valid one."""

    def __init__(self, initial: ControlConfig) -> None:
        self.current = initial

    def reload(
        self, path: str | Path, registry: StrategyRegistry, context: StrategyContext
    ) -> Sequence[ConfigIssue]:
        """Load ``path``; on success swap it in and return no issues, else keep the old one."""
        try:
            self.current = load_control_config(path, registry, context)
        except ConfigError as exc:
            return exc.issues
        return []
