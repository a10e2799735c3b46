"""The alarm KPI report (ISA-18.2 / EEMUA 191) in the console: the same figures as
``main.py alarms --kpi`` (app/alarms/kpi.py), in the console's language and station time.

    Period [Last 7 days ▾]  [Compute]                               Computed at 10:02:11
    | summary            | alarms per day | top 10 most frequent      |
    | priority mix       |                | chattering · stale        |

``compute()`` runs ``runtime.alarm_kpis(now - span, now)`` as a background task (the journal
is read and reduced on its own thread, app/alarm_service.py); the GUI thread only fills a few
small tables with the answer. The report is computed the first time the panel is shown,
when the period changes and on *Compute*; a newer request replaces an older one (its answer
is dropped). The report is a snapshot, not a live view: new alarms do not redraw it.

A priority's share far from its ISA-18.2 target (80 / 15 / 5 % low / medium / high) is
said in words in the table's *Note* column, in normal text colour: the report is a review
tool, not an alarm (ISA-101: colour only where the operator must act).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.alarms.kpi import DAY_S, AlarmKpis
from app.alarms.states import Priority
from ui import theme
from ui.alarm_table_model import priority_text
from ui.format import format_time
from ui.i18n import tr
from ui.tasks import TaskGroup

log = logging.getLogger(__name__)

PERIODS = (("24h", DAY_S), ("7d", 7 * DAY_S), ("30d", 30 * DAY_S))
DEFAULT_PERIOD = "7d"
MIX_ORDER = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL)
MIX_MIN_ACTIVATIONS = 20  # fewer alarms than this say nothing about the mix
GUIDE_PER_DAY = 150.0  # ISA-18.2: about what an operator can handle in a day
_ROW_HEIGHT = 22
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def mix_note(share: float, target: float | None, activations: int) -> str | None:
    """'above' / 'below' when ``share`` is far from ``target``, else None.

    Far means more than max(5 points, half the smaller of target and 1 - target) away:
    low (80 %) outside 70–90 %, medium (15 %) outside 7.5–22.5 %, high (5 %) above 10 %.
    No verdict without a target (critical) or on fewer than MIX_MIN_ACTIVATIONS alarms."""
    if target is None or activations < MIX_MIN_ACTIVATIONS:
        return None
    tolerance = max(0.05, 0.5 * min(target, 1.0 - target))
    if share > target + tolerance:
        return "above"
    if share < target - tolerance:
        return "below"
    return None


def _percent(share: float) -> str:
    return f"{share:.0%}"


class _Section:
    """A heading, a table fitted to its rows (the scroll area scrolls, not the table),
    and 'none' in place of an empty table."""

    def __init__(
        self, title: str, columns: Sequence[str], lang: str, stretch: int | None = 0
    ) -> None:
        """``stretch``: the column that takes the spare width (None: the table is as wide
        as its contents)."""
        self.heading = QLabel(title)
        self.heading.setObjectName("panelTitle")
        self.table = QTableWidget(0, len(columns))
        self.table.setHorizontalHeaderLabels(list(columns))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(_ROW_HEIGHT)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        if stretch is None:
            self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
            self.table.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        else:
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.none = QLabel(tr("kpi.none", lang))
        self.none.setObjectName("tileDetail")
        self.box = QVBoxLayout()
        self.box.setSpacing(2)
        self.box.addWidget(self.heading)
        self.box.addWidget(self.table)
        self.box.addWidget(self.none)
        self.set_rows([])

    def set_rows(self, rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> None:
        table = self.table
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c in right:
                    item.setTextAlignment(_RIGHT)
                table.setItem(r, c, item)
        header = table.horizontalHeader().sizeHint().height()
        rows_height = table.verticalHeader().length()
        table.setFixedHeight(header + rows_height + 2 * table.frameWidth())
        table.setVisible(bool(rows))
        self.none.setVisible(not rows)

    def texts(self, column: int) -> list[str]:
        """The column's texts, top to bottom (tests)."""
        table = self.table
        return [
            item.text() if (item := table.item(r, column)) is not None else ""
            for r in range(table.rowCount())
        ]


