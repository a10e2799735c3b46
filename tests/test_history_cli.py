"""`history` command: CSV and table output, time options, and errors that exit with 2."""

from __future__ import annotations

import argparse
import csv
import io
import time

import pytest

from app.history.cli import add_history_parser, run_history
from app.history.timespec import format_utc, parse_duration, parse_instant
from app.points import Quality
from tests.test_history_support import T0, G, spec, write_series

# T0 is 2025-11-24T16:00:00Z
RAW = [
    (T0 + 1, 55.5, G),
    (T0 + 2.25, None, Quality.BAD_COMM_LOST),
    (T0 + 3, 56.0, Quality.UNCERTAIN),
    (T0 + 120, 60.0, G),
]


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="main.py")
    add_history_parser(parser.add_subparsers(dest="command"))
    return run_history(parser.parse_args(["history", *argv]))


@pytest.fixture
def data(tmp_path):
    write_series(tmp_path, {"site.bess_soc": RAW}, [spec("site.bess_soc", unit="%")])
    return tmp_path


def test_csv_rows_are_iso_utc_value_and_quality_oldest_first(data, capsys):
    code = _run(
        "--data", str(data), "--point", "site.bess_soc",
        "--from", "2025-11-24T16:00:00Z", "--to", "2025-11-24T16:00:59Z", "--csv",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines() == [
        "timestamp,value,quality",
        "2025-11-24T16:00:01.000Z,55.5,good",
        "2025-11-24T16:00:02.250Z,,bad:comm_lost",
        "2025-11-24T16:00:03.000Z,56.0,uncertain",
    ]


def test_a_time_without_zone_is_utc_and_other_zones_convert(data, capsys):
    base = ["--data", str(data), "--point", "site.bess_soc", "--csv"]
    assert _run(*base, "--from", "2025-11-24T16:00:02", "--to", "2025-11-24 16:00:03") == 0
    naive = capsys.readouterr().out
    assert _run(*base, "--from", "2025-11-25T00:00:02+08:00", "--to", "2025-11-24T16:00:03Z") == 0
    assert capsys.readouterr().out == naive
    assert len(naive.splitlines()) == 3  # header + the two samples at :02.25 and :03


def test_rollup_csv_keeps_the_first_three_columns_and_adds_the_aggregates(data, capsys):
    code = _run(
        "--data", str(data), "--point", "site.bess_soc", "--resolution", "1m",
        "--from", "2025-11-24T16:00:00Z", "--to", "2025-11-24T16:03:00Z", "--csv",
    )  # fmt: skip
    assert code == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == [
        "timestamp", "value", "quality", "min", "max", "last", "delta", "samples", "good_samples",
    ]  # fmt: skip
    assert rows[1] == [
        "2025-11-24T16:00:00.000Z", "55.75", "bad:comm_lost", "55.5", "56.0", "56.0", "", "3", "1",
    ]  # fmt: skip
    assert rows[2][:3] == ["2025-11-24T16:02:00.000Z", "60.0", "good"]


def test_last_with_units_counts_back_from_now(tmp_path, capsys):
    now = time.time()
    write_series(tmp_path, {"a.b": [(now - 7200, 1.0, G), (now - 30, 2.0, G)]})
    assert _run("--data", str(tmp_path), "--point", "a.b", "--last", "10m", "--csv") == 0
    assert [r.split(",")[1] for r in capsys.readouterr().out.splitlines()[1:]] == ["2.0"]
    assert _run("--data", str(tmp_path), "--point", "a.b", "--last", "1d", "--csv") == 0
    assert len(capsys.readouterr().out.splitlines()) == 3  # auto chose 1m buckets: 2 rows


def test_without_csv_an_aligned_table(data, capsys):
    code = _run(
        "--data", str(data), "--point", "site.bess_soc", "--resolution", "raw",
        "--from", "2025-11-24T16:00:00Z", "--to", "2025-11-24T16:02:00Z",
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0].split() == ["timestamp", "value", "quality"]
    assert lines[2].split() == ["2025-11-24T16:00:02.250Z", "bad:comm_lost"]
    assert len({line.index("good") for line in lines[1:5] if "good" in line}) == 1  # aligned
    assert lines[-1] == "(4 row(s), resolution raw, site.bess_soc)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--point", "site.nope"], "--point 'site.nope': no such point"),
        (["--point", "site.bess_soc", "--from", "yesterday"], "--from 'yesterday': not an ISO"),
        (["--point", "site.bess_soc", "--to", "2025-13-01"], "--to '2025-13-01': not an ISO"),
        (["--point", "site.bess_soc", "--last", "10x"], "--last '10x': expected a number"),
        (["--point", "site.bess_soc", "--last", "0s"], "--last '0s': must be longer"),
        (
            ["--point", "site.bess_soc", "--from", "2025-11-25", "--to", "2025-11-24"],
            "--from '2025-11-25' is after --to '2025-11-24'",
        ),
    ],
)
def test_bad_input_names_the_option_and_value_and_exits_2(data, capsys, args, message):
    assert _run("--data", str(data), *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


def test_a_folder_without_a_database_exits_2_without_creating_one(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _run("--data", str(empty), "--point", "a.b") == 2
    assert f"--data '{empty}': no history database (history.sqlite)" in capsys.readouterr().err
    assert list(empty.iterdir()) == []


def test_argparse_rejects_an_unknown_resolution_and_both_last_and_from(data, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _run("--data", str(data), "--point", "a.b", "--resolution", "5m")
    assert exit_info.value.code == 2
    assert "--resolution" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run("--data", str(data), "--point", "a.b", "--last", "1h", "--from", "2025-11-24")
    assert "--from" in capsys.readouterr().err


def test_time_helpers():
    assert format_utc(T0 + 1.0006) == "2025-11-24T16:00:01.001Z"
    assert format_utc(T0 + 59.9999) == "2025-11-24T16:01:00.000Z"  # rounding carries
    assert parse_instant("2025-11-24", 0) == T0 - 16 * 3600
    assert parse_instant("now", 123.0) == 123.0
    assert [parse_duration(d) for d in ("90s", "10m", "1.5h", "7d")] == [90, 600, 5400, 604800]
