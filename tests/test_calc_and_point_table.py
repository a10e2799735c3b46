"""Calculated points: safe expressions, worst-quality propagation, dependency order."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.calc import ExpressionError, compile_expression
from app.config.loader import load_station
from app.events import POINTS, EventBus
from app.point_table import PointTable
from app.points import PointValue, Quality

FIXTURES = Path(__file__).parent / "fixtures"


def test_expression_reads_dotted_ids_and_functions():
    expr = compile_expression("max(0, -(m.p_export - m.p_import)) * 2")
    assert expr.refs == {"m.p_export", "m.p_import"}
    values = {"m.p_export": PointValue(5.0, 10.0), "m.p_import": PointValue(8.0, 11.0)}
    result = expr.evaluate(values, now=20.0)
    assert result == PointValue(6.0, 11.0, Quality.GOOD)


@pytest.mark.parametrize("text", ["__import__('os')", "a.b ** 2", "open.x()", "a.b if 1 else 2"])
def test_expression_refuses_anything_but_arithmetic(text):
    with pytest.raises(ExpressionError):
        compile_expression(text)


def test_worst_input_quality_wins_and_division_by_zero_is_invalid():
    expr = compile_expression("a.x / b.y")
    good = PointValue(1.0, 1.0)
    stale = PointValue(2.0, 2.0, Quality.UNCERTAIN_STALE)
    assert expr.evaluate({"a.x": good, "b.y": stale}, 3.0).quality is Quality.UNCERTAIN_STALE
    zero = PointValue(0.0, 1.0)
    assert expr.evaluate({"a.x": good, "b.y": zero}, 3.0).quality is Quality.BAD_INVALID
    missing = expr.evaluate({"a.x": good}, 3.0)
    assert missing.value is None and missing.quality.is_bad


def test_point_table_publishes_one_batch_with_dependent_calculations():
    station = load_station(FIXTURES / "station_ok.yaml")
    bus = EventBus()
    batches = []
    bus.subscribe(POINTS, batches.append)
    table = PointTable(station, bus, clock=lambda: 100.0)
    table.update({"m1.p": PointValue(10.0, 50.0), "m2.p": PointValue(5.0, 51.0)})
    (batch,) = batches
    assert batch["site.grid_p"].value == 15.0
    assert batch["site.double"].value == 30.0
    table.mark_device("m2", Quality.BAD_COMM_LOST)
    assert table.get("m2.p") == PointValue(5.0, 100.0, Quality.BAD_COMM_LOST)
    assert table.get("site.double").quality is Quality.BAD_COMM_LOST
    assert table.get("site.double").value == 30.0  # last value kept, marked bad


def test_quality_text_round_trip():
    for q in Quality:
        assert Quality.parse(str(q)) is q
    assert str(Quality.BAD_COMM_LOST) == "bad:comm_lost"
    assert str(Quality.GOOD) == "good"
