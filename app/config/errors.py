"""Configuration errors that name the file, the field path and the bad value."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        shown = repr(self.value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return f"{where}: {self.message} (value: {shown})"


class ConfigError(Exception):
    """One or more problems in configuration files; nothing was started."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def field_path(loc: Iterable[Any], prefix: str = "") -> str:
    """('devices', 2, 'template') -> 'devices[2].template'."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def issues_from_validation(
    file: str | Path, error: ValidationError, prefix: str = "", data: Any = None
) -> list[ConfigIssue]:
    """Turn pydantic's errors into ConfigIssues; ``data`` recovers the offending value."""
    issues = []
    for err in error.errors():
        loc = tuple(err["loc"])
        # pydantic appends the union/tagged-union branch name; it means nothing to a user.
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key (typo?)"
        value = err.get("input")
        if err["type"] == "missing":
            value = None
            message = "required field is missing"
        issues.append(ConfigIssue(str(file), field_path(loc, prefix), value, message))
    return issues
