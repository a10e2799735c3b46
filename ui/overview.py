"""Station overview: the KPI tiles (power now) and today's energy tiles.

Each tile follows one point. Directions are said in words (grid importing/exporting,
battery charging/discharging) and the number is the magnitude, so nobody has to remember
the sign convention. A value whose quality is bad is never shown as a good number: it turns
grey italic with a red tag naming the reason ('comm lost'); uncertain gets an amber tag.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.model import Station
from app.points import PointValue
from ui import theme
from ui.format import format_number, format_time, quality_tag, quality_text
from ui.i18n import tr

# Below this many kW a flow is shown as idle rather than as a direction.
IDLE_KW = 0.5

Direction = Callable[[float], str | None]  # signed value -> i18n key of the words, or None


def _grid_direction(p: float) -> str | None:
    if p > IDLE_KW:
        return "dir.importing"
    return "dir.exporting" if p < -IDLE_KW else "dir.idle"


def _bess_direction(p: float) -> str | None:
    if p > IDLE_KW:
        return "dir.discharging"
    return "dir.charging" if p < -IDLE_KW else "dir.idle"


@dataclass(frozen=True)
class TileSpec:
    key: str  # i18n key of the title
    point_id: str
    unit: str
    direction: Direction | None = None  # show |value| plus words
    bar: bool = False  # a 0..100 bar (SOC)


POWER_TILES = (
    TileSpec("tile.pv", "site.pv_p", "kW"),
    TileSpec("tile.load", "site.load_p", "kW"),
    TileSpec("tile.grid", "site.grid_p", "kW", _grid_direction),
    TileSpec("tile.bess", "site.bess_p", "kW", _bess_direction),
    TileSpec("tile.soc", "site.bess_soc", "%", bar=True),
)
# laid out in three columns, two rows: the pairs (import/export, charge/discharge) stacked
ENERGY_TILES = (
    TileSpec("energy.pv", "site.e_pv_today", "kWh"),
    TileSpec("energy.grid_import", "site.e_grid_import_today", "kWh"),
    TileSpec("energy.bess_charge", "site.e_bess_charge_today", "kWh"),
    TileSpec("energy.load", "site.e_load_today", "kWh"),
    TileSpec("energy.grid_export", "site.e_grid_export_today", "kWh"),
    TileSpec("energy.bess_discharge", "site.e_bess_discharge_today", "kWh"),
)


class Tile(QFrame):
    """Title, value with unit, and a detail line (direction words or a quality tag)."""

    def __init__(self, spec: TileSpec, unit: str, lang: str, large: bool) -> None:
        super().__init__()
        self.spec = spec
        self.lang = lang
        self.state = "none"  # none / good / uncertain / bad: what the tile currently shows
        self.setObjectName("tile")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._value_size = 26 if large else 16

        self.title = QLabel(tr(spec.key, lang))
        self.title.setObjectName("tileTitle")
        self.value = QLabel(tr("value.none", lang))
        self.value.setObjectName("tileValue")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBaseline)
        self.unit = QLabel(unit)
        self.unit.setObjectName("tileUnit")
        self.unit.setFont(theme.font(theme.BASE_POINT_SIZE + 1))
        self.detail = QLabel(" ")
        self.detail.setObjectName("tileDetail")

        row = QHBoxLayout()
        row.setSpacing(6)
        row.addStretch(1)
        row.addWidget(self.value, 0, Qt.AlignmentFlag.AlignBaseline)
        row.addWidget(self.unit, 0, Qt.AlignmentFlag.AlignBaseline)
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 6, 10, 6)
        box.setSpacing(2)
        self.bar: QProgressBar | None = None
        if large:
            # title / value / bar slot / detail: values line up across the row of tiles
            box.addWidget(self.title)
            box.addStretch(1)
            box.addLayout(row)
            self.bar = QProgressBar()
            self.bar.setRange(0, 100)
            self.bar.setTextVisible(False)
            self.bar.setFixedHeight(6)
            policy = self.bar.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            self.bar.setSizePolicy(policy)
            self.bar.setVisible(spec.bar)
            box.addWidget(self.bar)
            box.addWidget(self.detail)
        else:
            # compact, one line: title ... tag  value unit
            row.insertWidget(0, self.title, 0, Qt.AlignmentFlag.AlignBaseline)
            row.insertWidget(2, self.detail, 0, Qt.AlignmentFlag.AlignBaseline)
            box.addLayout(row)
        self._paint_state("none")

    def show_value(self, pv: PointValue | None, point_name: str, zone: ZoneInfo) -> None:
        lang = self.lang
        if pv is None or pv.value is None:
            self.value.setText(tr("value.none", lang))
            tag = quality_tag(pv.quality, lang) if pv is not None else tr("value.no_data", lang)
            self._paint_state("bad" if pv is not None and pv.quality.is_bad else "none", tag)
            return
        signed = pv.as_float()
        shown = abs(signed) if self.spec.direction else signed
        self.value.setText(format_number(shown, self.spec.unit, lang))
        if self.bar is not None and self.spec.bar:
            self.bar.setValue(round(max(0.0, min(100.0, signed))))
        words = ""
        if self.spec.direction is not None:
            key = self.spec.direction(signed)
            words = tr(key, lang) if key else ""
        status = pv.quality.status
        tag = quality_tag(pv.quality, lang)
        self._paint_state(status, tag or words)
        self.setToolTip(
            f"{self.spec.point_id} — {point_name}\n"
            f"{format_number(signed, self.spec.unit, lang)} {self.spec.unit}  "
            f"{quality_text(pv.quality, lang)}\n{format_time(pv.ts, zone)}"
        )

    def _paint_state(self, state: str, detail: str = "") -> None:
        """Grey when normal; bad = faint italic value + red tag; uncertain = amber tag."""
        self.state = state
        self.detail.setText(detail or " ")
        bad = state == "bad"
        self.value.setFont(theme.font(self._value_size, bold=not bad, italic=bad))
        value_colour = theme.TEXT_FAINT if state in ("bad", "none") else theme.TEXT
        self.value.setStyleSheet(f"color: {value_colour};")
        tag_colour = theme.quality_colour(state) or theme.TEXT_MUTED
        weight = "bold" if state in ("bad", "uncertain") else "normal"
        self.detail.setStyleSheet(f"color: {tag_colour}; font-weight: {weight};")
        abnormal = "true" if bad else "false"
        if self.property("abnormal") != abnormal:
            self.setProperty("abnormal", abnormal)
            self.style().unpolish(self)
            self.style().polish(self)


def _group(title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("panel")
    box = QVBoxLayout(frame)
    box.setContentsMargins(6, 4, 6, 6)
    box.setSpacing(4)
    label = QLabel(title)
    label.setObjectName("panelTitle")
    box.addWidget(label)
    return frame, box


class OverviewPanel(QWidget):
    """The KPI band at the top of the console."""

    def __init__(self, station: Station, snapshot: Mapping[str, PointValue], lang: str) -> None:
        super().__init__()
        self._station = station
        self._lang = lang
        self._zone = ZoneInfo(station.info.timezone)
        self.tiles: dict[str, Tile] = {}

        power, power_box = _group(tr("overview.power", lang))
        row = QHBoxLayout()
        row.setSpacing(6)
        for spec in POWER_TILES:
            tile = self._make_tile(spec, large=True)
            row.addWidget(tile)
        power_box.addLayout(row, 1)

        energy, energy_box = _group(tr("overview.energy", lang))
        grid = QGridLayout()
        grid.setSpacing(6)
        for i, spec in enumerate(ENERGY_TILES):
            grid.addWidget(self._make_tile(spec, large=False), i // 3, i % 3)
        energy_box.addLayout(grid, 1)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(power, 5)
        layout.addWidget(energy, 4)
        self.apply(snapshot, initial=True)

    def _make_tile(self, spec: TileSpec, large: bool) -> Tile:
        point = self._station.points.get(spec.point_id)
        unit = point.unit if point is not None and point.unit else spec.unit
        tile = Tile(spec, unit, self._lang, large)
        self.tiles[spec.point_id] = tile
        return tile

    def apply(self, batch: Mapping[str, PointValue], initial: bool = False) -> None:
        """Refresh the tiles whose point is in ``batch`` (all of them on ``initial``)."""
        for point_id, tile in self.tiles.items():
            if point_id in batch or initial:
                point = self._station.points.get(point_id)
                name = point.name.text(self._lang) if point is not None else point_id
                tile.show_value(batch.get(point_id), name, self._zone)
