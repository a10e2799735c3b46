"""A control section checked exactly as the station loader checks it, wherever it came from."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.config.errors import ConfigError
from app.config.loader import _control  # the loader's own check: strategies, params, points
from app.control.config import ControlConfig
from app.model import Station


def validate_section(section: Any, station: Station, label: str) -> ControlConfig:
    """Build the section for ``station``; ConfigError names ``label``, the field and the value.

    Relative files a strategy reads (schedules) are found beside the station file, as at load.
    """
    try:
        config: ControlConfig = _control(station.source, section, station)
    except ConfigError as exc:
        raise ConfigError([dataclasses.replace(i, file=label) for i in exc.issues]) from None
    return config
