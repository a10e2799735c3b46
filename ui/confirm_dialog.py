"""The confirmation every operator command passes: what, old -> new, who, and why.

The dialog is opened with ``open()`` (window-modal), never ``exec()``: under qasync the
asyncio loop is the GUI thread's loop, and a nested ``exec()`` loop re-enters the asyncio
scheduler from inside a callback ("Cannot enter into task ... while another task is being
executed", qasync issue #59). The result arrives as the ``confirmed`` signal. OK stays
disabled until a reason is typed, and ``accept()`` refuses a blank one as well, because the
audit trail needs a reason for every command.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.i18n import tr


def current_user() -> str:
    """Who the audit trail names: the OS login until the console has its own users.

    The one place to change when users and roles arrive.
    """
    try:
        return getpass.getuser()
    except Exception:  # no login name in the environment (some services and containers)
        return "operator"


@dataclass(frozen=True)
class Confirmation:
    user: str
    reason: str


def ok_cancel(
    dialog: QDialog, ok_text: str, cancel_text: str
) -> tuple[QDialogButtonBox, QPushButton]:
    """OK / Cancel buttons with our labels, wired to the dialog's accept and reject."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


class ConfirmDialog(QDialog):
    """Asks to confirm ``what``: ``old`` -> ``new``; emits ``confirmed(Confirmation)`` on OK."""

    confirmed = Signal(object)

    def __init__(
        self,
        what: str,
        old: str,
        new: str,
        user: str,
        lang: str,
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.user = user
        self.setWindowTitle(tr("confirm.title", lang))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)

        self.what = QLabel(what)
        self.what.setFont(theme.font(bold=True))
        self.change = QLabel(f"{old}  →  {new}")
        self.change.setFont(theme.font(theme.BASE_POINT_SIZE + 3))
        self.note = QLabel(note)
        self.note.setWordWrap(True)
        self.note.setObjectName("tileDetail")
        self.note.setVisible(bool(note))

        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("confirm.reason_hint", lang))
        self.refusal = QLabel(tr("confirm.reason_required", lang))
        self.refusal.setStyleSheet(f"color: {theme.ALARM};")
        self.refusal.setVisible(False)
        form = QFormLayout()
        self.user_label = QLabel(user)
        form.addRow(tr("confirm.user", lang), self.user_label)
        form.addRow(tr("confirm.reason", lang), self.reason)

        self.buttons, self.ok_button = ok_cancel(
            self, tr("confirm.ok", lang), tr("confirm.cancel", lang)
        )
        self.reason.textChanged.connect(self._reason_changed)
        self._reason_changed("")

        box = QVBoxLayout(self)
        box.addWidget(self.what)
        box.addWidget(self.change)
        box.addWidget(self.note)
        box.addLayout(form)
        box.addWidget(self.refusal)
        box.addWidget(self.buttons)
        self.reason.setFocus()

    def reason_text(self) -> str:
        return self.reason.text().strip()

    def _reason_changed(self, _text: str) -> None:
        has_reason = bool(self.reason_text())
        self.ok_button.setEnabled(has_reason)
        if has_reason:
            self.refusal.setVisible(False)

    def accept(self) -> None:
        reason = self.reason_text()
        if not reason:
            self.refusal.setVisible(True)
            return
        # emitted before the dialog closes (and is deleted): the receiver still sees it whole
        self.confirmed.emit(Confirmation(self.user, reason))
        super().accept()
