"""Power / energy schedule: quarter-hour plan in the station zone, CSV/XLSX import, errors."""

from pathlib import Path

import openpyxl
import pytest
from pydantic import ValidationError

from app.config.errors import ConfigError
from app.control import SiteRoles, StrategyContext
from strategies.schedule import Schedule, ScheduleParams
from strategies.schedule_file import load_schedule
from tests.test_strategy_support import PCS, run_table

H = 3600.0
FIXTURES = Path(__file__).parent / "fixtures" / "schedules"
DAY_PLAN = FIXTURES / "day_plan.csv"  # charge 150 kW 00-06, discharge 250 08-11, 200 13-17


def make(params: dict, tz: str = "Asia/Shanghai", base_dir: Path | None = None) -> Schedule:
    context = StrategyContext(SiteRoles(), tz)
    if base_dir is not None:
        object.__setattr__(context, "base_dir", base_dir)
    return Schedule.create(ScheduleParams(**params), context, 200)


def rows(pairs) -> str:
    return "time,kw\n" + "".join(f"{t},{v}\n" for t, v in pairs)


def full_day(kw=0.0) -> list[tuple[str, object]]:
    return [(f"{q * 15 // 60:02d}:{q * 15 % 60:02d}", kw) for q in range(96)]


def write(tmp_path: Path, pairs, name: str = "plan.csv") -> Path:
    path = tmp_path / name
    path.write_text(rows(pairs), encoding="utf-8")
    return path


def test_cycle_table_follows_the_quarter_hours_in_the_station_zone():
    # T0 is 2026-01-01 00:00 UTC = 08:00 in Shanghai
    run_table(
        make({"file": str(DAY_PLAN)}),
        [
            (0, {}, [(PCS, "eq", 250)]),  # 08:00
            (14 * 60 + 59, {}, [(PCS, "eq", 250)]),  # 08:14:59
            (3 * H - 1, {}, [(PCS, "eq", 250)]),  # 10:59:59
            (3 * H, {}, [(PCS, "eq", 0)]),  # 11:00
            (5 * H, {}, [(PCS, "eq", 200)]),  # 13:00
            (9 * H, {}, [(PCS, "eq", 0)]),  # 17:00
            (16 * H, {}, [(PCS, "eq", -150)]),  # 00:00 the next day
            (22 * H - 1, {}, [(PCS, "eq", -150)]),  # 05:59:59
            (22 * H, {}, [(PCS, "eq", 0)]),  # 06:00
            # bad inputs do not matter: the schedule reads none
            (24 * H, {"bad": {"soc", "grid"}}, [(PCS, "eq", 250)]),
        ],
    )


def test_the_same_plan_in_utc_shifts_by_the_zone_offset():
    run_table(make({"file": str(DAY_PLAN)}, tz="UTC"), [(0, {}, [(PCS, "eq", -150)])])


def test_relative_path_is_taken_from_the_station_folder():
    s = make({"file": "day_plan.csv"}, base_dir=FIXTURES)
    assert s.plan[32] == 250.0 and s.plan[0] == -150.0


def test_xlsx_import_matches_csv(tmp_path):
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["time", "kW"])
    for q, value in enumerate(load_schedule(DAY_PLAN, 500)):
        # Excel users type times: half as real times, half as text
        t = dt.time(q * 15 // 60, q * 15 % 60)
        sheet.append([t if q % 2 else t.strftime("%H:%M"), value])
    path = tmp_path / "plan.xlsx"
    book.save(path)
    assert make({"file": str(path)}).plan == load_schedule(DAY_PLAN, 500)


def test_energy_targets_spread_evenly():
    s = make(
        {
            "energy_targets": [
                {"start": "00:00", "end": "04:00", "kwh": -800},  # charge 200 kW
                {"start": "18:00", "end": "00:00", "kwh": 900},  # discharge 150 kW to midnight
            ]
        }
    )
    run_table(
        s,
        [
            (16 * H, {}, [(PCS, "eq", -200)]),  # 00:00 local
            (20 * H - 1, {}, [(PCS, "eq", -200)]),  # 03:59:59
            (20 * H, {}, [(PCS, "eq", 0)]),  # 04:00
            (10 * H, {}, [(PCS, "eq", 150)]),  # 18:00
            (16 * H - 1, {}, [(PCS, "eq", 150)]),  # 23:59:59
        ],
    )
    assert sum(s.plan) * 0.25 == pytest.approx(100.0)  # -800 + 900 kWh


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({}, "exactly one"),
        (
            {"file": "a.csv", "energy_targets": [{"start": "00:00", "end": "01:00", "kwh": 1}]},
            "one",
        ),
        ({"energy_targets": [{"start": "02:00", "end": "01:00", "kwh": 1}]}, "not after start"),
        ({"energy_targets": [{"start": "00:10", "end": "01:00", "kwh": 1}]}, "quarter hour"),
        (
            {
                "energy_targets": [
                    {"start": "00:00", "end": "02:00", "kwh": 1},
                    {"start": "01:00", "end": "03:00", "kwh": 1},
                ]
            },
            "overlaps energy_targets",
        ),
        ({"energy_targets": [{"start": "00:00", "end": "01:00", "kwh": 1, "x": 1}]}, "x"),
        ({"path": "a.csv"}, "path"),
    ],
)
def test_invalid_params(params, text):
    with pytest.raises(ValidationError, match=text):
        ScheduleParams(**params)


