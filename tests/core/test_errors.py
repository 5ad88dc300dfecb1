"""Every error a user can cause ends in one line `error: ...` that names the value, the place
and the valid choices, with exit code 1 and no traceback (the `kappa` command, as run)."""

from __future__ import annotations

import os
import socket
import subprocess

from kappa.embedded_pg import PG_VARIABLES

from support.data import KAPPA_CLI, SAMPLE_FEEDS
from support.project import copy_dbt_project


def kappa(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([KAPPA_CLI, *args], capture_output=True, text=True, env=env, timeout=300)


def without_server(tmp_path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in PG_VARIABLES}
    env["KAPPA_HOME"] = str(tmp_path / "home")  # no embedded server was started there
    return env


def assert_one_line_error(run: subprocess.CompletedProcess, *expected: str) -> None:
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, run.stderr
    for text in expected:
        assert text in errors[0], errors[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_bad_sink_name_names_the_choices(tmp_path):
    run = kappa("stream", "--sinks", "postgres,kafka", env=without_server(tmp_path))
    assert_one_line_error(run, "'postgres,kafka'", "choose from postgres, delta")


def test_bad_target_names_the_choices(tmp_path):
    run = kappa("build", "--target", "bigquery", env=without_server(tmp_path))
    assert_one_line_error(run, "'bigquery'", "choose from postgres, spark")


def test_bad_setting_names_the_variable(tmp_path):
    env = {**without_server(tmp_path), "KAPPA_DBT_THREADS": "many"}
    assert_one_line_error(kappa("build", env=env), "KAPPA_DBT_THREADS='many'", "whole number")


def test_missing_embedded_postgres_says_how_to_start_it(tmp_path):
    run = kappa("build", env=without_server(tmp_path))
    assert_one_line_error(run, "embedded Postgres is not running", "kappa db up")


def test_unreachable_server_is_named(tmp_path):
    port = free_port()
    env = {**without_server(tmp_path), "PGHOST": "127.0.0.1", "PGPORT": str(port)}
    run = kappa("load", str(SAMPLE_FEEDS), env=env)
    assert_one_line_error(run, f"Postgres at 127.0.0.1:{port}", "not reachable")


def test_missing_serving_tables_say_what_builds_them(database, tmp_path):
    run = kappa("parity", "--sinks", "postgres", env=dict(os.environ))
    assert_one_line_error(run, f"database {database} has no serving tables", "kappa build")


def test_a_model_that_does_not_compile_is_named(database, tmp_path):
    project = copy_dbt_project(tmp_path / "project")
    broken = next((project / "models").rglob("live_game_plays.sql"))
    broken.write_text(broken.read_text() + "\n{{ kappa.no_such_macro() }}\n")
    env = {**os.environ, "KAPPA_PROJECT_DIR": str(project), "KAPPA_HOME": str(tmp_path / "home")}
    run = kappa("build", env=env)
    assert_one_line_error(run, "dbt build --target postgres failed", "live_game_plays")


def test_project_dir_without_a_dbt_project_is_named(tmp_path):
    env = {**without_server(tmp_path), "KAPPA_PROJECT_DIR": str(tmp_path)}
    assert_one_line_error(kappa("build", env=env), "KAPPA_PROJECT_DIR=", "no dbt_project.yml")
