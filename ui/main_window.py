"""The console's main window: it lays the panels out and wires them to the runtime.

    +----------------------------------------------------------------------+
    | alarm banner: newest unacknowledged alarm, counts per priority, mute |
    +----------------------------------------------------------------------+
    | overview: power tiles                   | today's energy tiles       |
    +--------------+--------------------------------------------+----------+
    | device tree  | point table of the selected device         | control  |
    +--------------+--------------------------------------------+----------+
    | tabs: trend (live + history) | alarms | shelved | history | KPIs     |
    +----------------------------------------------------------------------+
    | link state per device                     stats · station clock      |

Each panel lives in its own module; this file only builds and connects them. The runtime
is reached through its facade (station, bus, points, links, stats, query_history; control,
set_mode and set_manual for the control panel; the alarm facade for the banner and the
alarm tabs) and the bus adapter's rate-limited signals. The console journals a login when
the window opens and a logout when it closes, if the runtime records them.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.points import PointValue
from ui.alarm_banner import AlarmBanner
from ui.alarm_history import AlarmHistoryPanel
from ui.alarm_kpi import AlarmKpiPanel
from ui.alarm_list import AlarmListPanel
from ui.alarm_masked import ShelvedListPanel
from ui.alarm_rule_dialog import AlarmRuleEditor
from ui.alarm_sound import AlarmSound
from ui.control_panel import ControlPanel
from ui.device_tree import SITE, DeviceTree, points_for
from ui.i18n import LANGUAGES, tr
from ui.overview import OverviewPanel
from ui.point_table_view import PointTableModel, PointTableView
from ui.scrolling import horizontal_strip, vertical_scroll
from ui.signals import BusAdapter
from ui.status_bar import StationStatusBar
from ui.trend import TrendPanel

# what the trend shows when the console opens: the site balance
DEFAULT_TREND = ("site.pv_p", "site.load_p", "site.grid_p", "site.bess_p")


def _panel(title: QLabel, *widgets: QWidget, hint: QLabel | None = None) -> QFrame:
    frame = QFrame()
    frame.setObjectName("panel")
    box = QVBoxLayout(frame)
    box.setContentsMargins(6, 4, 6, 6)
    box.setSpacing(4)
    title.setObjectName("panelTitle")
    box.addWidget(title)
    for widget in widgets:
        box.addWidget(widget, 1)
    if hint is not None:
        hint.setObjectName("tileDetail")
        box.addWidget(hint)
    return frame


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(
        self,
        runtime: Any,
        lang: str = "en",
        max_rate_hz: float = 4.0,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.lang = lang
        self._max_rate_hz = max_rate_hz
        self._zone = ZoneInfo(runtime.station.info.timezone)
        self._closed = False
        # one sound per window: a language switch rebuilds the panels, not the alert
        self.alarm_sound = AlarmSound(settings=settings, parent=self)
        self._fit_to_screen()
        self._build(selected=None, trend_points=DEFAULT_TREND, span_s=None, last={})

    def _fit_to_screen(self) -> None:
        screen = QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        width, height = 1600, 1000
        if area is not None:
            width, height = min(width, area.width()), min(height, area.height())
        self.resize(width, height)

    # ---- construction ------------------------------------------------------------------
    def _build(
        self,
        selected: str | None,
        trend_points: tuple[str, ...],
        span_s: int | None,
        last: dict[str, Any],
    ) -> None:
        rt, lang = self.runtime, self.lang
        station = rt.station
        self.setWindowTitle(station.info.name.text(lang))
        snapshot = rt.points.snapshot()

        self.overview = OverviewPanel(station, snapshot, lang)
        self.tree = DeviceTree(station, lang)
        now = rt.now() if hasattr(rt, "now") else None  # station time (a demo's clock)
        self.table_model = PointTableModel(self._zone, lang, now=now)
        self.table_view = PointTableView(self.table_model)
        self.table_title = QLabel(tr("table.title", lang))
        self.trend = TrendPanel(rt, lang)
        self.banner = AlarmBanner(rt, lang, self._zone, sound=self.alarm_sound)
        self.alarm_list = AlarmListPanel(rt, lang, self._zone)
        self.shelved_list = ShelvedListPanel(rt, lang, self._zone)
        self.alarm_history = AlarmHistoryPanel(rt, lang, self._zone)
        self.alarm_kpis = AlarmKpiPanel(rt, lang, self._zone)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("bottomTabs")
        self.tabs.addTab(self.trend, tr("trend.title", lang))
        self.tabs.addTab(self.alarm_list, tr("alarms.title", lang))
        self.tabs.addTab(self.shelved_list, tr("shelved.title", lang))
        self.tabs.addTab(self.alarm_history, tr("history.title", lang))
        self.tabs.addTab(self.alarm_kpis, tr("kpi.title", lang))
        self.control_panel = ControlPanel(rt, lang, self._zone, last=last)
        self.status = StationStatusBar(rt, lang)
        self.setStatusBar(self.status)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(_panel(QLabel(tr("tree.title", lang)), self.tree))
        top.addWidget(
            _panel(self.table_title, self.table_view, hint=QLabel(tr("table.hint", lang)))
        )
        top.addWidget(
            _panel(QLabel(tr("control.title", lang)), vertical_scroll(self.control_panel))
        )
        top.setSizes([300, 960, 340])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(self.tabs)
        body.setSizes([470, 320])
        for splitter in (top, body):
            splitter.setChildrenCollapsible(False)
            splitter.setHandleWidth(6)

        central = QWidget()
        central.setObjectName("central")
        box = QVBoxLayout(central)
        box.setContentsMargins(6, 6, 6, 6)
        box.setSpacing(6)
        box.addWidget(self.banner)
        box.addWidget(horizontal_strip(self.overview))
        box.addWidget(body, 1)
        self.setCentralWidget(central)
        self._build_menu()

        self.adapter = BusAdapter(rt.bus, self._max_rate_hz, self)
        self.adapter.points_changed.connect(self._on_points)
        self.adapter.links_changed.connect(self._on_links)
        self.tree.selected.connect(self._show_device)
        self.table_view.activated_point.connect(self.trend.add_point)
        self.tree.set_links(rt.links)
        self.adapter.alarms_changed.connect(self.banner.refresh)
        self.adapter.alarms_changed.connect(self.alarm_list.refresh)
        self.adapter.alarms_changed.connect(self.shelved_list.refresh)
        self.banner.active_changed.connect(self.tree.set_alarms)
        self.banner.active_changed.connect(self.table_model.set_alarms)
        self.banner.open_list_requested.connect(lambda: self.tabs.setCurrentWidget(self.alarm_list))
        self.alarm_list.trend_requested.connect(self._trend_point)
        self.rule_editor = AlarmRuleEditor(rt, lang, self)
        self.table_view.edit_alarm_rule_requested.connect(self.rule_editor.open_for)

        keys = self.tree.keys()
        self.tree.select(selected if selected in keys else (keys[0] if keys else SITE))
        if span_s is not None:
            self.trend.set_span(span_s)
        for point_id in trend_points:
            self.trend.add_point(point_id)
        self.banner.refresh()  # the alarms already active when the window opens
        self.alarm_list.refresh()
        self.shelved_list.refresh()

    def _build_menu(self) -> None:
        bar = self.menuBar()
        bar.clear()
        view = bar.addMenu(tr("menu.view", self.lang))
        languages = view.addMenu(tr("menu.language", self.lang))
        group = QActionGroup(self)
        for code, label in LANGUAGES.items():
            action = QAction(label, self, checkable=True, checked=code == self.lang)
            action.triggered.connect(lambda _=False, c=code: self.set_language(c))
            group.addAction(action)
            languages.addAction(action)

    def set_language(self, lang: str) -> None:
        """Rebuild the panels in ``lang``, keeping the selected device and the trend."""
        if lang == self.lang:
            return
        selected = self.tree.current_key()
        trend_points, span_s = tuple(self.trend.series), self.trend.span_s
        last = self.control_panel.last_commands  # "Last command" survives the rebuild
        self._teardown()
        old = self.takeCentralWidget()
        if old is not None:
            old.deleteLater()
        self.lang = lang
        self._build(selected, trend_points, span_s, last)

    def _teardown(self) -> None:
        self.adapter.close()
        self.adapter.deleteLater()
        self.trend.close_tasks()
        self.control_panel.close_panel()
        self.banner.close_banner()
        self.alarm_list.close_panel()
        self.shelved_list.close_panel()
        self.alarm_history.close_panel()
        self.alarm_kpis.close_panel()
        self.rule_editor.close()

    # ---- events ------------------------------------------------------------------------
    def _show_device(self, key: str) -> None:
        station = self.runtime.station
        device = station.devices.get(key)
        name = device.name.text(self.lang) if device is not None else tr("tree.site", self.lang)
        self.table_title.setText(f"{tr('table.title', self.lang)} — {name}")
        self.table_model.set_points(points_for(station, key), self.runtime.points.snapshot())

    def _trend_point(self, point_id: str) -> None:
        self.trend.add_point(point_id)
        self.tabs.setCurrentWidget(self.trend)

    def _on_points(self, batch: dict[str, PointValue]) -> None:
        self.overview.apply(batch)
        self.table_model.apply(batch)
        self.trend.apply(batch)

    def _on_links(self, links: dict[str, Any]) -> None:
        self.status.set_links(links)
        self.tree.set_links(links)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if self._closed:
            return
        self._closed = True
        self._teardown()
        self.alarm_sound.stop()
        self.status.stop()
        self.closed.emit()
