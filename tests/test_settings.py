"""Every setting is read and checked in one place; a bad value ends a command with one line that
says what was expected, never a traceback; importing the code location changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from orchestration.settings import SETTINGS, Settings, SettingsError, parse_month
from tests.conftest import REPO
from tests.dbt_cli import run_dbt


def test_defaults_sit_under_the_var_folder(tmp_path):
    settings = Settings.from_env({"RETTIDIG_VAR_DIR": str(tmp_path)})
    assert settings.exports_dir == tmp_path / "sample_exports"
    assert settings.warehouse == tmp_path / "warehouse.duckdb"
    assert settings.serving == tmp_path / "serving.duckdb"
    assert settings.log_dir == tmp_path / "logs"
    assert settings.dagster_storage == tmp_path / "dagster" / "storage"
    assert settings.period_close_start == dt.date(2024, 1, 1)
    assert settings.close_working_day == 2
    assert settings.log_level == "INFO"
    assert settings.as_of_date is None


def test_a_month_is_written_as_a_person_writes_it():
    assert parse_month("2023-01") == dt.date(2023, 1, 1)
    assert parse_month("2023-01-01") == dt.date(2023, 1, 1)
    assert parse_month("2023-01-17") == dt.date(2023, 1, 1)
    env = {"RETTIDIG_PERIOD_CLOSE_START": "2023-01"}
    assert Settings.from_env(env).period_close_start == dt.date(2023, 1, 1)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("RETTIDIG_PERIOD_CLOSE_START", "januar 2023", "RETTIDIG_PERIOD_CLOSE_START='januar 2023' is not a month: write it as YYYY-MM, e.g. 2024-01."),
        ("RETTIDIG_PERIOD_CLOSE_START", "2023-13", "RETTIDIG_PERIOD_CLOSE_START='2023-13' is not a month: write it as YYYY-MM, e.g. 2024-01."),
        ("RETTIDIG_CLOSE_WORKING_DAY", "second", "RETTIDIG_CLOSE_WORKING_DAY='second' is not a working day of the month: give a whole number from 1 to 10 (2 = the second Danish working day)."),
        ("RETTIDIG_CLOSE_WORKING_DAY", "0", "RETTIDIG_CLOSE_WORKING_DAY='0' is not a working day of the month: give a whole number from 1 to 10 (2 = the second Danish working day)."),
        ("RETTIDIG_AS_OF_DATE", "31-03-2025", "RETTIDIG_AS_OF_DATE='31-03-2025' is not a date: write it as YYYY-MM-DD, e.g. 2025-03-31."),
        ("RETTIDIG_LOG_LEVEL", "loud", "RETTIDIG_LOG_LEVEL='loud' is not a log level: use one of DEBUG, INFO, WARNING, ERROR."),
        ("RETTIDIG_MEMORY_LIMIT", "80%", "RETTIDIG_MEMORY_LIMIT='80%' is not an amount of memory: write a number and a unit, e.g. 2GB or 1500MiB (or leave it empty for DuckDB's default, 80% of RAM)."),
        ("RETTIDIG_MEMORY_LIMIT", "2", "RETTIDIG_MEMORY_LIMIT='2' is not an amount of memory: write a number and a unit, e.g. 2GB or 1500MiB (or leave it empty for DuckDB's default, 80% of RAM)."),
        ("RETTIDIG_THREADS", "two", "RETTIDIG_THREADS='two' is not a number of DuckDB threads: give a whole number of at least 1."),
        ("RETTIDIG_DBT_THREADS", "0", "RETTIDIG_DBT_THREADS='0' is not a number of dbt threads: give a whole number of at least 1."),
    ],
)
def test_a_bad_value_is_refused_with_what_was_expected(name, value, expected):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({name: value})
    assert str(refused.value) == expected


@pytest.mark.dbt  # starts dbt
def test_duckdb_limits_reach_every_connection_that_writes(tmp_path, monkeypatch):
    """The loader's connection (the warehouse resource) and dbt's (the profile's plugin) get the
    memory limit, the temp folder and the threads of the settings."""
    from orchestration.resources import WarehouseResource

    env = {"RETTIDIG_VAR_DIR": str(tmp_path), "RETTIDIG_MEMORY_LIMIT": "1500mib", "RETTIDIG_THREADS": "1"}
    settings = Settings.from_env(env)
    assert settings.duckdb_config() == {"temp_directory": str(tmp_path / "duckdb_tmp"), "memory_limit": "1500MiB", "threads": "1"}
    assert (tmp_path / "duckdb_tmp").is_dir()
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    query = ("select current_setting('memory_limit'), current_setting('temp_directory'), "
             "current_setting('threads')")
    expected = ("1.4 GiB", str(tmp_path / "duckdb_tmp"), 1)
    with WarehouseResource().get_connection() as conn:
        assert conn.execute(query).fetchone() == expected
    # a target folder of its own: dbt's default (dbt_project/target) holds the saved parse, which a
    # dbt run there would overwrite with this one's (its env vars unset), for every later test
    dbt = run_dbt(["show", "--quiet", "--output", "json", "--inline", query.replace(")", ") as c", 1)],
                  tmp_path / "dbt_target")
    assert dbt.returncode == 0, dbt.stdout + dbt.stderr
    assert '"1.4 GiB"' in dbt.stdout and f'"{tmp_path / "duckdb_tmp"}"' in dbt.stdout, dbt.stdout


def test_step_connections_leave_the_checkpoint_to_the_last_writer(tmp_path, monkeypatch):
    """A step's connection leaves its writes in DuckDB's write-ahead log, which the next connection
    reads; one with checkpoint=True (the publication) moves them into the file and leaves no log."""
    from orchestration.resources import WarehouseResource

    monkeypatch.setenv("RETTIDIG_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    wal = tmp_path / "warehouse.duckdb.wal"
    resource = WarehouseResource()
    with resource.get_connection() as conn:
        conn.execute("create table loaded as select range as n from range(1000)")
    assert wal.exists() and wal.stat().st_size > 0
    with resource.get_connection() as conn:
        assert conn.execute("select count(*), sum(n) from loaded").fetchone() == (1000, 499500)
        conn.execute("insert into loaded values (1000)")
    assert wal.exists()
    with resource.get_connection(checkpoint=True) as conn:
        assert conn.execute("select count(*) from loaded").fetchone() == (1001,)
    assert not wal.exists()


def _cli(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    environment = {"PATH": "/usr/bin:/bin", "RETTIDIG_VAR_DIR": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args], env=environment, cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["settings"], {"RETTIDIG_CLOSE_WORKING_DAY": "x"}, "error: RETTIDIG_CLOSE_WORKING_DAY='x' is not a working day"),
        (["settings"], {"RETTIDIG_PERIOD_CLOSE_START": "2023/01"}, "error: RETTIDIG_PERIOD_CLOSE_START='2023/01' is not a month"),
        (["materialize"], {"RETTIDIG_LOG_LEVEL": "chatty"}, "error: RETTIDIG_LOG_LEVEL='chatty' is not a log level"),
        (["materialize", "--as-of", "2025-02-30"], {}, "error: --as-of='2025-02-30' is not a date: write it as YYYY-MM-DD"),
        (["close", "--month", "2025-3"], {}, "error: --month='2025-3' is not a month: write it as YYYY-MM"),
        (["materialize"], {"RETTIDIG_EXPORTS_DIR": "/nonexistent/drop"}, "error: the drop folder /nonexistent/drop does not exist"),
    ],
)
def test_the_command_line_says_what_to_change_in_one_line(args, env, expected, tmp_path):
    result = _cli(args, env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(expected), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_settings_lists_every_setting(tmp_path):
    result = _cli(["settings"], {"RETTIDIG_CLOSE_WORKING_DAY": "3"}, tmp_path)
    assert result.returncode == 0
    for setting in SETTINGS:
        assert f"{setting.name}=" in result.stdout
    assert "RETTIDIG_CLOSE_WORKING_DAY=3\n" in result.stdout
    assert f"RETTIDIG_WAREHOUSE={tmp_path / 'warehouse.duckdb'}\n" in result.stdout


@pytest.mark.dbt  # loads the Dagster definitions in a process of its own
def test_importing_the_code_location_changes_nothing(tmp_path):
    var = tmp_path / "not-yet"
    script = (
        "import json, os; before = dict(os.environ); import orchestration.definitions as d; "
        "d.defs.resolve_asset_graph(); print(json.dumps(before == dict(os.environ)))"
    )
    result = subprocess.run([sys.executable, "-c", script], env={"PATH": "/usr/bin:/bin", "RETTIDIG_VAR_DIR": str(var)},
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) is True
    assert not var.exists()


def test_the_schedule_reads_the_close_working_day_when_evaluated(monkeypatch):
    from dagster import build_schedule_context

    from orchestration.schedules import month_end_close_schedule

    # 2025-03-03 is the 1st Danish working day of March 2025, 2025-03-04 the 2nd
    monday = dt.datetime(2025, 3, 3, 7, 0)
    monkeypatch.setenv("RETTIDIG_CLOSE_WORKING_DAY", "1")
    request = month_end_close_schedule(build_schedule_context(scheduled_execution_time=monday))
    assert request.partition_key == "2025-02-01"
    monkeypatch.setenv("RETTIDIG_CLOSE_WORKING_DAY", "2")
    skipped = month_end_close_schedule(build_schedule_context(scheduled_execution_time=monday))
    assert skipped.skip_message == "2025-03-03 is not working day 2 of the month."


def test_demo_gives_materialize_every_option_it_reads():
    """`rettidig demo` runs cmd_materialize with its own arguments (a fresh clone's `make demo`)."""
    from orchestration.cli import build_parser

    demo = build_parser().parse_args(["demo"])
    materialize = build_parser().parse_args(["materialize"])
    assert set(vars(materialize)) - {"func", "exports", "warehouse", "serving"} <= set(vars(demo))
    assert (demo.full_refresh, demo.as_of) == (False, None)
