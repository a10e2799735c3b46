"""`check-config FILE`: validate a station file or a device template without starting anything."""

from __future__ import annotations

import sys
from pathlib import Path

from app.config.errors import ConfigError
from app.config.loader import _mapping, load_station, load_template, read_yaml
from app.drivers_api import DriverRegistry


def check_config(path: Path, registry: DriverRegistry | None = None) -> int:
    """Print a one-line summary and return 0, or print each problem and return 2."""
    registry = registry if registry is not None else DriverRegistry.from_entry_points()
    try:
        data = _mapping(path, read_yaml(path))
        if "station" in data:
            station = load_station(path, registry)
            print(
                f"OK: station {station.info.id!r} — {len(station.connections)} connection(s), "
                f"{len(station.devices)} device(s), {len(station.points)} point(s)"
            )
        else:
            template = load_template(path)
            if template.protocol in registry:
                # the driver's own checks of every point address
                from app.config.loader import validate_template_addresses

                validate_template_addresses(path, template, registry.get(template.protocol))
            print(f"OK: template {template.id!r} — {len(template.points)} point(s)")
    except ConfigError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=sys.stderr)
        return 2
    return 0
