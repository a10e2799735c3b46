"""Operator permissions: who may acknowledge, shelve, control and edit alarm rules.

A station file may carry an ``access:`` section (docs/alarms.md, "Permissions"):

    access:
      default_role: operator          # users not listed
      roles:                          # optional; DEFAULT_ROLES if absent
        viewer: []
        operator: [acknowledge, control]
        supervisor: [acknowledge, shelve, control, edit_alarms]
      users: {alice: supervisor, bob: operator}

Without the section every user has every permission: a single-user demo or commissioning
laptop has nobody to tell apart (docs/decisions.md). The runtime checks a permission before
an operator action; a denied action raises ``PermissionDenied`` (a PermissionError naming the
user and the permission) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.config.errors import ConfigError, ConfigIssue, issues_from_validation

ACKNOWLEDGE = "acknowledge"
SHELVE = "shelve"
CONTROL = "control"
EDIT_ALARMS = "edit_alarms"

PERMISSIONS = frozenset({ACKNOWLEDGE, SHELVE, CONTROL, EDIT_ALARMS})

DEFAULT_ROLES: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "operator": frozenset({ACKNOWLEDGE, CONTROL}),
    "supervisor": frozenset(PERMISSIONS),
}
"""The roles a station gets when its ``access:`` section names none."""


class PermissionDenied(PermissionError):
    """``user`` lacks ``permission``; nothing was changed."""

    def __init__(self, user: str, permission: str, action: str) -> None:
        self.user = user
        self.permission = permission
        self.action = action
        super().__init__(f"user {user!r} lacks the {permission!r} permission ({action})")


class AccessConfig(BaseModel):
    """The ``access:`` section as written; cross-references are checked by ``parse_access``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_role: str = "viewer"
    roles: dict[str, list[str]] | None = None
    users: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class AccessPolicy:
    """Roles (name -> permissions), users (name -> role) and the role of everyone else."""

    roles: Mapping[str, frozenset[str]]
    users: Mapping[str, str]
    default_role: str

    def role_of(self, user: str) -> str:
        return self.users.get(user, self.default_role)

    def permissions(self, user: str) -> frozenset[str]:
        return self.roles[self.role_of(user)]


def permissions_of(policy: AccessPolicy | None, user: str) -> frozenset[str]:
    """What ``user`` may do; every permission when the station has no ``access:`` section."""
    return PERMISSIONS if policy is None else policy.permissions(user)


def parse_access(file: Path | str, data: Any) -> AccessPolicy:
    """The station's ``access:`` section; ConfigError lists every problem (file, field, value)."""
    try:
        config = AccessConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(issues_from_validation(file, exc, prefix="access")) from None
    issues: list[ConfigIssue] = []
    known = ", ".join(sorted(PERMISSIONS))
    roles: dict[str, frozenset[str]] = {}
    if config.roles is None:
        roles = dict(DEFAULT_ROLES)
    else:
        for role, perms in config.roles.items():
            for i, perm in enumerate(perms):
                if perm not in PERMISSIONS:
                    issues.append(
                        ConfigIssue(
                            str(file),
                            f"access.roles.{role}[{i}]",
                            perm,
                            f"unknown permission (known: {known})",
                        )
                    )
            roles[role] = frozenset(p for p in perms if p in PERMISSIONS)
    names = ", ".join(sorted(roles)) or "none defined"
    if config.default_role not in roles:
        issues.append(
            ConfigIssue(
                str(file),
                "access.default_role",
                config.default_role,
                f"unknown role (roles: {names})",
            )
        )
    for user, role in config.users.items():
        if role not in roles:
            issues.append(
                ConfigIssue(
                    str(file), f"access.users.{user}", role, f"unknown role (roles: {names})"
                )
            )
    if issues:
        raise ConfigError(issues)
    return AccessPolicy(roles, dict(config.users), config.default_role)
