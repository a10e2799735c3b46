"""Pydantic schema of a tariff file (YAML). Unknown keys are errors; prices are never negative.

Checks that need the whole day (24 h covered exactly once) or the whole year (each month in
exactly one season) are in ``app.tariff.validate``, so that their messages can name the exact
interval that overlaps or the gap that is left.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PERIODS: tuple[str, ...] = ("critical_peak", "peak", "flat", "valley")
"""The four TOU periods, 尖峰 / 峰 / 平 / 谷, in this fixed order (index 0..3)."""

PERIOD_LABELS_ZH: dict[str, str] = {
    "critical_peak": "尖峰",
    "peak": "峰",
    "flat": "平",
    "valley": "谷",
}


def _zeros() -> dict[str, float]:
    return {period: 0.0 for period in PERIODS}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DayProfile(Strict):
    """Time-of-day intervals of each period, e.g. ``peak: ["08:00-11:00", "17:00-22:00"]``.

    An interval is ``"HH:MM-HH:MM"`` in the station's local time, start inclusive, end
    exclusive; ``24:00`` ends a day and an end before the start wraps past midnight
    (``"22:00-06:00"``). A period may be left out; the intervals of all periods together
    must cover the day exactly once.
    """

    critical_peak: list[str] = Field(default_factory=list)
    peak: list[str] = Field(default_factory=list)
    flat: list[str] = Field(default_factory=list)
    valley: list[str] = Field(default_factory=list)

    def intervals(self) -> dict[str, list[str]]:
        return {p: list(getattr(self, p)) for p in PERIODS}


class PeriodPrices(Strict):
    """Currency per kWh for each period; a period that a day profile uses must have a price."""

    critical_peak: float | None = Field(default=None, ge=0)
    peak: float | None = Field(default=None, ge=0)
    flat: float | None = Field(default=None, ge=0)
    valley: float | None = Field(default=None, ge=0)

    def get(self, period: str) -> float | None:
        value: float | None = getattr(self, period)
        return value


class Prices(Strict):
    """Energy prices: import per period; export either one flat price or per period."""

    import_: PeriodPrices = Field(alias="import")
    export: PeriodPrices = Field(default_factory=lambda: PeriodPrices.model_validate(_zeros()))
    """One number applies to every period."""

    @field_validator("export", mode="before")
    @classmethod
    def _one_export_price(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value < 0:
                raise ValueError(f"export price {value} is negative")
            return {period: value for period in PERIODS}
        return value

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Season(Strict):
    """Months (1..12) sharing one set of day profiles (and optionally their own prices)."""

    name: str = Field(min_length=1)
    months: list[int] = Field(min_length=1)
    weekday: DayProfile
    weekend: DayProfile | None = None
    """Saturdays and Sundays; the weekday profile when absent."""
    holiday: DayProfile | None = None
    """Dates listed under ``holidays``; the weekend profile when absent."""
    prices: Prices | None = None
    """Overrides the tariff's prices in this season's months."""


class DemandCharge(Strict):
    """Currency per kW per month, on the month's maximum 15-minute average import (需量)."""

    price_per_kw_month: float = Field(ge=0)


class CapacityCharge(Strict):
    """Currency per kVA per month on the contracted transformer capacity (容量)."""

    price_per_kva_month: float = Field(ge=0)
    kva: float = Field(ge=0)


class TariffFile(Strict):
    name: str = Field(min_length=1)
    currency: str = Field(default="CNY", min_length=1)
    timezone: str = Field(default="Asia/Shanghai", min_length=1)
    source: str = Field(min_length=1)
    """Where the figures come from (notice number and date, or the grid company's table)."""
    verified: bool = False
    """True only when every figure was checked against the source named above."""
    seasons: list[Season] = Field(min_length=1)
    holidays: list[dt.date] = Field(default_factory=list)
    workdays: list[dt.date] = Field(default_factory=list)
    """Weekend dates worked as weekdays (调休), which take the weekday profile."""
    prices: Prices
    demand_charge: DemandCharge | None = None
    capacity_charge: CapacityCharge | None = None
    basic_charge: Literal["demand", "capacity", "none"] = "none"
    """Which of the two basic charges (基本电费) applies; its block must be given."""

    @model_validator(mode="after")
    def _basic_charge_given(self) -> TariffFile:
        if self.basic_charge == "demand" and self.demand_charge is None:
            raise ValueError("basic_charge is 'demand' but no demand_charge block is given")
        if self.basic_charge == "capacity" and self.capacity_charge is None:
            raise ValueError("basic_charge is 'capacity' but no capacity_charge block is given")
        return self
