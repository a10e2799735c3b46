"""Status bar: every device's link state, the runtime's stats and the station clock.

A link that is up reads in grey ('● pv1 ok'); a link that is down is the one red thing in
the bar ('● pv1 down'), with the driver's detail in the tooltip. A device whose state is not
known yet (just started) is faint, not red: nothing has failed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QStatusBar, QWidget

from app.drivers_api import LinkState
from app.model import Station
from ui.format import format_time
from ui.i18n import tr

_OBJECT_NAME = {"ok": "linkOk", "down": "linkDown", "unknown": "linkUnknown"}
# compact, because a station has many devices: words only where something is wrong
_GLYPH = {"ok": "●", "down": "●", "unknown": "○"}


def link_word(state: LinkState | None) -> str:
    if state is None:
        return "unknown"
    return "ok" if state.up else "down"


def link_text(device_id: str, word: str, lang: str) -> str:
    """'● pv1' when up, '● pv1 down' when down, '○ pv1' while unknown."""
    text = f"{_GLYPH[word]} {device_id}"
    return f"{text} {tr('link.down', lang)}" if word == "down" else text


def format_stats(stats: Mapping[str, float], lang: str) -> tuple[str, bool, str]:
    """(status-bar text, abnormal?, tooltip with every figure) from the runtime's stats.

    The bar shows loop lag, the control cycle's time and lateness, and the history writer's
    health; a failing or dropping history or an overrunning cycle is abnormal (alarm
    colour). Every other figure is in the tooltip.
    """
    parts: list[str] = []
    abnormal = False
    lag, lag_max = stats.get("loop_lag_ms"), stats.get("loop_lag_max_ms")
    if lag is not None and math.isfinite(lag):
        text = f"{tr('stat.loop_lag_ms', lang)} {lag:.1f} ms"
        if lag_max is not None and math.isfinite(lag_max):
            text += f" ({tr('stat.loop_lag_max_ms', lang)} {lag_max:.1f})"
        parts.append(text)
    if "cycle_ms" in stats:
        period = stats.get("cycle_period_ms", 1000.0)
        took, late = stats["cycle_ms"], stats.get("cycle_lateness_ms", 0.0)
        parts.append(tr("stat.cycle", lang, took=f"{took:.1f}", late=f"{late:.0f}"))
        # a cycle that eats half its period, or starts a period late, is abnormal
        abnormal = abnormal or took > period / 2 or late > period
    if "history_healthy" in stats:
        lost = int(stats.get("history_dropped", 0) + stats.get("history_lost", 0))
        if not stats["history_healthy"]:
            abnormal = True
            parts.append(tr("stat.history_failing", lang))
        elif lost:
            abnormal = True
            parts.append(tr("stat.history_lost", lang, n=f"{lost:,}"))
        else:
            parts.append(tr("stat.history_ok", lang))
    tooltip = "\n".join(f"{key}: {value:,.6g}" for key, value in sorted(stats.items()))
    return " · ".join(parts), abnormal, tooltip


class StationStatusBar(QStatusBar):
    """``runtime`` needs ``station``, ``links`` and ``stats``; the clock shows its ``now()``
    (station time, shifted in a demo), else the wall clock."""

    def __init__(self, runtime: Any, lang: str, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self.setSizeGripEnabled(False)
        self._runtime = runtime
        self._station: Station = runtime.station
        self._lang = lang
        self._clock = clock or getattr(runtime, "now", time.time)
        self._zone = ZoneInfo(self._station.info.timezone)
        self.links: dict[str, QLabel] = {}
        self.states: dict[str, str] = {}
        # The link labels share one strip that never widens the window: with many devices
        # down ("● pv1 down" ...) the strip is clipped at its right end instead of pushing
        # the window past the screen (the device tree and the alarm banner say it too).
        strip = QWidget()
        strip.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(strip)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        for device in self._station.devices.values():
            label = QLabel()
            self.links[device.id] = label
            row.addWidget(label)
        row.addStretch(1)
        self.addWidget(strip, 1)
        self.set_links({d: runtime.links.get(d) for d in self.links})
        self.stats = QLabel()
        self.stats.setObjectName("stats")
        self.clock = QLabel()
        self.clock.setObjectName("stats")
        self.addPermanentWidget(self.stats)
        self.addPermanentWidget(self.clock)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(1000)
        self.refresh()

    def set_links(self, links: Mapping[str, LinkState | None]) -> None:
        for device_id, state in links.items():
            label = self.links.get(device_id)
            if label is None:
                continue
            word = link_word(state)
            self.states[device_id] = word
            device = self._station.devices[device_id]
            label.setText(link_text(device_id, word, self._lang))
            detail = state.detail if state is not None else ""
            label.setToolTip(
                tr(
                    "link.tooltip",
                    self._lang,
                    name=device.name.text(self._lang),
                    state=tr(f"link.{word}", self._lang),
                    detail=detail,
                ).strip()
            )
            _set_object_name(label, _OBJECT_NAME[word])

    def refresh(self) -> None:
        """Once a second: stats (an in-memory dict, no I/O) and the station clock."""
        stats = getattr(self._runtime, "stats", None) or {}
        text, abnormal, tooltip = format_stats(stats, self._lang)
        self.stats.setText(text)
        self.stats.setToolTip(tooltip)
        _set_object_name(self.stats, "statsAlarm" if abnormal else "stats")
        now = self._clock()
        self.clock.setText(f"{tr('status.clock', self._lang)} {format_time(now, self._zone)}")

    def stop(self) -> None:
        self._timer.stop()


def _set_object_name(label: QLabel, name: str) -> None:
    """Switch a label's style rule (theme.STYLESHEET selects on object names)."""
    if label.objectName() != name:
        label.setObjectName(name)
        label.style().unpolish(label)
        label.style().polish(label)
