"""How values, qualities and times read on screen (shared by tiles, table and trend)."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from app.model import PointSpec
from app.points import PointValue, Quality
from ui.i18n import tr

# Decimals per unit, so that a column of like values lines up; others go by magnitude.
_UNIT_DECIMALS = {
    "kW": 1,
    "kvar": 1,
    "kVA": 1,
    "MW": 3,
    "kWh": 1,
    "MWh": 3,
    "%": 1,
    "V": 1,
    "A": 1,
    "Hz": 2,
    "°C": 1,
    "W/m²": 0,
}


def _decimals(value: float, unit: str) -> int:
    if unit in _UNIT_DECIMALS:
        return _UNIT_DECIMALS[unit]
    magnitude = abs(value)
    if magnitude >= 100:
        return 1
    if magnitude >= 1:
        return 2
    return 3


def format_number(value: float | int | bool | None, unit: str = "", lang: str = "en") -> str:
    """'1,234.5' for analogs; integers stay integers (status words, counts)."""
    if value is None:
        return tr("value.none", lang)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return tr("value.none", lang)
    return f"{value:,.{_decimals(value, unit)}f}"


def format_value(spec: PointSpec | None, pv: PointValue | None, lang: str = "en") -> str:
    """The value with its unit, e.g. '512.3 kW', 'on', '—' when there is none."""
    if pv is None or pv.value is None:
        return tr("value.none", lang)
    unit = spec.unit if spec is not None else ""
    if spec is not None and spec.kind == "digital":
        return tr("value.on" if pv.value else "value.off", lang)
    text = format_number(pv.value, unit, lang)
    return f"{text} {unit}" if unit else text


def quality_text(quality: Quality, lang: str = "en") -> str:
    """English keeps the machine form ('bad:comm_lost'); Chinese reads '坏:通信中断'."""
    if not lang.startswith("zh"):
        return str(quality)
    text = tr(f"q.{quality.status}", lang)
    return f"{text}:{tr(f'q.{quality.reason}', lang)}" if quality.reason else text


def quality_tag(quality: Quality, lang: str = "en") -> str:
    """Short tag for a tile: 'comm lost', 'uncertain', '' when good."""
    if quality.is_good:
        return ""
    if quality.reason:
        return tr(f"q.{quality.reason}", lang)
    return tr(f"q.{quality.status}", lang)


def format_time(ts: float | None, zone: ZoneInfo, with_date: bool = True) -> str:
    """A UTC epoch time in the station's zone: '2024-06-01 12:34:56'."""
    if ts is None or not math.isfinite(ts):
        return ""
    local = datetime.fromtimestamp(ts, zone)
    return local.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def zone_label(zone: ZoneInfo, ts: float) -> str:
    """'Asia/Shanghai, UTC+08:00' for headers, so nobody has to guess the clock."""
    offset = datetime.fromtimestamp(ts, zone).strftime("%z")
    return f"{zone.key}, UTC{offset[:3]}:{offset[3:]}"
