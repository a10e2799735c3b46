"""Versioned control configurations: every change is a stored, auditable, diffable version.

store.py keeps the versions in their own SQLite file; diff.py compares two of them;
startup.py decides which version runs when the station starts; manager.py applies new
versions to the running control loop; cli.py is `main.py control ...`.
"""

from app.control_versions.store import (
    VERSIONS_FILENAME,
    ControlVersion,
    VersionStore,
    versions_path,
)

__all__ = ["VERSIONS_FILENAME", "ControlVersion", "VersionStore", "versions_path"]
