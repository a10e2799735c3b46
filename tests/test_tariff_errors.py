"""Bad tariff files are refused with messages naming the file, the field and the value."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from app.config.errors import ConfigError
from app.tariff import load_tariff
from tests.test_tariff_periods import tou_data


def _load(tmp_path: Path, data: dict) -> list:
    path = tmp_path / "tariff.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_tariff(path)
    for issue in info.value.issues:
        assert issue.file == str(path)
        assert str(path) in str(issue)
    return info.value.issues


def _variant(change) -> dict:
    data = copy.deepcopy(tou_data())
    change(data)
    return data


def test_the_base_file_is_valid(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(tou_data()), encoding="utf-8")
    assert load_tariff(path).name == "test TOU"


def test_overlap_names_the_interval(tmp_path):
    def change(d):
        d["seasons"][1]["weekday"]["flat"] = ["06:00-08:30"]

    (issue,) = _load(tmp_path, _variant(change))
    assert issue.field == "seasons[1].weekday.flat[0]"
    assert issue.value == "06:00-08:30"
    assert "overlaps" in issue.message and "peak[0]" in issue.message


def test_overlap_across_midnight(tmp_path):
    def change(d):
        d["seasons"][1]["weekday"]["valley"] = ["21:00-06:00"]

    (issue,) = _load(tmp_path, _variant(change))
    assert issue.field == "seasons[1].weekday.valley[0]"
    assert issue.value == "21:00-06:00"


def test_gap_names_the_uncovered_time(tmp_path):
    def change(d):
        d["seasons"][0]["weekend"]["flat"] = ["06:00-21:30"]

    (issue,) = _load(tmp_path, _variant(change))
    assert issue.field == "seasons[0].weekend"
    assert "21:30-22:00 uncovered" in issue.message


def test_negative_prices_are_refused(tmp_path):
    def change(d):
        d["prices"]["import"]["peak"] = -0.1
        d["seasons"][1]["prices"]["export"] = -0.2

    issues = _load(tmp_path, _variant(change))
    fields = {i.field: i.value for i in issues}
    assert fields["prices.import.peak"] == -0.1
    assert any(f.startswith("seasons[1].prices.export") and v == -0.2 for f, v in fields.items())


def test_months_missing_or_twice(tmp_path):
    def change(d):
        d["seasons"][1]["months"] = [1, 2, 3, 4, 5, 6, 9, 10, 11]

    issues = _load(tmp_path, _variant(change))
    by_field = {i.field: i for i in issues}
    assert by_field["seasons[1].months"].value == 6
    assert by_field["seasons"].value == [12]


def test_bad_interval_text_and_impossible_hours(tmp_path):
    def change(d):
        d["seasons"][1]["weekday"]["peak"] = ["8-22"]

    (issue,) = _load(tmp_path, _variant(change))
    assert (issue.field, issue.value) == ("seasons[1].weekday.peak[0]", "8-22")

    text = yaml.safe_dump(tou_data()).replace("- 08:00-22:00", "- 25:00-22:00")
    path = tmp_path / "hours.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_tariff(path)
    assert "25:00 is not a time of day" in str(info.value)


def test_unknown_key_missing_price_and_unselected_basic_charge(tmp_path):
    def change(d):
        d["seasons"][0]["weekdays"] = d["seasons"][0].pop("weekday")

    issues = _load(tmp_path, _variant(change))
    assert {i.field for i in issues} >= {"seasons[0].weekdays", "seasons[0].weekday"}

    def no_price(d):
        del d["prices"]["import"]["critical_peak"]

    (issue,) = _load(tmp_path, _variant(no_price))
    assert issue.field == "prices.import.critical_peak"

    def both(d):
        d["demand_charge"] = {"price_per_kw_month": 30}
        d["capacity_charge"] = {"price_per_kva_month": 20, "kva": 800}

    (issue,) = _load(tmp_path, _variant(both))
    assert issue.field == "basic_charge"

    def demand_without_block(d):
        d["basic_charge"] = "demand"

    (issue,) = _load(tmp_path, _variant(demand_without_block))
    assert "demand_charge" in issue.message


def test_unknown_timezone(tmp_path):
    def change(d):
        d["timezone"] = "Asia/Shangai"

    (issue,) = _load(tmp_path, _variant(change))
    assert (issue.field, issue.value) == ("timezone", "Asia/Shangai")
