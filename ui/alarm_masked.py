"""The shelved / out-of-service list: who masked each alarm, since when, until when and
why (from the journal and the engine), with Unshelve and Return to service (issue 4)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.access import EDIT_ALARMS, SHELVE
from app.alarms.journal_entry import JournalEntry
from app.alarms.states import LISTED, AlarmState
from ui.alarm_dialogs import (
    ReturnToServiceDialog,
    UnshelveDialog,
)
from ui.alarm_panel import MAX_SHELVE_S, AlarmPanel
from ui.alarm_table_model import (
    ShelvedTableModel,
)
from ui.i18n import tr
from ui.permissions import missing_tip

log = logging.getLogger(__name__)


class ShelvedListPanel(AlarmPanel):
    """Shelved and out-of-service alarms (the state column says which), with who masked
    each, when and why (from the journal), when a shelve ends by itself (from the engine);
    Unshelve for a shelved row, Return to service for an out-of-service one."""

    def __init__(
        self,
        runtime: Any,
        lang: str,
        zone: ZoneInfo,
        user: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        model = ShelvedTableModel(lang, zone)
        super().__init__(runtime, lang, zone, user, model, parent)
        self.shelved_model = model
        self._looking: set[str] = set()
        self._build()
        self.refresh()

    def _build(self) -> None:
        self.count = QLabel("")
        self.count.setObjectName("tileDetail")
        self.unshelve_button = QPushButton(tr("shelved.unshelve", self.lang))
        self.unshelve_button.clicked.connect(self.request_unshelve)
        self.return_button = QPushButton(tr("shelved.return", self.lang))
        self.return_button.clicked.connect(self.request_return_to_service)
        for button, permission in (
            (self.unshelve_button, SHELVE),
            (self.return_button, EDIT_ALARMS),
        ):
            if permission not in self.permissions:
                button.setToolTip(missing_tip(permission, self.user, self.lang))
        self.table.setToolTip(tr("shelved.expiry_tip", self.lang))
        header = self.table.horizontalHeader()
        for column, width in enumerate((90, 180, 110, 90, 300, 100, 150, 150, 240)):
            header.resizeSection(column, width)
        row = QHBoxLayout()
        row.addWidget(self.unshelve_button)
        row.addWidget(self.return_button)
        row.addStretch(1)
        row.addWidget(self.count)
        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addWidget(self.table, 1)
        box.addLayout(row)
        box.addWidget(self.message)

    def refresh(self, entries: Sequence[JournalEntry] | None = None) -> None:
        """Re-read the list (``runtime.alarms_shelved()`` + ``alarms_out_of_service()``);
        shelves and removals in ``entries`` (the batch that caused the refresh) give
        who/when/why at once, others are looked up in the journal."""
        if self._closed:
            return
        for e in entries or ():
            if e.kind != "alarm":
                continue
            if e.state in _MASKED and not (e.user is None and e.previous is e.state):
                self.shelved_model.set_info(e.alarm_id, e)
            elif e.previous in _MASKED or e.state in LISTED:
                self.shelved_model.forget(e.alarm_id)
        shelved = self.runtime.alarms_shelved()
        out = self.runtime.alarms_out_of_service()
        views = [*shelved, *out]
        self._set_alarms(views)
        for view in views:
            info = self.shelved_model.info(view.alarm_id)
            if info is not None and info.state is not view.state:  # shelved, then taken out
                self.shelved_model.forget(view.alarm_id)
            if not self.shelved_model.knows(view.alarm_id) and view.alarm_id not in self._looking:
                self._looking.add(view.alarm_id)
                if self._tasks.spawn(self._look_up(view.alarm_id, view.state)) is None:
                    self._looking.discard(view.alarm_id)
        if out:
            text = tr("shelved.count_oos", self.lang, n=len(shelved), m=len(out))
        else:
            text = tr("shelved.count", self.lang, n=len(shelved))
        self.count.setText(text)
        self._update_buttons()

    async def _look_up(self, alarm_id: str, state: AlarmState) -> None:
        """Who shelved ``alarm_id`` or took it out of service, when and why: its latest
        journal entry into that state by a person (a shelve is at most 8 h old; out of
        service has no age limit, and a restart's record of it names no user, so the
        operator's own entry is preferred and the restart's taken when it is all there is)."""
        oos = state is AlarmState.OUT_OF_SERVICE
        try:
            now = getattr(self.runtime, "now", time.time)()
            since = None if oos else now - MAX_SHELVE_S - 60.0
            found = await self.runtime.alarm_history(
                since=since, text=alarm_id, limit=2000 if oos else 500
            )
        except Exception as exc:
            log.warning("shelve lookup of %s failed: %s", alarm_id, exc)
            found = []
        finally:
            self._looking.discard(alarm_id)
        if self._closed or self.shelved_model.knows(alarm_id):
            return
        into = [e for e in found if e.alarm_id == alarm_id and e.state is state]
        by_person = [e for e in into if e.user is not None]
        best = by_person or into
        self.shelved_model.set_info(alarm_id, best[-1] if best else None)

    def _update_buttons(self) -> None:
        selected = self.selected()
        one = selected[0].state if len(selected) == 1 and not self.busy else None
        self.unshelve_button.setEnabled(SHELVE in self.permissions and one is AlarmState.SHELVED)
        self.return_button.setEnabled(
            EDIT_ALARMS in self.permissions and one is AlarmState.OUT_OF_SERVICE
        )

    def request_unshelve(self) -> None:
        """End the one selected shelve early, with a comment."""
        self._release(
            AlarmState.SHELVED,
            UnshelveDialog,
            self.runtime.unshelve_alarm,
            "shelved.unshelved_done",
        )

    def request_return_to_service(self) -> None:
        """Return the one selected out-of-service alarm to service, with a comment."""
        self._release(
            AlarmState.OUT_OF_SERVICE,
            ReturnToServiceDialog,
            self.runtime.return_alarm_to_service,
            "shelved.returned_done",
        )

    def _release(
        self,
        state: AlarmState,
        dialog: Callable[..., QDialog],
        call: Callable[[str, str, str], Coroutine[Any, Any, Any]],
        done_key: str,
    ) -> None:
        """Lift the operator's mask (``state``) of the one selected alarm, after asking."""
        selected = self.selected()
        if self.busy or len(selected) != 1 or selected[0].state is not state:
            return
        alarm_id = selected[0].alarm_id

        def send(comment: str) -> None:
            self.shelved_model.forget(alarm_id)
            self._run(
                lambda: call(alarm_id, self.user, comment),
                lambda: tr(done_key, self.lang, alarm=alarm_id),
            )

        self._ask(dialog(alarm_id, self.user, self.lang, self.window()), send)


_MASKED = (AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE)
