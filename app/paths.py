"""Where the program finds its shipped resources and keeps its data."""

from __future__ import annotations

from pathlib import Path

import platformdirs

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
BUILTIN_TEMPLATES = RESOURCES / "templates"
DEMO_STATION = RESOURCES / "stations" / "demo.yaml"
BUILTIN_TARIFFS = RESOURCES / "tariffs"


def default_data_dir() -> Path:
    """The platform's per-user data folder (e.g. ~/.local/share/ems-console)."""
    return Path(platformdirs.user_data_dir("ems-console", appauthor=False))
