"""Station and device-template configuration: schema, loading and error reporting."""

from app.config.errors import ConfigError, ConfigIssue
from app.config.loader import load_station, load_template

__all__ = ["ConfigError", "ConfigIssue", "load_station", "load_template"]
