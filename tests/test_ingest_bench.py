"""The ingest benchmark runs end to end with tiny sizes and ends with its JSON line."""

from __future__ import annotations

import json

from benchmarks import ingest


def test_ingest_benchmark_smoke(capsys):
    assert ingest.main(["--json", "--points", "60", "--seconds", "90", "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("ingest: 60 points x 90 s")
    record = json.loads(lines[-1])
    assert {"name", "value", "unit", "baseline", "ratio"} <= record.keys()
    assert record["name"] == "ingest" and record["unit"] == "points/s"
    assert record["samples"] == 60 * 90
    assert record["value"] > 0 and record["baseline"] > 0 and record["ratio"] > 0


def test_the_benchmark_station_has_counters_and_per_device_batches():
    station = ingest.build_station(120)
    kinds = [p.kind for p in station.points.values()]
    assert kinds.count("counter") == 12
    batches = ingest.make_batches(station, 2, t0=0.0)
    assert [len(b) for b in batches] == [50, 50, 20, 50, 50, 20]
