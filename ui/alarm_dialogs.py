"""The alarm lists' questions: acknowledge (how many, a comment), shelve (how long, why),
unshelve (a comment), take out of service (why) and return to service (a comment).

Like every question in the console they open with ``open()`` (window-modal), never
``exec()``: under qasync a nested event loop would re-enter the asyncio scheduler
(docs/console.md). The answer arrives as the ``confirmed`` signal, emitted before the dialog
closes. The text is required: OK stays disabled until one is typed and ``accept()`` refuses
a blank one, because the journal and the audit trail record who did it and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.confirm_dialog import ok_cancel
from ui.i18n import tr

# Shelve durations offered (seconds): short for a nuisance during a task, the longest is
# the engine's maximum (8 h, one shift), so a shelve can never outlive a shift handover.
SHELVE_DURATIONS: tuple[tuple[str, float], ...] = (
    ("alarms.duration.15m", 15 * 60.0),
    ("alarms.duration.1h", 3600.0),
    ("alarms.duration.4h", 4 * 3600.0),
    ("alarms.duration.8h", 8 * 3600.0),
)


def duration_text(duration_s: float, lang: str) -> str:
    for key, seconds in SHELVE_DURATIONS:
        if seconds == duration_s:
            return tr(key, lang)
    return f"{duration_s:g} s"


@dataclass(frozen=True)
class ShelveChoice:
    duration_s: float
    reason: str


class CommentDialog(QDialog):
    """``what`` (bold), an optional note, the user, and a required text; emits
    ``confirmed(str)`` with the stripped text on OK."""

    confirmed = Signal(object)

    def __init__(
        self,
        title: str,
        what: str,
        user: str,
        lang: str,
        note: str = "",
        field_key: str = "alarms.dialog.comment",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.user = user
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)
        self.what = QLabel(what)
        self.what.setFont(theme.font(bold=True))
        self.what.setWordWrap(True)
        self.note = QLabel(note)
        self.note.setWordWrap(True)
        self.note.setObjectName("tileDetail")
        self.note.setVisible(bool(note))
        self.text = QLineEdit()
        self.text.setPlaceholderText(tr("alarms.dialog.required", lang))
        self.refusal = QLabel(tr("alarms.dialog.refused", lang))
        self.refusal.setStyleSheet(f"color: {theme.ALARM};")
        self.refusal.setVisible(False)
        self.form = QFormLayout()
        self.form.addRow(tr("alarms.dialog.user", lang), QLabel(user))
        self._add_fields(lang)
        self.form.addRow(tr(field_key, lang), self.text)

        self.buttons, self.ok_button = ok_cancel(
            self, tr("alarms.dialog.ok", lang), tr("alarms.dialog.cancel", lang)
        )
        self.text.textChanged.connect(self._text_changed)
        self._text_changed("")

        box = QVBoxLayout(self)
        box.addWidget(self.what)
        box.addWidget(self.note)
        box.addLayout(self.form)
        box.addWidget(self.refusal)
        box.addWidget(self.buttons)
        self.text.setFocus()

    def _add_fields(self, lang: str) -> None:
        """Rows between the user and the text (subclasses)."""

    def entered(self) -> str:
        return self.text.text().strip()

    def _text_changed(self, _text: str) -> None:
        ok = bool(self.entered())
        self.ok_button.setEnabled(ok)
        if ok:
            self.refusal.setVisible(False)

    def _answer(self) -> object:
        return self.entered()

    def accept(self) -> None:
        if not self.entered():
            self.refusal.setVisible(True)
            return
        # emitted before the dialog closes (and may be deleted): the receiver sees it whole
        self.confirmed.emit(self._answer())
        super().accept()


class AckDialog(CommentDialog):
    """Acknowledge ``count`` alarms with a comment; ``confirmed(str comment)``."""

    def __init__(self, count: int, user: str, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(
            tr("alarms.ack.title", lang),
            tr("alarms.ack.what", lang, n=count),
            user,
            lang,
            parent=parent,
        )
        self.count = count


class ShelveDialog(CommentDialog):
    """Shelve one alarm for a chosen duration with a reason; ``confirmed(ShelveChoice)``."""

    def __init__(self, alarm: str, user: str, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(
            tr("alarms.shelve.title", lang),
            tr("alarms.shelve.what", lang, alarm=alarm),
            user,
            lang,
            note=tr("alarms.shelve.note", lang),
            field_key="alarms.dialog.reason",
            parent=parent,
        )

    def _add_fields(self, lang: str) -> None:
        self.duration = QComboBox()
        for key, seconds in SHELVE_DURATIONS:
            self.duration.addItem(tr(key, lang), seconds)
        self.duration.setCurrentIndex(1)  # 1 h: long enough for a task, short of a shift
        self.form.addRow(tr("alarms.shelve.duration", lang), self.duration)

    def duration_s(self) -> float:
        return float(self.duration.currentData())

    def _answer(self) -> object:
        return ShelveChoice(self.duration_s(), self.entered())


class UnshelveDialog(CommentDialog):
    """Unshelve one alarm with a comment; ``confirmed(str comment)``."""

    def __init__(self, alarm: str, user: str, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(
            tr("shelved.unshelve.title", lang),
            tr("shelved.unshelve.what", lang, alarm=alarm),
            user,
            lang,
            note=tr("shelved.unshelve.note", lang),
            parent=parent,
        )


class RemoveFromServiceDialog(CommentDialog):
    """Take one alarm out of service with a reason; ``confirmed(str reason)``."""

    def __init__(self, alarm: str, user: str, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(
            tr("alarms.oos.title", lang),
            tr("alarms.oos.what", lang, alarm=alarm),
            user,
            lang,
            note=tr("alarms.oos.note", lang),
            field_key="alarms.dialog.reason",
            parent=parent,
        )


class ReturnToServiceDialog(CommentDialog):
    """Return one out-of-service alarm to service with a comment; ``confirmed(str)``."""

    def __init__(self, alarm: str, user: str, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(
            tr("shelved.return.title", lang),
            tr("shelved.return.what", lang, alarm=alarm),
            user,
            lang,
            note=tr("shelved.return.note", lang),
            parent=parent,
        )
