"""What changed between two versions: a unified diff of their canonical YAML."""

from __future__ import annotations

import difflib

from app.control_versions.store import ControlVersion


def unified_diff(old: ControlVersion, new: ControlVersion) -> str:
    """Empty when the two versions have the same content."""
    lines = difflib.unified_diff(
        old.yaml().splitlines(keepends=True),
        new.yaml().splitlines(keepends=True),
        fromfile=old.label,
        tofile=new.label,
    )
    return "".join(lines)
