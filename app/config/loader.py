"""Load and validate station files and device templates into the resolved model.

Every problem found is collected (not just the first) and raised as one ConfigError whose
lines each name the file, the field path and the bad value. Nothing is started on error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.access import parse_access
from app.alarms.rules import AlarmRule, merge_override, parse_rule
from app.calc import ExpressionError, calculation_order, compile_expression
from app.config.errors import ConfigError, ConfigIssue, issues_from_validation
from app.config.schema import StationFile, Template
from app.drivers_api import DriverRegistry
from app.model import Connection, Device, PointSpec, Station
from app.paths import BUILTIN_TARIFFS, BUILTIN_TEMPLATES
from app.site_energy import energy_specs


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML silently keeps the last)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [ConfigIssue(str(path), "", str(path), f"cannot read: {exc.strerror}")]
        ) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            [ConfigIssue(str(path), where, None, f"invalid YAML: {problem}")]
        ) from None


def _mapping(path: Path, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(str(path), "", data, "expected a mapping at the top level")])
    return data


def load_template(path: str | Path) -> Template:
    path = Path(path)
    data = _mapping(path, read_yaml(path))
    try:
        template = Template.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(issues_from_validation(path, exc)) from None
    validate_template_alarms(path, template)
    return template


def _rule(
    file: Path, field: str, kind: str, data: dict[str, Any]
) -> tuple[AlarmRule | None, list[ConfigIssue]]:
    """One point's alarm rule, or the issues located under ``field``."""
    try:
        return parse_rule(kind, data), []
    except ValidationError as exc:
        return None, issues_from_validation(file, exc, prefix=field)
    except ValueError as exc:
        return None, [ConfigIssue(str(file), field, data, str(exc))]


def validate_template_alarms(path: Path, template: Template) -> list[AlarmRule | None]:
    """Each point's alarm rule (None without one); ConfigError lists every bad rule."""
    issues: list[ConfigIssue] = []
    out: list[AlarmRule | None] = []
    for j, tp in enumerate(template.points):
        rule, found = (
            (None, [])
            if tp.alarms is None
            else _rule(path, f"points[{j}].alarms", tp.kind, tp.alarms)
        )
        out.append(rule)
        issues += found
    if issues:
        raise ConfigError(issues)
    return out


def _point_rule(
    path: Path, overrides: dict[str, dict[str, Any]], pid: str, kind: str, base: Any
) -> tuple[AlarmRule | None, list[ConfigIssue]]:
    """The template's rule (``base``, already valid) with the station's override laid over."""
    override = overrides.get(pid)
    if override is None:
        return base, []
    template_rule = base.model_dump(mode="json", exclude_unset=True) if base is not None else None
    return _rule(path, f"alarm_overrides.{pid}", kind, merge_override(template_rule, override))


def validate_template_addresses(path: Path, template: Template, factory: Any) -> list[Any]:
    """Every point address validated by the protocol's driver; ConfigError lists all failures."""
    issues: list[ConfigIssue] = []
    out: list[Any] = []
    for j, tp in enumerate(template.points):
        if tp.address is None:
            out.append(None)
            continue
        try:
            out.append(factory.validate_address(tp.address, template.defaults, tp.kind))
        except ValidationError as exc:
            issues += issues_from_validation(path, exc, prefix=f"points[{j}].address")
    if issues:
        raise ConfigError(issues)
    return out