def test_energy_target_beyond_the_rating_is_refused_at_construction():
    with pytest.raises(ValueError, match="needs 1000 kW, beyond the PCS rating"):
        make({"energy_targets": [{"start": "00:00", "end": "01:00", "kwh": 1000}]})


def _issues(path: Path, rating: float = 500.0) -> list[tuple[str, str, object]]:
    with pytest.raises(ConfigError) as info:
        load_schedule(path, rating)
    for issue in info.value.issues:
        assert issue.file == str(path)
    return [(i.field, str(i.value), i.message) for i in info.value.issues]


def test_gap_names_the_missing_quarter_hours(tmp_path):
    day = full_day()
    del day[9]  # 02:15
    issues = _issues(write(tmp_path, day))
    assert issues == [("time", "02:15", "1 quarter hour(s) missing (a gap)")]


def test_duplicate_names_both_lines(tmp_path):
    day = full_day()
    day.insert(5, ("01:00", 7))  # line 7, a second 01:00 (first on line 6)
    (issue,) = _issues(write(tmp_path, day))
    assert issue[:2] == ("line 7: time", "01:00")
    assert "duplicate quarter hour (first given on line 6)" in issue[2]


@pytest.mark.parametrize(
    ("index", "cell", "field", "message"),
    [
        (3, "abc", "line 5: kw", "not a finite number"),
        (3, "nan", "line 5: kw", "not a finite number"),
        (3, "", "line 5", "expected two columns"),
        (10, "500.5", "line 12: kw", "beyond the PCS rating ±500 kW"),
        (10, "-501", "line 12: kw", "beyond the PCS rating ±500 kW"),
    ],
)
def test_bad_numbers_name_the_line_and_value(tmp_path, index, cell, field, message):
    day = full_day()
    day[index] = (day[index][0], cell)
    issues = _issues(write(tmp_path, day))
    assert issues[0][0] == field
    assert message in issues[0][2]
    if field.endswith("kw"):
        assert issues[0][1] == cell


@pytest.mark.parametrize(
    ("time", "message"),
    [("25:00", "not a time"), ("7h30", "not a time"), ("00:20", "not on a quarter hour")],
)
def test_bad_times_name_the_line_and_value(tmp_path, time, message):
    day = [*full_day(), (time, 0)]
    issues = _issues(write(tmp_path, day))
    assert issues == [("line 98: time", time, issues[0][2])]
    assert message in issues[0][2]


def test_every_problem_is_listed_at_once(tmp_path):
    day = full_day()
    day[1] = ("00:15", "x")
    day[2] = ("00:30", 9000)
    del day[50]
    fields = [f for f, _, _ in _issues(write(tmp_path, day))]
    assert fields == ["line 3: kw", "line 4: kw", "time"]


def test_header_empty_file_missing_file_and_wrong_type(tmp_path):
    bad_header = tmp_path / "h.csv"
    bad_header.write_text("hour,power\n00:00,1\n")
    assert _issues(bad_header)[0][2] == "the header must be: time,kw"
    empty = tmp_path / "e.csv"
    empty.write_text("")
    assert "empty schedule" in _issues(empty)[0][2]
    assert _issues(tmp_path / "nope.csv")[0][2] == "no such schedule file"
    other = tmp_path / "plan.txt"
    other.write_text("time,kw\n")
    assert "a .csv or .xlsx file" in _issues(other)[0][2]


def test_xlsx_errors_name_the_row(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["time", "kw"])
    for t, v in full_day():
        sheet.append([t, v])
    sheet["B20"] = "oops"
    path = tmp_path / "bad.xlsx"
    book.save(path)
    assert _issues(path) == [("line 20: kw", "oops", "not a finite number")]


def test_a_bad_schedule_file_fails_the_control_config_and_the_running_one_stays(tmp_path):
    """Through the control configuration: ConfigError naming the file; the holder keeps the
    running configuration."""
    import yaml

    from app.control import StrategyRegistry
    from app.control.config import ControlConfigHolder, load_control_config

    registry = StrategyRegistry()
    registry.register(Schedule)
    context = StrategyContext(SiteRoles(), "Asia/Shanghai")
    good = tmp_path / "good.yaml"
    good.write_text(
        yaml.safe_dump({"strategies": [{"kind": "schedule", "params": {"file": str(DAY_PLAN)}}]})
    )
    holder = ControlConfigHolder(load_control_config(good, registry, context))
    day = full_day()
    day[4] = ("01:00", "1e9")
    bad_csv = write(tmp_path, day)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump({"strategies": [{"kind": "schedule", "params": {"file": str(bad_csv)}}]})
    )
    issues = holder.reload(bad, registry, context)
    assert [(i.file, i.field, i.value) for i in issues] == [(str(bad_csv), "line 6: kw", "1e9")]
    assert holder.current.source == str(good)


def test_found_through_the_entry_points():
    from app.control import StrategyRegistry

    registry = StrategyRegistry.from_entry_points()
    for kind in ("schedule", "curtailment_tracking", "optimal_schedule"):
        assert kind in registry


def test_station_zone_with_daylight_saving():
    # 2026-03-29, Berlin springs from 02:00 CET to 03:00 CEST: 01:00 UTC is 03:00 local
    s = make({"file": str(DAY_PLAN)}, tz="Europe/Berlin")
    spring = 1_774_746_000.0  # 2026-03-29 01:00 UTC
    assert s.quarter(spring - 1) == 7  # 01:59:59 CET
    assert s.quarter(spring) == 12  # 03:00 CEST
    assert s.quarter(spring + 8 * 3600) == 44  # 11:00 CEST: the plan's 11:00 value applies
