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


def test_economics_profile_mode_prints_ratios_per_case(capsys: pytest.CaptureFixture[str]) -> None:
    cases = ["factory_two_shift/clouds/spring/s1", "ev_depot/clear/winter/s2"]
    argv = ["--profiles", "--days", "1", "--skip-mpc", "--json"]
    assert economics.main(argv + [a for c in cases for a in ("--case", c)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    data = json.loads(out[-1])
    assert data["name"] == "economics_profiles_min_share_of_optimal"
    assert [c["case"] for c in data["cases"]] == cases
    assert [c["set"] for c in data["cases"]] == ["tuning", "reporting"]
    for case in data["cases"]:
        assert set(case["configs"]) == {"station", "rules"}
        for figures in case["configs"].values():
            ratio = figures["ratio_to_optimal"]
            assert ratio is None or ratio <= 1.0
    assert set(data["summary"]) == {"tuning", "reporting"}
    assert any(line.strip().startswith(cases[0]) and "%" in line for line in out)
    assert any("reporting set:" in line for line in out)


def test_economics_cases_split_tuning_from_reporting() -> None:
    tuning = {(c.profile, c.season, c.seed) for c in economics.TUNING_CASES}
    reporting = {(c.profile, c.season, c.seed) for c in economics.REPORTING_CASES}
    assert not tuning & reporting
    assert {c.season for c in economics.REPORTING_CASES}.isdisjoint({"spring"})
    from simulator.profiles import PROFILES

    assert {c.profile for c in economics.REPORTING_CASES} == set(PROFILES)
