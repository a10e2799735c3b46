"""The economics benchmark runs and prints its ratios as the last JSON line (figures:
docs/performance.md; the full month with the MPC takes minutes and is not run here)."""

import json

import pytest

from benchmarks import economics


def test_economics_benchmark_prints_the_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    assert economics.main(["--days", "2", "--skip-mpc", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    data = json.loads(out[-1])
    assert data["name"] == "economics_best_rule_share_of_optimal"
    assert data["baseline"] == 90.0
    assert 0 < data["rules_ratio_to_optimal"] <= 1.0  # the LP bounds every rule-based bill
    assert data["station_ratio_to_optimal"] <= 1.0
    assert data["mpc_ratio_to_optimal"] is None  # skipped
    assert any("best rule-based" in line for line in out)
