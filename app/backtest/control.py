"""The control configuration a backtest runs: the station's own, or a documented default.

Strategies are built fresh for every run (they keep state: demand windows, hysteresis), with
the backtest's tariff as the TOU period source, so two runs replay exactly the same.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.config.loader import read_yaml
from app.control.config import ControlConfig, build_control_config
from app.control.registry import StrategyRegistry
from app.control.snapshot import SiteRoles
from app.control.strategy import StrategyContext
from app.model import Station
from app.tariff import Tariff

DEFAULT_DEMAND_LIMIT_KW = 600.0


class StrategyNotFound(LookupError):
    pass


def default_control(demand_limit_kw: float = DEFAULT_DEMAND_LIMIT_KW) -> dict[str, Any]:
    """Demand control at the limit, zero export, SOC management and the TOU strategy."""
    return {
        "strategies": [
            {"kind": "demand_control", "params": {"limit_kw": demand_limit_kw}},
            {"kind": "export_limit", "params": {"limit_kw": 0}},
            {"kind": "soc_management"},
            {"kind": "peak_valley_tou"},
        ]
    }


def control_section(station: Station) -> dict[str, Any] | None:
    """The raw ``control:`` mapping of the station file, or None."""
    data = read_yaml(station.source)
    section = data.get("control") if isinstance(data, dict) else None
    return section if isinstance(section, dict) else None


def build_backtest_control(
    station: Station,
    tariff: Tariff,
    roles: SiteRoles,
    strategy: str | None = None,
    section: dict[str, Any] | None = None,
    section_source: str | None = None,
    registry: StrategyRegistry | None = None,
) -> tuple[ControlConfig, list[str]]:
    """(config, notes). ``strategy`` keeps only the strategy of that name (or kind)."""
    notes: list[str] = []
    if section is None:
        section = control_section(station)
    source = section_source or f"{station.source} (control)"
    if section is None:
        section = default_control()
        source = "default control config"
        notes.append(
            f"{station.source} has no control section: using the default "
            f"(demand_control at {DEFAULT_DEMAND_LIMIT_KW:g} kW, export_limit at 0 kW, "
            "soc_management, peak_valley_tou)"
        )
    context = StrategyContext(roles, station.info.timezone, tariff)
    config = build_control_config(
        section, source, registry or StrategyRegistry.from_entry_points(), context
    )
    if strategy is not None:
        chosen = tuple(
            s for s in config.strategies if s.name == strategy or getattr(s, "kind", "") == strategy
        )
        if not chosen:
            names = ", ".join(s.name for s in config.strategies) or "none"
            raise StrategyNotFound(
                f"strategy {strategy!r} is not in the control config (configured: {names})"
            )
        config = replace(config, strategies=chosen)
        notes.append(f"only strategy {strategy!r} runs")
    return config, notes