class AlarmKpiPanel(QWidget):
    """``runtime`` needs ``now()`` and ``await alarm_kpis(start, end)``."""

    def __init__(
        self, runtime: Any, lang: str, zone: ZoneInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.lang = lang
        self.zone = zone
        self.kpis: AlarmKpis | None = None
        self._tasks = TaskGroup("alarm KPIs")
        self._running: asyncio.Task[Any] | None = None
        self._closed = False
        self._shown = False
        self._build()

    # ---- construction ----------------------------------------------------------------
    def _build(self) -> None:
        lang = self.lang
        self.period_combo = QComboBox()
        for key, seconds in PERIODS:
            self.period_combo.addItem(tr(f"kpi.period.{key}", lang), seconds)
        self.period_combo.setCurrentIndex([k for k, _ in PERIODS].index(DEFAULT_PERIOD))
        self.period_combo.currentIndexChanged.connect(lambda _i: self.compute())
        self.compute_button = QPushButton(tr("kpi.compute", lang))
        self.compute_button.clicked.connect(self.compute)
        self.status = QLabel("")
        self.status.setObjectName("tileDetail")
        period_label = QLabel(tr("kpi.period", lang))
        period_label.setObjectName("tileTitle")
        top = QHBoxLayout()
        top.addWidget(period_label)
        top.addWidget(self.period_combo)
        top.addWidget(self.compute_button)
        top.addStretch(1)
        top.addWidget(self.status)

        # summary: period, activations, average, floods
        self.range_value = QLabel("")
        self.activations_value = QLabel("")
        self.average_value = QLabel("")
        self.flood_value = QLabel("")
        self.flood_value.setToolTip(tr("kpi.flood_hint", lang))
        self.export_value = QLabel("")
        self.export_value.setToolTip(tr("kpi.export_hint", lang))
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        for key, value in (
            (tr("kpi.range", lang, zone=self.zone.key), self.range_value),
            (tr("kpi.activations", lang), self.activations_value),
            (tr("kpi.average", lang), self.average_value),
            (tr("kpi.flood_time", lang), self.flood_value),
            (tr("kpi.export", lang), self.export_value),
        ):
            label = QLabel(key)
            label.setObjectName("tileTitle")
            form.addRow(label, value)

        col = lambda key, **fmt: tr(f"kpi.col.{key}", lang, **fmt)  # noqa: E731
        self.mix = _Section(
            tr("kpi.mix", lang),
            [col("priority"), col("count"), col("share"), col("target"), col("note")],
            lang,
            stretch=4,
        )
        self.mix_few = QLabel(tr("kpi.mix.few", lang, n=MIX_MIN_ACTIVATIONS))
        self.mix_few.setObjectName("tileDetail")
        self.mix_few.setWordWrap(True)
        self.mix.box.addWidget(self.mix_few)
        self.per_day = _Section(
            tr("kpi.per_day", lang), [col("day"), col("count")], lang, stretch=None
        )
        self.top = _Section(tr("kpi.top", lang), [col("alarm"), col("count")], lang)
        self.chattering = _Section(tr("kpi.chattering", lang), [col("alarm"), col("peak")], lang)
        self.stale = _Section(
            tr("kpi.stale", lang),
            [col("alarm"), col("since", zone=self.zone.key), col("hours")],
            lang,
        )

        left = QVBoxLayout()
        left.addLayout(form)
        left.addSpacing(8)
        left.addLayout(self.mix.box)
        left.addStretch(1)
        middle = QVBoxLayout()
        middle.addLayout(self.per_day.box)
        middle.addStretch(1)
        right = QVBoxLayout()
        for section in (self.top, self.chattering, self.stale):
            right.addLayout(section.box)
            right.addSpacing(8)
        right.addStretch(1)

        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setContentsMargins(4, 4, 4, 4)
        columns.addLayout(left, 3)
        columns.addSpacing(12)
        columns.addLayout(middle, 2)
        columns.addSpacing(12)
        columns.addLayout(right, 4)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(body)

        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addLayout(top)
        box.addWidget(self.scroll, 1)
        self.show_kpis(None)

    # ---- computing ---------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:  # the first look at the tab computes the report once
            self._shown = True
            self.compute()

    def period_s(self) -> float:
        return float(self.period_combo.currentData())

    def compute(self) -> asyncio.Task[Any] | None:
        """Compute the report for the chosen period up to now (station clock); returns the
        task (None without an event loop). A running computation is replaced."""
        if self._closed:
            return None
        end = float(self.runtime.now())
        start = end - self.period_s()
        if self._running is not None and not self._running.done():
            self._running.cancel()  # its answer would be for the old question
        self.say(tr("kpi.computing", self.lang))
        self._running = self._tasks.spawn(self._compute(start, end))
        if self._running is None:
            self.say("")
        return self._running

    async def _compute(self, start: float, end: float) -> None:
        try:
            kpis = await self.runtime.alarm_kpis(start, end)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("alarm KPI report failed: %s", exc)
            if not self._closed:
                self.say(tr("kpi.failed", self.lang, error=str(exc)), alarm=True)
            return
        if self._closed:
            return
        self.show_kpis(kpis)
        when = format_time(float(self.runtime.now()), self.zone, with_date=False)
        self.say(tr("kpi.computed", self.lang, time=when))

    # ---- showing -----------------------------------------------------------------------
    def show_kpis(self, kpis: AlarmKpis | None) -> None:
        """Fill the panel with ``kpis`` (None: empty, before the first answer)."""
        self.kpis = kpis
        lang = self.lang
        dash = tr("value.none", lang)
        if kpis is None:
            for label in (
                self.range_value,
                self.activations_value,
                self.average_value,
                self.flood_value,
                self.export_value,
            ):
                label.setText(dash)
            for section in (self.mix, self.per_day, self.top, self.chattering, self.stale):
                section.set_rows([])
            self.mix_few.setVisible(False)
            return
        self.range_value.setText(
            tr(
                "kpi.range_value",
                lang,
                start=format_time(kpis.start, self.zone),
                end=format_time(kpis.end, self.zone),
            )
        )
        self.activations_value.setText(f"{kpis.activations:,}")
        average = kpis.per_day_average
        key = "kpi.average_high" if average > GUIDE_PER_DAY else "kpi.average_value"
        self.average_value.setText(tr(key, lang, n=f"{average:,.1f}"))
        self.flood_value.setText(
            tr("kpi.flood_value", lang, minutes=f"{kpis.time_in_flood_s / 60:,.1f}", n=kpis.floods)
        )
        x = kpis.export
        self.export_value.setText(
            tr(
                "kpi.export_value",
                lang,
                n=x.count,
                kwh=f"{x.energy_kwh:,.2f}",
                longest=f"{x.longest_s / 60:,.1f}",
            )
        )

        mix = kpis.priority_mix
        rows = []
        for p in MIX_ORDER:
            target = kpis.priority_target.get(p)
            note = mix_note(mix[p], target, kpis.activations)
            rows.append(
                [
                    priority_text(p, lang),
                    f"{kpis.by_priority.get(p, 0):,}",
                    _percent(mix[p]),
                    dash if target is None else _percent(target),
                    "" if note is None else tr(f"kpi.mix.{note}", lang),
                ]
            )
        self.mix.set_rows(rows, right=(1, 2, 3))
        self.mix_few.setVisible(kpis.activations < MIX_MIN_ACTIVATIONS)
        self.per_day.set_rows([[day, f"{n:,}"] for day, n in kpis.per_day], right=(1,))
        self.top.set_rows([[alarm, f"{n:,}"] for alarm, n in kpis.top], right=(1,))
        self.chattering.set_rows([[alarm, f"{n:,}"] for alarm, n in kpis.chattering], right=(1,))
        self.stale.set_rows(
            [
                [alarm, format_time(since, self.zone), f"{(kpis.end - since) / 3600:,.1f}"]
                for alarm, since in kpis.stale
            ],
            right=(2,),
        )

    def say(self, text: str, alarm: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {theme.ALARM};" if alarm else "")

    def refresh(self, entries: Sequence[Any] | None = None) -> None:
        """Nothing to do on new alarms: the report is computed on request."""

    def close_panel(self) -> None:
        self._closed = True
        self._tasks.cancel_all()
