"""Load a tariff YAML file: schema, whole-day and whole-year checks, then compile.

Every problem found is collected and raised as one ConfigError whose lines each name the
file, the field path and the bad value.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from pydantic import ValidationError

from app.config.errors import ConfigError, ConfigIssue, issues_from_validation
from app.config.loader import read_yaml
from app.tariff.model import BasicCharge, Tariff
from app.tariff.schema import PERIODS, TariffFile
from app.tariff.validate import MINUTES_PER_DAY, check_months, compile_profile, price_vectors


def parse_tariff(data: object, file: str = "<tariff>") -> Tariff:
    """Validate already-parsed YAML data (a mapping) into a Tariff."""
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(file, "", data, "expected a mapping at the top level")])
    try:
        spec = TariffFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(issues_from_validation(file, exc)) from None

    issues: list[ConfigIssue] = []
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        issues.append(ConfigIssue(file, "timezone", spec.timezone, "unknown IANA time zone"))
    issues += check_months(file, spec)

    n = len(spec.seasons)
    profiles = np.zeros((n, 3, MINUTES_PER_DAY), dtype=np.uint8)
    imports = np.zeros((n, len(PERIODS)))
    exports = np.zeros((n, len(PERIODS)))
    for i, season in enumerate(spec.seasons):
        weekday, found = compile_profile(file, f"seasons[{i}].weekday", season.weekday)
        issues += found
        weekend = weekday
        if season.weekend is not None:
            weekend, found = compile_profile(file, f"seasons[{i}].weekend", season.weekend)
            issues += found
        holiday = weekend
        if season.holiday is not None:
            holiday, found = compile_profile(file, f"seasons[{i}].holiday", season.holiday)
            issues += found
        profiles[i] = (weekday, weekend, holiday)
        used = {int(p) for p in np.unique(profiles[i]) if p < len(PERIODS)}
        prices, where = (
            (season.prices, f"seasons[{i}].prices") if season.prices else (spec.prices, "prices")
        )
        imports[i], exports[i], found = price_vectors(file, where, prices, used)
        issues += [x for x in found if x not in issues]

    both = spec.demand_charge is not None and spec.capacity_charge is not None
    if both and spec.basic_charge == "none":
        issues.append(
            ConfigIssue(
                file,
                "basic_charge",
                spec.basic_charge,
                "both demand_charge and capacity_charge are given: select one with "
                "basic_charge: demand | capacity",
            )
        )
    if issues:
        raise ConfigError(issues)

    if spec.basic_charge == "demand" and spec.demand_charge is not None:
        basic = BasicCharge("demand", spec.demand_charge.price_per_kw_month)
    elif spec.basic_charge == "capacity" and spec.capacity_charge is not None:
        cap = spec.capacity_charge
        basic = BasicCharge("capacity", cap.price_per_kva_month, cap.kva)
    else:
        basic = BasicCharge("none")

    month_season = [0] * 13
    for i, season in enumerate(spec.seasons):
        for month in season.months:
            month_season[month] = i
    return Tariff(
        name=spec.name,
        currency=spec.currency,
        timezone=spec.timezone,
        source=spec.source,
        verified=spec.verified,
        season_names=[s.name for s in spec.seasons],
        month_season=month_season,
        profiles=profiles,
        import_prices=imports,
        export_prices=exports,
        holidays=frozenset(spec.holidays),
        workdays=frozenset(spec.workdays),
        basic_charge=basic,
        path=file,
    )


def load_tariff(path: str | Path) -> Tariff:
    """Read and validate a tariff YAML file; raises ConfigError naming file, field and value."""
    path = Path(path)
    return parse_tariff(read_yaml(path), str(path))
