"""The compiled tariff: which TOU period and which prices apply at a UTC instant.

All lookups are by the station's local wall-clock time (``ZoneInfo``): the local date picks
the season (by month) and the day type (holiday > workday swap > weekend > weekday), the
local minute of the day picks the period. Intervals are start inclusive, end exclusive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from app.tariff.schema import PERIODS

WEEKDAY, WEEKEND, HOLIDAY = 0, 1, 2
DAY_TYPES: tuple[str, ...] = ("weekday", "weekend", "holiday")

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
_PERIOD_NAMES = np.array(PERIODS)


@dataclass(frozen=True)
class BasicCharge:
    """The monthly basic charge (基本电费): on maximum demand, on capacity, or none."""

    kind: str  # "demand" | "capacity" | "none"
    price: float = 0.0  # per kW per month (demand) or per kVA per month (capacity)
    kva: float = 0.0  # contracted capacity, for kind "capacity"


@dataclass(frozen=True)
class Classified:
    """Per element of a timestamp array: period index (0..3), prices and local date."""

    period_index: IntArray
    import_price: FloatArray
    export_price: FloatArray
    local_day: NDArray[np.datetime64]  # datetime64[D], the station's local calendar date

    @property
    def periods(self) -> NDArray[np.str_]:
        return _PERIOD_NAMES[self.period_index]


class Tariff:
    """A loaded, validated tariff. Build it with ``app.tariff.load_tariff``."""

    def __init__(
        self,
        *,
        name: str,
        currency: str,
        timezone: str,
        source: str,
        verified: bool,
        season_names: list[str],
        month_season: list[int],
        profiles: NDArray[np.uint8],
        import_prices: FloatArray,
        export_prices: FloatArray,
        holidays: frozenset[dt.date],
        workdays: frozenset[dt.date],
        basic_charge: BasicCharge,
        path: str = "",
    ) -> None:
        self.name = name
        self.currency = currency
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self.source = source
        self.verified = verified
        self.path = path
        self.season_names = list(season_names)
        self._month_season = list(month_season)  # index 1..12 -> season index; [0] unused
        self._profiles = profiles  # (seasons, 3 day types, 1440 minutes) -> period index
        self._import = import_prices  # (seasons, 4)
        self._export = export_prices  # (seasons, 4)
        self.holidays = holidays
        self.workdays = workdays
        self.basic_charge = basic_charge

    # ----- calendar -----------------------------------------------------------------------

    def day_type(self, day: dt.date) -> int:
        if day in self.holidays:
            return HOLIDAY
        if day in self.workdays:
            return WEEKDAY
        return WEEKEND if day.weekday() >= 5 else WEEKDAY

    def season(self, day: dt.date) -> str:
        return self.season_names[self._month_season[day.month]]

    def local(self, ts: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(ts, self.zone)

    @property
    def demand_charge_per_kw_month(self) -> float:
        """Currency per kW of the month's peak 15-min import; 0 when not a demand tariff."""
        return self.basic_charge.price if self.basic_charge.kind == "demand" else 0.0

    # ----- scalar lookups -----------------------------------------------------------------

    def _index(self, ts: float) -> tuple[int, int]:
        local = self.local(ts)
        day = local.date()
        season = self._month_season[day.month]
        period = int(self._profiles[season, self.day_type(day), local.hour * 60 + local.minute])
        return season, period

    def period(self, ts: float) -> str:
        """``"critical_peak" | "peak" | "flat" | "valley"`` at UTC epoch seconds ``ts``."""
        return PERIODS[self._index(ts)[1]]

    def import_price(self, ts: float) -> float:
        season, period = self._index(ts)
        return float(self._import[season, period])

    def export_price(self, ts: float) -> float:
        season, period = self._index(ts)
        return float(self._export[season, period])

    # ----- vectorised ---------------------------------------------------------------------

    def classify(self, ts: ArrayLike) -> Classified:
        """Period index, prices and local date for every element of ``ts`` (UTC epoch s).

        Works one local day at a time: the UTC instant of each local midnight in the span is
        computed once, and every timestamp is placed by a binary search; the minute of the
        day is then the time since that midnight. A day whose UTC offset changes (DST) is
        looked up element by element.
        """
        t = np.asarray(ts, dtype=np.float64)
        shape = t.shape
        t = t.ravel()
        if t.size == 0:
            empty_i = np.zeros(0, dtype=np.int64)
            empty_f = np.zeros(0, dtype=np.float64)
            return Classified(empty_i, empty_f, empty_f, np.zeros(0, dtype="datetime64[D]"))
        if not np.all(np.isfinite(t)):
            raise ValueError("timestamps must be finite numbers (UTC epoch seconds)")
        first = self.local(float(t.min())).date()
        last = self.local(float(t.max())).date()
        n_days = (last - first).days + 1
        starts = np.empty(n_days + 1, dtype=np.float64)
        offsets: list[dt.timedelta | None] = []
        seasons = np.empty(n_days, dtype=np.int64)
        kinds = np.empty(n_days, dtype=np.int64)
        for i in range(n_days + 1):
            day = first + dt.timedelta(days=i)
            midnight = dt.datetime(day.year, day.month, day.day, tzinfo=self.zone)
            starts[i] = midnight.timestamp()
            offsets.append(midnight.utcoffset())
            if i < n_days:
                seasons[i] = self._month_season[day.month]
                kinds[i] = self.day_type(day)
        day_idx = np.searchsorted(starts, t, side="right") - 1
        day_idx = np.clip(day_idx, 0, n_days - 1)
        minute = np.floor((t - starts[day_idx]) / 60.0).astype(np.int64)
        minute = np.clip(minute, 0, 1439)
        s = seasons[day_idx]
        period = self._profiles[s, kinds[day_idx], minute].astype(np.int64)
        uneven = [i for i in range(n_days) if offsets[i] != offsets[i + 1]]
        if uneven:
            for j in np.flatnonzero(np.isin(day_idx, uneven)):
                s_j, p_j = self._index(float(t[j]))
                s[j], period[j] = s_j, p_j
        local_day = np.datetime64(first, "D") + day_idx.astype("timedelta64[D]")
        return Classified(
            period.reshape(shape),
            self._import[s, period].reshape(shape),
            self._export[s, period].reshape(shape),
            local_day.reshape(shape),
        )

    def prices(self, ts: ArrayLike) -> tuple[FloatArray, FloatArray, NDArray[np.str_]]:
        """Import prices, export prices and period names for an array of UTC epoch seconds."""
        c = self.classify(ts)
        return c.import_price, c.export_price, c.periods

    def __repr__(self) -> str:
        return f"Tariff({self.name!r}, {self.timezone}, {self.currency})"
