"""*Tune rules…*: the tuner's proposal for the running station, shown before anything changes.

    Tune rules
      Backtests candidate parameters … Nothing changes until you apply it.
      [busy bar]  Backtesting candidates… 12 done (9 s)
      Tuned on    2026-11-04 00:00 – 2026-12-02 00:00 (28 days; 47 backtests at 300 s)
      Proposal    demand limit 515 kW, hourly SOC floors/ceilings from the LP, …
      Bill, running v3 / proposal / no storage   (with the ratio to the optimal saving)
      Changes against v3   (unified diff, monospace, scrollable)
                                                   [Apply…]  [Cancel]

``start()`` asks the runtime's ``propose_tuning`` in the background (the backtests run on a
worker thread; the GUI never waits) and shows its progress. Not enough history is said in
words (``TuneRefusal``), so is a failure. *Apply…* opens the usual ConfirmDialog (user,
reason required) and only then calls ``apply_tuning`` (a new control version, audited);
the dialog closes and emits ``applied(AppliedVersion)``. *Cancel* (or closing) applies
nothing and stops the proposal. Opened with ``open()``, never ``exec()`` (qasync).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.access import CONTROL
from ui import theme
from ui.confirm_dialog import Confirmation, ConfirmDialog
from ui.format import format_time
from ui.i18n import tr
from ui.permissions import granted, missing_tip
from ui.tasks import TaskGroup

if TYPE_CHECKING:  # the tuner (and its solver) loads on first use, not with the console
    from app.tune.service import TuningFacade

log = logging.getLogger(__name__)


def amount_text(days: float, lang: str) -> str:
    """How much history, in the unit that reads best: 3.1 days, 5.5 hours, 12 minutes."""
    if days >= 1:
        return tr("tune.amount.days", lang, n=f"{days:.1f}")
    if days * 24 >= 1:
        return tr("tune.amount.hours", lang, n=f"{days * 24:.1f}")
    return tr("tune.amount.minutes", lang, n=f"{round(days * 1440)}")


def refusal_text(refusal: Any, zone: ZoneInfo, lang: str) -> str:
    """A TuneRefusal (app/tune/service.py) in words."""
    need = f"{refusal.need_days:g}"
    if refusal.reason == "no_history":
        return tr("tune.refused.no_history", lang, point=refusal.point_id, need=need)
    span = ""
    if refusal.first_ts is not None and refusal.last_ts is not None:
        span = tr(
            "tune.refused.span",
            lang,
            first=format_time(refusal.first_ts, zone),
            last=format_time(refusal.last_ts, zone),
        )
    text = tr(
        "tune.refused.short_history",
        lang,
        have=amount_text(refusal.have_days, lang),
        span=span,
        need=need,
    )
    if refusal.gap_ts is not None:
        text += tr("tune.refused.gap", lang, time=format_time(refusal.gap_ts, zone))
    return text


def _money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}".strip()


def _ratio(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.1%}"


class TuneDialog(QDialog):
    """The proposal of ``runtime.propose_tuning`` for ``user``; ``applied`` after Apply."""

    applied = Signal(object)  # AppliedVersion, once the runtime stored and runs it

    def __init__(
        self,
        runtime: TuningFacade,
        user: str,
        lang: str,
        zone: ZoneInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.user = user
        self.lang = lang
        self._zone = zone
        self.may_apply = CONTROL in granted(runtime, user)
        self.proposal: Any = None  # the TuneProposal once it arrived
        self.refusal: Any = None  # or the TuneRefusal
        self.confirm: ConfirmDialog | None = None
        self.backtests = 0
        self._started = 0.0
        self._applying = False
        self._tasks = TaskGroup("tune dialog")
        self.setWindowTitle(tr("tune.title", lang))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumSize(720, 560)
        self._build()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._show_progress)

    # ---- construction --------------------------------------------------------------------
    def _build(self) -> None:
        lang = self.lang
        intro = QLabel(tr("tune.intro", lang))
        intro.setWordWrap(True)
        intro.setObjectName("tileDetail")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: the number of backtests is not known ahead
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.figures = QWidget()
        form = QFormLayout(self.figures)
        form.setContentsMargins(0, 0, 0, 0)
        self.window_value = self._value()
        self.describe_value = self._value()
        self.bill_current_label = QLabel(tr("tune.bill_current", lang, label="—"))
        self.bill_current = self._value()
        self.bill_proposed = self._value()
        self.bill_without = self._value()
        form.addRow(tr("tune.window", lang), self.window_value)
        form.addRow(tr("tune.proposal", lang), self.describe_value)
        form.addRow(self.bill_current_label, self.bill_current)
        form.addRow(tr("tune.bill_proposed", lang), self.bill_proposed)
        form.addRow(tr("tune.bill_without", lang), self.bill_without)
        self.saving = self._value()
        self.notes = self._value()
        self.notes.setObjectName("tileDetail")
        self.figures.setVisible(False)

        self.diff_title = QLabel("")
        self.diff_title.setObjectName("tileTitle")
        self.diff = QPlainTextEdit()
        self.diff.setReadOnly(True)
        self.diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(theme.BASE_POINT_SIZE)
        self.diff.setFont(mono)
        self.diff_title.setVisible(False)
        self.diff.setVisible(False)

        self.buttons = QDialogButtonBox()
        self.apply_button = QPushButton(tr("tune.apply", lang))
        self.cancel_button = QPushButton(tr("tune.cancel", lang))
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.apply_button.clicked.connect(self.request_apply)
        self.cancel_button.clicked.connect(self.reject)
        self.apply_button.setEnabled(False)
        if not self.may_apply:
            self.apply_button.setToolTip(missing_tip(CONTROL, self.user, lang))

        box = QVBoxLayout(self)
        box.addWidget(intro)
        box.addWidget(self.busy)
        box.addWidget(self.status)
        box.addWidget(self.figures)
        box.addWidget(self.saving)
        box.addWidget(self.notes)
        box.addWidget(self.diff_title)
        box.addWidget(self.diff, 1)
        box.addWidget(self.buttons)

    @staticmethod
    def _value() -> QLabel:
        label = QLabel("")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # ---- the proposal ----------------------------------------------------------------------
    def start(self) -> None:
        """Ask the runtime for a proposal in the background (call after ``open()``)."""
        if self._started:
            return
        self._started = time.monotonic()
        self.busy.setVisible(True)
        self.status.setText(tr("tune.reading", self.lang))
        self._tick.start()
        if self._tasks.spawn(self._propose()) is None:  # no event loop: nothing to wait for
            self._finish_progress()

    def _on_progress(self, n: int) -> None:
        self.backtests = n
        self._show_progress()

    def _show_progress(self) -> None:
        if not self.busy.isVisible():
            return
        elapsed = int(time.monotonic() - self._started)
        if self.backtests:
            self.status.setText(tr("tune.running", self.lang, n=self.backtests, elapsed=elapsed))

    def _finish_progress(self) -> None:
        self._tick.stop()
        self.busy.setVisible(False)

    async def _propose(self) -> None:
        from app.tune.service import TuneRefusal

        try:
            outcome = await self.runtime.propose_tuning(progress=self._on_progress)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # SeriesError, ConfigError, OptimumError, RuntimeError …
            log.warning("tuning proposal failed: %s", exc)
            self._finish_progress()
            self._say(tr("tune.error", self.lang, error=str(exc)), alarm=True)
            self.cancel_button.setText(tr("tune.close", self.lang))
            return
        self._finish_progress()
        self.cancel_button.setText(tr("tune.close", self.lang))
        if isinstance(outcome, TuneRefusal):
            self.refusal = outcome
            self._say(refusal_text(outcome, self._zone, self.lang), alarm=True)
            return
        self._show_proposal(outcome)

    def _show_proposal(self, p: Any) -> None:
        lang = self.lang
        self.proposal = p
        self._say("")
        self.window_value.setText(
            tr(
                "tune.window.value",
                lang,
                start=format_time(p.start_ts, self._zone),
                end=format_time(p.end_ts, self._zone),
                days=f"{p.days:g}",
                n=p.evaluations,
                step=p.step_s,
            )
        )
        self.describe_value.setText(p.describe)
        self.bill_current_label.setText(tr("tune.bill_current", lang, label=p.current_label))
        if p.bill_current is None:
            self.bill_current.setText(tr("tune.not_backtested", lang))
        else:
            self.bill_current.setText(self._bill(p.bill_current, p.ratio_current, p.currency))
        self.bill_proposed.setText(self._bill(p.bill_proposed, p.ratio_proposed, p.currency))
        self.bill_without.setText(_money(p.bill_without, p.currency))
        self.figures.setVisible(True)
        saving = p.saving
        if saving is not None and abs(saving) >= 0.005:
            key = "tune.saving" if saving > 0 else "tune.dearer"
            amount = _money(abs(saving), p.currency)
            self.saving.setText(tr(key, lang, amount=amount, label=p.current_label))
        if p.notes:
            self.notes.setText(f"{tr('tune.notes', lang)}: " + "; ".join(p.notes))
        if p.changed:
            self.diff_title.setText(tr("tune.diff", lang, label=p.current_label))
            self.diff.setPlainText(p.diff)
            self.diff_title.setVisible(True)
            self.diff.setVisible(True)
            self.cancel_button.setText(tr("tune.cancel", lang))
        else:
            self._say(tr("tune.no_change", lang, label=p.current_label))
        self._enable_apply()

    def _bill(self, bill: float, ratio: float | None, currency: str) -> str:
        return tr("tune.bill.value", self.lang, bill=_money(bill, currency), ratio=_ratio(ratio))

    def _enable_apply(self) -> None:
        p = self.proposal
        ready = p is not None and p.changed and not self._applying
        self.apply_button.setEnabled(ready and self.may_apply)
        self.cancel_button.setEnabled(not self._applying)

    def _say(self, text: str, alarm: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {theme.ALARM};" if alarm else "")

    # ---- applying --------------------------------------------------------------------------
    def request_apply(self) -> None:
        """Ask for the reason (ConfirmDialog); only its confirmation applies the proposal."""
        p = self.proposal
        if p is None or not p.changed or self._applying or not self.may_apply:
            return
        if self.confirm is not None:
            self.confirm.reject()
        lang = self.lang
        dialog = ConfirmDialog(
            tr("tune.confirm.what", lang),
            p.current_label,
            tr("tune.confirm.new", lang),
            self.user,
            lang,
            tr("tune.confirm.note", lang, label=p.current_label),
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.confirmed.connect(self._apply)
        dialog.finished.connect(lambda _result, d=dialog: self._confirm_closed(d))
        self.confirm = dialog
        dialog.open()  # window-modal over this dialog; the asyncio loop keeps running

    def _confirm_closed(self, dialog: ConfirmDialog) -> None:
        if self.confirm is dialog:
            self.confirm = None

    def _apply(self, ok: Confirmation) -> None:
        self._applying = True
        self._enable_apply()
        self._say(tr("tune.applying", self.lang))
        if self._tasks.spawn(self._complete_apply(ok)) is None:
            self._applying = False
            self._enable_apply()

    async def _complete_apply(self, ok: Confirmation) -> None:
        p = self.proposal
        call = self.runtime.apply_tuning(
            p.section, ok.user, ok.reason, window=(p.start_ts, p.end_ts)
        )
        try:
            # shielded: closing the dialog must not cut a confirmed change off half-way
            applied = await asyncio.shield(call)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # ConfigError, PermissionDenied, ValueError, RuntimeError
            log.warning("applying tuned rules failed: %s", exc)
            self._applying = False
            self._enable_apply()
            self._say(tr("tune.apply_failed", self.lang, error=str(exc)), alarm=True)
            return
        self._applying = False
        self.applied.emit(applied)
        self.accept()

    # ---- closing ---------------------------------------------------------------------------
    def done(self, result: int) -> None:
        """Closing (Cancel, Esc, Apply done) stops a proposal still being computed."""
        self._finish_progress()
        self._tasks.cancel_all()
        if self.confirm is not None:
            self.confirm.reject()
            self.confirm = None
        super().done(result)
