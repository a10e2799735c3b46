"""Strategy classes by kind, found through the ``ems_console.strategies`` entry points.

An instance, not a module global: tests build their own and register test doubles.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any

from app.control.strategy import StrategyFactory

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ems_console.strategies"


class StrategyRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, StrategyFactory] = {}

    def register(self, factory: Any, kind: str | None = None) -> None:
        self._kinds[kind or factory.kind] = factory

    def get(self, kind: str) -> StrategyFactory:
        return self._kinds[kind]

    def kinds(self) -> list[str]:
        return sorted(self._kinds)

    def __contains__(self, kind: object) -> bool:
        return kind in self._kinds

    @classmethod
    def from_entry_points(cls) -> StrategyRegistry:
        registry = cls()
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                factory = ep.load()
            except Exception:
                log.exception("strategy %s could not be loaded", ep.name)
                continue
            registry.register(factory, ep.name)
        return registry
