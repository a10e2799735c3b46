"""The alarm benchmark runs on a small station and prints its figures as the last JSON line
(the 10,000-point figure: `uv run python -m benchmarks.alarms`)."""

import json

import pytest

from benchmarks import alarms


def test_alarm_benchmark_prints_its_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert alarms.main(["--points", "200", "--rounds", "8", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    data = json.loads(out[-1])
    assert data["name"] == "alarms" and data["unit"] == "evaluations/s"
    assert data["points"] == 200 and data["value"] > 0 and data["baseline"] > 0
    assert data["ratio"] == pytest.approx(data["value"] / data["baseline"], abs=0.001)
    assert isinstance(data["target_met"], bool) and data["transitions"] > 0
    assert any("under 10 % of the cycle" in line for line in out)


def test_with_rate_of_change_every_point_has_one_more_alarm(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = []
    for extra in ([], ["--roc"]):
        assert alarms.main(["--points", "50", "--rounds", "3", "--json", *extra]) == 0
        figures.append(json.loads(capsys.readouterr().out.strip().splitlines()[-1]))
    plain, roc = figures
    assert (plain["roc"], roc["roc"]) == (False, True)
    assert roc["alarms"] == plain["alarms"] + 50  # <point>.ROC on each of the 50 points
