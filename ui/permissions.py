"""What the console's user may do: the permissions a panel reads once, and the tooltip of a
control greyed out for want of one (app/access.py holds the rules)."""

from __future__ import annotations

from typing import Any

from app.access import PERMISSIONS
from ui.i18n import tr


def granted(runtime: Any, user: str) -> frozenset[str]:
    """The user's permissions (read once by a panel); all of them if the runtime has none."""
    permissions = getattr(runtime, "permissions", None)
    return frozenset(permissions(user)) if permissions is not None else PERMISSIONS


def missing_tip(permission: str, user: str, lang: str) -> str:
    """The tooltip of a control greyed out because ``user`` lacks ``permission``."""
    name = tr(f"perm.name.{permission}", lang)
    return tr("perm.missing", lang, user=user, name=name, permission=permission)