def find_template(name: str, dirs: Iterable[Path]) -> Path | None:
    for folder in dirs:
        for suffix in (".yaml", ".yml"):
            candidate = folder / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def load_station(
    path: str | Path,
    registry: DriverRegistry | None = None,
    connection_overrides: dict[str, dict[str, Any]] | None = None,
) -> Station:
    """Validate ``path`` and everything it refers to; raise ConfigError listing all problems.

    ``connection_overrides`` replaces connection params by connection id before validation
    (the demo points its connection at the simulator's actual port this way).
    """
    path = Path(path)
    file = str(path)
    data = _mapping(path, read_yaml(path))
    for conn in data.get("connections") or []:
        if isinstance(conn, dict) and conn.get("id") in (connection_overrides or {}):
            assert connection_overrides is not None
            conn["params"] = {**(conn.get("params") or {}), **connection_overrides[conn["id"]]}
    try:
        sf = StationFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(issues_from_validation(path, exc)) from None
    registry = registry if registry is not None else DriverRegistry.from_entry_points()

    issues: list[ConfigIssue] = []
    dirs = [(path.parent / d) for d in sf.template_dirs] + [BUILTIN_TEMPLATES]

    connections: dict[str, Connection] = {}
    for i, c in enumerate(sf.connections):
        field = f"connections[{i}]"
        if c.id in connections:
            issues.append(ConfigIssue(file, f"{field}.id", c.id, "duplicate connection id"))
            continue
        if c.driver not in registry:
            known = ", ".join(registry.names()) or "none installed"
            issues.append(
                ConfigIssue(file, f"{field}.driver", c.driver, f"unknown driver (known: {known})")
            )
            continue
        try:
            params = registry.get(c.driver).validate_connection(c.params)
        except ValidationError as exc:
            issues += issues_from_validation(path, exc, prefix=f"{field}.params")
            continue
        connections[c.id] = Connection(c.id, c.driver, params)

    templates: dict[str, Template] = {}
    addresses: dict[str, list[Any]] = {}
    rules: dict[str, list[AlarmRule | None]] = {}
    bad_templates: set[str] = set()
    devices: dict[str, Device] = {}
    all_points: dict[str, PointSpec] = {}
    for i, d in enumerate(sf.devices):
        field = f"devices[{i}]"
        if d.id in devices or d.id == "site":
            why = "reserved for calculated points" if d.id == "site" else "duplicate device id"
            issues.append(ConfigIssue(file, f"{field}.id", d.id, why))
            continue
        conn_cfg = next((c for c in sf.connections if c.id == d.connection), None)
        if conn_cfg is None:
            issues.append(
                ConfigIssue(file, f"{field}.connection", d.connection, "unknown connection")
            )
            continue
        if d.connection not in connections:
            continue  # the connection's own error is already reported
        template = templates.get(d.template)
        if template is None:
            tpath = find_template(d.template, dirs)
            if tpath is None:
                searched = ", ".join(str(p) for p in dirs)
                issues.append(
                    ConfigIssue(
                        file,
                        f"{field}.template",
                        d.template,
                        f"unknown template (searched {searched})",
                    )
                )
                continue
            try:
                template = load_template(tpath)
                if template.protocol in registry:
                    addresses[d.template] = validate_template_addresses(
                        tpath, template, registry.get(template.protocol)
                    )
                rules[d.template] = validate_template_alarms(tpath, template)
            except ConfigError as exc:
                if d.template not in bad_templates:  # once, not once per device using it
                    issues += exc.issues
                bad_templates.add(d.template)
                continue
            templates[d.template] = template
        if template.protocol != conn_cfg.driver:
            issues.append(
                ConfigIssue(
                    file,
                    f"{field}.template",
                    d.template,
                    f"template speaks {template.protocol!r} but connection "
                    f"{d.connection!r} uses driver {conn_cfg.driver!r}",
                )
            )
            continue
        factory = registry.get(conn_cfg.driver)
        try:
            dev_params = factory.validate_device(d.params)
        except ValidationError as exc:
            issues += issues_from_validation(path, exc, prefix=f"{field}.params")
            continue
        points = []
        for tp, address, base in zip(
            template.points, addresses[d.template], rules[d.template], strict=True
        ):
            pid = f"{d.id}.{tp.id}"
            rule, found = _point_rule(path, sf.alarm_overrides, pid, tp.kind, base)
            issues += found
            spec = PointSpec(
                id=pid,
                name=tp.name,
                unit=tp.unit,
                kind=tp.kind,
                device_id=d.id,
                limits=tp.limits,
                address=address,
                alarms=rule,
            )
            points.append(spec)
            all_points[pid] = spec
        devices[d.id] = Device(
            id=d.id,
            name=d.name or template.name,
            template=template,
            connection_id=d.connection,
            params=dev_params,
            poll_ms=d.poll_ms,
            timeout_ms=d.timeout_ms,
            enabled=d.enabled,
            points=tuple(points),
        )

    calculated = []
    refs: dict[int, frozenset[str]] = {}
    for i, calc in enumerate(sf.calculated):
        field = f"calculated[{i}]"
        if calc.id in all_points:
            issues.append(ConfigIssue(file, f"{field}.id", calc.id, "duplicate point id"))
            continue
        try:
            refs[i] = compile_expression(calc.expr).refs
        except ExpressionError as exc:
            issues.append(ConfigIssue(file, f"{field}.expr", calc.expr, str(exc)))
            continue
        rule, found = _point_rule(path, sf.alarm_overrides, calc.id, calc.kind, None)
        issues += found
        spec = PointSpec(
            id=calc.id, name=calc.name, unit=calc.unit, kind=calc.kind, expr=calc.expr, alarms=rule
        )
        calculated.append(spec)
        all_points[calc.id] = spec
    # a device that failed to load already has its error; its points are not "unknown" too
    failed = {d.id for d in sf.devices} - set(devices)
    for i, used in refs.items():
        for ref in sorted(used - set(all_points)):
            if ref.split(".", 1)[0] in failed:
                continue
            issues.append(ConfigIssue(file, f"calculated[{i}].expr", ref, "unknown point"))
    for pid, override in sf.alarm_overrides.items():
        if pid not in all_points and pid.split(".", 1)[0] not in failed:
            issues.append(ConfigIssue(file, f"alarm_overrides.{pid}", override, "unknown point"))
    if not issues:
        try:
            calculation_order({p.id: refs[i] for i, p in enumerate(calculated)})
        except ValueError as exc:
            issues.append(ConfigIssue(file, "calculated", None, str(exc)))

    access = None
    if sf.access is not None:
        try:
            access = parse_access(path, sf.access)
        except ConfigError as exc:
            issues += exc.issues

    for spec in energy_specs(all_points):
        if spec.id not in all_points:
            all_points[spec.id] = spec

    if issues:
        raise ConfigError(issues)
    station = Station(
        info=sf.station,
        source=path,
        connections=connections,
        devices=devices,
        calculated=tuple(calculated),
        history=sf.history,
        points=all_points,
        access=access,
    )
    if sf.tariff is not None:
        station = dataclasses.replace(station, tariff=_tariff(path, sf.tariff))
    if sf.control is not None:
        station = dataclasses.replace(station, control=_control(path, sf.control, station))
    return station


