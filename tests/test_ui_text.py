"""Strings and formats: every label has Chinese, numbers and qualities read as intended."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from app.points import PointValue, Quality
from tests import ui_support  # noqa: F401  (sets QT_QPA_PLATFORM before Qt starts)
from ui.format import format_number, format_time, format_value, quality_tag, quality_text
from ui.i18n import STRINGS, tr


def test_every_string_has_english_and_chinese():
    missing = [k for k, v in STRINGS.items() if not v.get("en") or not v.get("zh")]
    assert missing == []


def test_every_quality_reason_has_a_label():
    for quality in Quality:
        if quality.reason:
            assert f"q.{quality.reason}" in STRINGS, quality


def test_tr_falls_back_visibly():
    assert tr("tile.pv", "zh") == "光伏"
    assert tr("tile.pv", "zh_CN") == "光伏"
    assert tr("no.such.key", "zh") == "no.such.key"
    assert tr("tree.points", "en", n=3) == "3 points"


def test_numbers():
    assert format_number(1234.56, "kW") == "1,234.6"
    assert format_number(50.014, "Hz") == "50.01"
    assert format_number(7, "") == "7"
    assert format_number(0.01234, "") == "0.012"
    assert format_number(float("nan"), "kW") == "—"
    assert format_number(None) == "—"


def test_values_and_qualities():
    assert format_value(None, PointValue(None, 0.0, Quality.BAD_COMM_LOST)) == "—"
    assert quality_text(Quality.BAD_COMM_LOST) == "bad:comm_lost"
    assert quality_text(Quality.BAD_COMM_LOST, "zh") == "坏:通信中断"
    assert quality_text(Quality.GOOD, "zh") == "好"
    assert quality_tag(Quality.GOOD) == ""
    assert quality_tag(Quality.BAD_COMM_LOST) == "comm lost"
    assert quality_tag(Quality.UNCERTAIN) == "uncertain"


def test_time_is_shown_in_the_station_zone():
    assert format_time(0.0, ZoneInfo("Asia/Shanghai")) == "1970-01-01 08:00:00"
    assert format_time(0.0, ZoneInfo("Europe/Berlin"), with_date=False) == "01:00:00"
