"""Shared fixtures: a real Postgres (embedded pgserver, or the server PGHOST names), a fresh
database per test, dbt in-process, and the real MLB feeds."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from kappa import embedded_pg, raw_log
from kappa.settings import PROJECT_DIR

SHARED_MLB = PROJECT_DIR.parent / "shared" / "data" / "mlb"
SHARED_FEEDS = SHARED_MLB / "feed_live"
SAMPLE_FEEDS = PROJECT_DIR / "sample_data" / "feed_live"

pytest_plugins: list[str] = ["spark_fixtures"]

# pytest-xdist: each worker gets its own dbt target and log directories (two processes would
# otherwise write the same manifests and partial-parse files); subprocesses inherit them
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _XDIST_WORKER:
    os.environ.setdefault("DBT_TARGET_PATH", f"target/{_XDIST_WORKER}")
    os.environ.setdefault("DBT_LOG_PATH", str(PROJECT_DIR / "logs" / _XDIST_WORKER))


def shared_feed_files(state: str | None = None) -> list[Path]:
    """Real feed/live files of ../shared (one per capture: the raw pymlb stubs and the
    ?timecode re-request are alternative spellings of the same capture)."""
    files = sorted(
        path
        for path in SHARED_FEEDS.iterdir()
        if path.name.endswith((".json", ".json.gz")) and ".pymlb_stub" not in path.name
    )
    if state is not None:
        files = [path for path in files if path.name.split("_")[1] == state]
    return files


requires_shared = pytest.mark.skipif(
    not SHARED_FEEDS.is_dir(), reason=f"real feeds not found at {SHARED_FEEDS}"
)


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


def create_database() -> str:
    name = f"kappa_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dbname="postgres", autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def database(pg_server, monkeypatch) -> Iterator[str]:
    """A fresh, empty database for one test; PGDATABASE points at it (psycopg, dbt, Spark)."""
    name = create_database()
    monkeypatch.setenv("PGDATABASE", name)
    yield name
    drop_database(name)


@pytest.fixture
def conn(database) -> Iterator[psycopg.Connection]:
    """Autocommit connection to the test's database, with the raw log created."""
    with psycopg.connect(autocommit=True) as connection:
        raw_log.ensure_schema(connection)
        yield connection


@pytest.fixture(scope="session")
def dbt() -> Callable[..., object]:
    """Run dbt in-process on the project; fails the test when dbt fails (unless expect_fail)."""
    from dbt.cli.main import dbtRunner

    from kappa.dbt_invoke import project_args

    runner = dbtRunner()

    def run(*args: str, expect_fail: bool = False):
        result = runner.invoke([*args, *project_args(), "--quiet"])
        if not expect_fail:
            assert result.success, f"dbt {' '.join(args)} failed: {_failures(result)}"
        return result

    return run


def _failures(result) -> str:
    """The failed nodes of a dbt result and their messages (not the whole result object)."""
    if result.exception is not None:
        return str(result.exception)
    failed = [
        f"{node_result.node.name}: {node_result.message}"
        for node_result in getattr(result.result, "results", [])
        if getattr(node_result.status, "value", node_result.status) in {"error", "fail"}
    ]
    return "; ".join(failed) or "see the dbt output above"


def table_rows(connection: psycopg.Connection, table: str, order_by: str) -> list[tuple]:
    return connection.execute(f"select * from game.{table} order by {order_by}").fetchall()