def _tariff(path: Path, name: str) -> Any:
    """The station's tariff: a file beside the station, or one shipped in resources/tariffs."""
    from app.tariff import load_tariff

    for candidate in (path.parent / name, BUILTIN_TARIFFS / name, BUILTIN_TARIFFS / f"{name}.yaml"):
        if candidate.is_file():
            return load_tariff(candidate)
    shipped = ", ".join(sorted(p.stem for p in BUILTIN_TARIFFS.glob("*.yaml")))
    raise ConfigError(
        [ConfigIssue(str(path), "tariff", name, f"no such tariff file (shipped: {shipped})")]
    )


def _control(path: Path, data: dict[str, Any], station: Station) -> Any:
    """The station's control section, validated with the strategies found by entry point."""
    from app.control.config import build_control_config  # app.control reads YAML through here
    from app.control.registry import StrategyRegistry
    from app.control.snapshot import SiteRoles
    from app.control.strategy import StrategyContext

    context = StrategyContext(
        SiteRoles.from_station(station),
        station.info.timezone,
        tariff=station.tariff,
        base_dir=path.parent,
    )
    try:
        config = build_control_config(data, path, StrategyRegistry.from_entry_points(), context)
    except ConfigError as exc:  # the section sits under `control:` in the station file
        raise ConfigError(
            [dataclasses.replace(i, field=f"control.{i.field}".rstrip(".")) for i in exc.issues]
        ) from None
    issues = []
    named = [("heartbeat", pid) for pid in config.heartbeat]
    named += [("takeover", pid) for pid, _ in config.takeover]
    for field, pid in named:
        spec = station.points.get(pid)
        if spec is None or not spec.writable:
            why = "unknown point" if spec is None else f"not writable (kind {spec.kind})"
            issues.append(ConfigIssue(str(path), f"control.{field}", pid, why))
    if issues:
        raise ConfigError(issues)
    return config
