"""The active alarm list (issue 4, ISA-18.2); the shelved / out-of-service list is
ui/alarm_masked.py.

    Device [All ▾]  Priority [All ▾]  State [All ▾]            12 of 40 alarms shown
    | Priority | Activated (zone) | Device | Message | State | Point |
    [Acknowledge selected…] [Acknowledge all shown…] [Shelve…] [Remove from service…] [Trend]
    message line: what was done, or in red why not

``refresh()`` re-reads ``runtime.alarms_active()`` (the lead's wiring calls it on the bus
adapter's rate-limited ``alarms_changed``, so a storm is one refresh) and keeps the
operator's selection and scroll position by alarm id. Every action asks first (a
window-modal dialog opened with ``open()``), acts on the alarms as they were when it was
asked, and runs the runtime's audited coroutine as a background task: the GUI never waits.
Any exception the runtime raises (unknown alarm, bad duration, no permission) is shown in
the message line, never raised into Qt.

Permissions are read once, at construction, from ``runtime.permissions(user)`` (a runtime
without it allows everything): the acknowledge buttons need ``acknowledge``, Shelve needs
``shelve``, Remove from service needs ``edit_alarms``; a button greyed out for want of one
says so in its tooltip. The runtime still checks every call: a refusal is shown like any
other error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.access import ACKNOWLEDGE, EDIT_ALARMS, SHELVE
from app.alarms.engine import AlarmView
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import AlarmState, Priority
from ui.alarm_dialogs import (
    AckDialog,
    RemoveFromServiceDialog,
    ShelveChoice,
    ShelveDialog,
    duration_text,
)
from ui.alarm_panel import AlarmPanel, sources_of
from ui.alarm_table_model import (
    ACKABLE,
    AlarmFilter,
    AlarmTableModel,
    priority_text,
    state_text,
)
from ui.i18n import tr
from ui.permissions import missing_tip

log = logging.getLogger(__name__)


class AlarmListPanel(AlarmPanel):
    """The active alarm list: unack, acked and cleared-unack alarms, filtered and acted on."""

    trend_requested = Signal(str)

    def __init__(
        self,
        runtime: Any,
        lang: str,
        zone: ZoneInfo,
        user: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runtime, lang, zone, user, AlarmTableModel(lang, zone), parent)
        self._build()
        self.refresh()

    def _build(self) -> None:
        lang = self.lang
        self.device_combo = QComboBox()
        self.device_combo.addItem(tr("alarms.filter.all_devices", lang), None)
        self.device_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.priority_combo = QComboBox()
        self.priority_combo.addItem(tr("alarms.filter.all_priorities", lang), None)
        for p in Priority:
            self.priority_combo.addItem(priority_text(p, lang), p.value)
        self.state_combo = QComboBox()
        self.state_combo.addItem(tr("alarms.filter.all_states", lang), None)
        for s in (AlarmState.UNACK, AlarmState.ACKED, AlarmState.RTN_UNACK):
            self.state_combo.addItem(state_text(s, lang), s.value)
        for combo in (self.device_combo, self.priority_combo, self.state_combo):
            combo.currentIndexChanged.connect(self._filter_changed)
        self.count = QLabel("")
        self.count.setObjectName("tileDetail")

        filters = QHBoxLayout()
        for key, combo in (
            ("alarms.filter.device", self.device_combo),
            ("alarms.filter.priority", self.priority_combo),
            ("alarms.filter.state", self.state_combo),
        ):
            label = QLabel(tr(key, lang))
            label.setObjectName("tileTitle")
            filters.addWidget(label)
            filters.addWidget(combo)
        filters.addStretch(1)
        filters.addWidget(self.count)

        self.ack_selected_button = QPushButton(tr("alarms.ack_selected", lang))
        self.ack_visible_button = QPushButton(tr("alarms.ack_visible", lang))
        self.shelve_button = QPushButton(tr("alarms.shelve", lang))
        self.remove_button = QPushButton(tr("alarms.remove_from_service", lang))
        self.trend_button = QPushButton(tr("alarms.trend", lang))
        self.trend_button.setToolTip(tr("alarms.trend_tip", lang))
        for button, permission in (
            (self.ack_selected_button, ACKNOWLEDGE),
            (self.ack_visible_button, ACKNOWLEDGE),
            (self.shelve_button, SHELVE),
            (self.remove_button, EDIT_ALARMS),
        ):
            if permission not in self.permissions:
                button.setToolTip(missing_tip(permission, self.user, lang))
        self.ack_selected_button.clicked.connect(self.request_ack_selected)
        self.ack_visible_button.clicked.connect(self.request_ack_visible)
        self.shelve_button.clicked.connect(self.request_shelve)
        self.remove_button.clicked.connect(self.request_remove_from_service)
        self.trend_button.clicked.connect(self.request_trend)
        self.table.doubleClicked.connect(self._double_clicked)
        buttons = QHBoxLayout()
        for button in (
            self.ack_selected_button,
            self.ack_visible_button,
            self.shelve_button,
            self.remove_button,
            self.trend_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        header = self.table.horizontalHeader()
        for column, width in enumerate((90, 170, 90, 380, 170, 190)):
            # never narrower than the header's text ("Activated", 触发时间 in a wider font)
            header.resizeSection(column, max(width, header.sectionSizeHint(column)))
        # the message takes the spare width (the point id column does not need it)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(
            self.model.columns.index("message"), QHeaderView.ResizeMode.Stretch
        )

        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addLayout(filters)
        box.addWidget(self.table, 1)
        box.addLayout(buttons)
        box.addWidget(self.message)

    # ---- content ---------------------------------------------------------------------
    def refresh(self, entries: Sequence[JournalEntry] | None = None) -> None:
        """Re-read the active list; the selection and scroll position stay on their alarms.
        ``entries`` (the batch that caused it) are not needed: the list is the engine's."""
        if self._closed:
            return
        views = self.runtime.alarms_active()
        self._sync_devices(views)
        self._set_alarms(views)
        self._show_count()
        self._update_buttons()

    def _sync_devices(self, views: Sequence[AlarmView]) -> None:
        wanted = sources_of(self.runtime, views)
        have = [self.device_combo.itemData(i) for i in range(1, self.device_combo.count())]
        if have == wanted:
            return
        current = self.device_combo.currentData()
        self.device_combo.blockSignals(True)
        try:
            while self.device_combo.count() > 1:
                self.device_combo.removeItem(1)
            for source in wanted:
                self.device_combo.addItem(self._device_label(source), source)
            index = self.device_combo.findData(current) if current is not None else 0
            self.device_combo.setCurrentIndex(max(0, index))
        finally:
            self.device_combo.blockSignals(False)

    def _device_label(self, source: str) -> str:
        device = self.runtime.station.devices.get(source)
        name = getattr(device, "name", None)
        text = name.text(self.lang) if name is not None else ""
        return f"{source} — {text}" if text and text != source else source

    def _filter_changed(self, _index: int = 0) -> None:
        priority = self.priority_combo.currentData()
        state = self.state_combo.currentData()
        self.set_filter(
            AlarmFilter(
                self.device_combo.currentData(),
                Priority(priority) if priority else None,
                AlarmState(state) if state else None,
            )
        )

    def set_filter(self, flt: AlarmFilter) -> None:
        """Show only the alarms that pass ``flt`` (the combos call this); the selection of
        alarms still shown is kept."""
        keep = [v.alarm_id for v in self.selected()]
        self.model.set_filter(flt)
        if keep:
            self.select_ids(keep)
        self._show_count()
        self._update_buttons()

    def _show_count(self) -> None:
        self.count.setText(
            tr(
                "alarms.count",
                self.lang,
                shown=len(self.model.visible),
                total=len(self.model.all_alarms),
            )
        )

    def _update_buttons(self) -> None:
        selected = self.selected()
        idle = not self.busy
        may_ack = idle and ACKNOWLEDGE in self.permissions
        self.ack_selected_button.setEnabled(may_ack and any(v.state in ACKABLE for v in selected))
        self.ack_visible_button.setEnabled(
            may_ack and any(v.state in ACKABLE for v in self.model.visible)
        )
        self.shelve_button.setEnabled(idle and SHELVE in self.permissions and len(selected) == 1)
        self.remove_button.setEnabled(
            idle and EDIT_ALARMS in self.permissions and len(selected) == 1
        )
        self.trend_button.setEnabled(len(selected) == 1 and bool(selected[0].point_id))

    # ---- operator requests -----------------------------------------------------------
    def request_ack_selected(self) -> None:
        self._request_ack(self.selected())

    def request_ack_visible(self) -> None:
        """Acknowledge the alarms the filter shows now, and only those."""
        self._request_ack(list(self.model.visible))

    def _request_ack(self, views: Sequence[AlarmView]) -> None:
        if self.busy:
            return
        # the alarms as they are now: the answer acts on these, whatever arrives meanwhile
        ids = [v.alarm_id for v in views if v.state in ACKABLE]
        if not ids:
            self.say(tr("alarms.nothing_to_ack", self.lang))
            return

        def send(comment: str) -> None:
            self._run(
                lambda: self.runtime.acknowledge_alarms(ids, self.user, comment),
                lambda: tr("alarms.acked_done", self.lang, n=len(ids)),
            )

        self._ask(AckDialog(len(ids), self.user, self.lang, self.window()), send)

    def request_shelve(self) -> None:
        selected = self.selected()
        if self.busy or len(selected) != 1:
            return
        alarm_id = selected[0].alarm_id

        def send(choice: ShelveChoice) -> None:
            self._run(
                lambda: self.runtime.shelve_alarm(
                    alarm_id, self.user, choice.reason, choice.duration_s
                ),
                lambda: tr(
                    "alarms.shelved_done",
                    self.lang,
                    alarm=alarm_id,
                    duration=duration_text(choice.duration_s, self.lang),
                ),
            )

        self._ask(ShelveDialog(alarm_id, self.user, self.lang, self.window()), send)

    def request_remove_from_service(self) -> None:
        """Take the one selected alarm out of service (maintenance), with a reason."""
        selected = self.selected()
        if self.busy or len(selected) != 1:
            return
        alarm_id = selected[0].alarm_id

        def send(reason: str) -> None:
            self._run(
                lambda: self.runtime.remove_alarm_from_service(alarm_id, self.user, reason),
                lambda: tr("alarms.oos_done", self.lang, alarm=alarm_id),
            )

        self._ask(RemoveFromServiceDialog(alarm_id, self.user, self.lang, self.window()), send)

    def request_trend(self) -> None:
        selected = self.selected()
        if len(selected) == 1 and selected[0].point_id:
            self.trend_requested.emit(selected[0].point_id)

    def _double_clicked(self, index: QModelIndex) -> None:
        view = self.model.view_at(index.row())
        if view is not None and view.point_id:
            self.trend_requested.emit(view.point_id)
