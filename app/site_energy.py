"""Today's site energy (kWh), integrated from the site power aliases.

The overview's energy tiles are ordinary points (``site.e_pv_today`` ...) so that they are
stored, trended and shown like any other. Each integrates one direction of a site power
alias with the trapezoid rule over good samples and restarts at local midnight in the
station's time zone; at start-up it is seeded from today's history so a restart does not
zero the day. Gaps longer than MAX_GAP_S are not bridged (no energy is invented).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.config.schema import I18nText
from app.model import PointSpec
from app.points import PointValue, Quality

MAX_GAP_S = 60.0


@dataclass(frozen=True)
class EnergyDef:
    id: str
    source: str
    sign: float  # +1 integrates the positive part of the source, -1 the negative part
    name: I18nText


# (id, source alias, sign, English name, Chinese name)
_ENERGY_ROWS = (
    ("site.e_pv_today", "site.pv_p", 1, "PV generation today", "今日光伏发电量"),
    ("site.e_load_today", "site.load_p", 1, "Consumption today", "今日用电量"),
    ("site.e_grid_import_today", "site.grid_p", 1, "Grid import today", "今日下网电量"),
    ("site.e_grid_export_today", "site.grid_p", -1, "Grid export today", "今日上网电量"),
    ("site.e_bess_charge_today", "site.bess_p", -1, "BESS charge today", "今日储能充电量"),
    ("site.e_bess_discharge_today", "site.bess_p", 1, "BESS discharge today", "今日储能放电量"),
)
ENERGY_DEFS = tuple(
    EnergyDef(pid, source, sign, I18nText(en=en, zh=zh))
    for pid, source, sign, en, zh in _ENERGY_ROWS
)


def energy_specs(existing: Iterable[str]) -> list[PointSpec]:
    """Specs of the energy points whose source alias the station defines."""
    ids = set(existing)
    return [
        PointSpec(id=d.id, name=d.name, unit="kWh", kind="counter", expr=f"∫ {d.source}")
        for d in ENERGY_DEFS
        if d.source in ids
    ]


def local_midnight(ts: float, zone: ZoneInfo) -> float:
    local = datetime.fromtimestamp(ts, zone)
    midnight = datetime(local.year, local.month, local.day, tzinfo=zone)
    return midnight.timestamp()


def positive_area(p0: float, p1: float, dt: float) -> float:
    """Integral over dt of the positive part of a line from p0 to p1 (kW*s)."""
    if p0 >= 0 and p1 >= 0:
        return (p0 + p1) / 2 * dt
    if p0 <= 0 and p1 <= 0:
        return 0.0
    top = max(p0, p1)  # the line crosses zero: only the triangle above it counts
    return top * top / abs(p1 - p0) / 2 * dt


class _Integrator:
    def __init__(self, definition: EnergyDef) -> None:
        self.definition = definition
        self.kwh = 0.0
        self._last: tuple[float, float] | None = None  # (ts, power in the integrated direction)

    def add(self, ts: float, power_kw: float) -> None:
        p = self.definition.sign * power_kw
        if self._last is not None:
            t0, p0 = self._last
            dt = ts - t0
            if dt <= 0:
                return  # out-of-order or repeated sample
            if dt <= MAX_GAP_S:
                self.kwh += positive_area(p0, p, dt) / 3600.0
        self._last = (ts, p)

    def break_gap(self) -> None:
        self._last = None


class SiteEnergy:
    """Feeds on point batches; returns the energy points to publish."""

    def __init__(self, specs: Iterable[PointSpec], zone: ZoneInfo) -> None:
        wanted = {s.id for s in specs}
        self._zone = zone
        self._integrators = [_Integrator(d) for d in ENERGY_DEFS if d.id in wanted]
        self._sources = {i.definition.source for i in self._integrators}
        self._day_start: float | None = None

    @property
    def sources(self) -> set[str]:
        return set(self._sources)

    def seed(self, source: str, ts: Iterable[float], values: Iterable[float]) -> None:
        """Replay today's stored samples of ``source`` (oldest first) before live data."""
        for t, v in zip(ts, values, strict=False):
            self._feed(source, float(t), float(v), good=v == v)

    def _roll_day(self, ts: float) -> None:
        start = local_midnight(ts, self._zone)
        if self._day_start is None or start > self._day_start:
            if self._day_start is not None:
                for integ in self._integrators:
                    integ.kwh = 0.0
                    integ.break_gap()
            self._day_start = start

    def _feed(self, source: str, ts: float, value: float, good: bool) -> None:
        self._roll_day(ts)
        if self._day_start is not None and ts < self._day_start:
            return
        for integ in self._integrators:
            if integ.definition.source != source:
                continue
            if good:
                integ.add(ts, value)
            else:
                integ.break_gap()

    def on_batch(self, batch: Mapping[str, PointValue]) -> dict[str, PointValue]:
        touched = [s for s in self._sources if s in batch]
        if not touched:
            return {}
        ts = 0.0
        for source in touched:
            pv = batch[source]
            good = pv.quality is Quality.GOOD and pv.value is not None
            self._feed(source, pv.ts, pv.as_float(), good)
            ts = max(ts, pv.ts)
        return {
            i.definition.id: PointValue(round(i.kwh, 6), ts, Quality.GOOD)
            for i in self._integrators
            if i.definition.source in touched
        }

    def day_start(self) -> float | None:
        return self._day_start

    @staticmethod
    def today_start(now: float, zone: ZoneInfo) -> float:
        return local_midnight(now, zone)

    @staticmethod
    def next_midnight(now: float, zone: ZoneInfo) -> float:
        local = datetime.fromtimestamp(now, zone) + timedelta(days=1)
        return datetime(local.year, local.month, local.day, tzinfo=zone).timestamp()
