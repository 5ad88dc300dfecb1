"""Fixtures of the whole suite: a real Postgres (embedded pgserver, or the server PGHOST names),
a fresh database per test, dbt in-process, one SparkSession (support/spark.py). Test data and
helpers live in support/ (on sys.path through pytest's `pythonpath`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from kappa import embedded_pg, postgres, raw_log, run_dbt
from kappa.errors import DbtError
from kappa.settings import Settings

from support.data import PROJECT_DIR

pytest_plugins: list[str] = ["support.spark"]

# Each pytest-xdist worker gets its own dbt target and log directories: two processes would
# otherwise write the same manifests and partial-parse files. Subprocesses inherit them. (Only
# in a worker: the controlling process imports this file too, and its environment is the
# workers' starting point.)
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER:
    os.environ["DBT_TARGET_PATH"] = f"target/{_WORKER}"
    os.environ["DBT_LOG_PATH"] = str(PROJECT_DIR / "logs" / _WORKER)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[dict[str, str]]:
    """PG* settings of the server for the whole run: PGHOST's server, else an embedded one."""
    if embedded_pg.external_server_configured():
        yield embedded_pg.from_env().as_env()
        return
    pg_dir = Path(tempfile.mkdtemp(prefix="kappa-test-pg-"))
    connection = embedded_pg.start(pg_dir)
    saved = {name: os.environ.get(name) for name in embedded_pg.PG_VARIABLES}
    os.environ.update(connection.as_env())
    yield connection.as_env()
    embedded_pg.stop(pg_dir)
    shutil.rmtree(pg_dir, ignore_errors=True)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def database(pg_server, monkeypatch) -> Iterator[str]:
    """A fresh, empty database for one test; PGDATABASE points at it (psycopg, dbt, Spark)."""
    with postgres.scratch_database("kappa_test") as name:
        monkeypatch.setenv("PGDATABASE", name)
        yield name


@pytest.fixture
def conn(database) -> Iterator[psycopg.Connection]:
    """Autocommit connection to the test's database, with the raw log created."""
    with psycopg.connect(autocommit=True) as connection:
        raw_log.ensure_schema(connection)
        yield connection


@pytest.fixture(scope="session")
def dbt() -> Callable[..., object]:
    """Run dbt in-process on the project (kappa.run_dbt): `dbt("run")`, `dbt("compile",
    "--target", "spark", "--vars", "{...}")`, `database=` for another database. Fails the test
    when dbt fails, unless expect_fail (then dbt's result is returned)."""

    def run(command: str, *args: str, database: str | None = None, expect_fail: bool = False):
        rest, options = _split_options(list(args), ("--target", "--vars"))
        variables = _parse_vars(options.get("--vars"))
        try:
            result = run_dbt.invoke(
                command,
                *rest,
                "--quiet",
                settings=Settings.from_env(),
                target=options.get("--target", "postgres"),
                variables=variables,
                database=database,
            )
        except DbtError as error:
            if expect_fail:
                return error.result
            pytest.fail(str(error))
        assert not expect_fail, f"dbt {command} {' '.join(args)} succeeded, a failure expected"
        return result

    return run


def _parse_vars(text: str | None) -> dict | None:
    """dbt's --vars text (YAML, JSON included) as the dict run_dbt passes on."""
    import yaml

    return yaml.safe_load(text) if text else None


def _split_options(args: list[str], names: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """Take `--name value` pairs out of dbt arguments (the invocation sets them itself)."""
    rest, options = [], {}
    iterator = iter(args)
    for arg in iterator:
        if arg in names:
            options[arg] = next(iterator)
        else:
            rest.append(arg)
    return rest, options
