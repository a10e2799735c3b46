"""Which control configuration runs when the station starts.

* The station file's control section differs from the last version taken from the file:
  the file was edited, so it becomes a new version (actor "station-file") and runs.
* Otherwise the store's latest version runs, so a rollback or an operator change made while
  the station was stopped takes effect at the next start.
* A stored version that no longer validates (a strategy uninstalled, a point renamed) is
  refused with its file/field/value, and the station file's section runs instead.

Synchronous (SQLite and YAML): the runtime calls it off the event loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app.config.errors import ConfigError
from app.config.loader import read_yaml
from app.control.config import ControlConfig
from app.control_versions.canonical import section_sha
from app.control_versions.store import ControlVersion, VersionStore
from app.control_versions.validate import validate_section
from app.model import Station

log = logging.getLogger(__name__)

FILE_ACTOR = "station-file"


@dataclass(frozen=True)
class StartChoice:
    config: ControlConfig
    version: ControlVersion | None  # None: the file's section runs unversioned (see warning)
    recorded: ControlVersion | None = None  # a version made from the station file just now
    previous: ControlVersion | None = None  # the latest version before ``recorded``
    warning: str | None = None  # why the stored latest version does not run


def file_section(station: Station) -> Any:
    """The control section as written in the station file now."""
    data = read_yaml(station.source)
    return data.get("control") if isinstance(data, dict) else None


def choose_at_start(store: VersionStore, station: Station, now: float) -> StartChoice:
    assert station.control is not None, "a station without a control section has no versions"
    try:
        section = file_section(station)
        config = validate_section(section, station, str(station.source))
    except ConfigError as exc:  # edited (badly) since it was loaded: run what was loaded
        return StartChoice(station.control, None, warning=f"station file not versioned: {exc}")
    from_file = store.latest_from("file")
    latest = store.latest()
    if from_file is None or from_file.sha256 != section_sha(section):
        reason = "station file changed" if from_file else "station file (first version)"
        recorded = store.add(section, FILE_ACTOR, reason, "file", now)
        return StartChoice(config, recorded, recorded=recorded, previous=latest)
    assert latest is not None  # there is at least the file's version
    if latest.sha256 == from_file.sha256:
        return StartChoice(config, latest)
    try:
        stored = validate_section(latest.section, station, f"{store.path} {latest.label}")
    except ConfigError as exc:
        why = f"{latest.label} refused, it no longer validates: {exc}; running {from_file.label}"
        return StartChoice(config, from_file, warning=why)
    return StartChoice(stored, latest)
