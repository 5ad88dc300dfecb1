"""Connections to the Postgres in use (the server the PG* variables name) and scratch databases.

A connection that cannot be made is a `DatabaseUnavailable` naming the server and what to do.
Without PGHOST there is no server to use: the CLI sets the PG* variables of the embedded
server when it runs, so an unset PGHOST means it does not (libpq's own defaults, a local
socket or localhost:5432, are never tried behind the user's back)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from kappa.errors import DatabaseUnavailable

NO_SERVER = (
    "no Postgres to use: PGHOST is not set and the embedded Postgres is not running"
    " (start it with `kappa db up`, or set PGHOST and the other PG* variables)"
)


def connect(**kwargs) -> psycopg.Connection:
    """A connection to the server the standard PG* variables name (keyword arguments override
    them: dbname=, autocommit=, host=, ...; a None value is ignored)."""
    host = kwargs.get("host") or os.environ.get("PGHOST")
    if not host:
        raise DatabaseUnavailable(NO_SERVER)
    try:
        return psycopg.connect(**kwargs)
    except psycopg.OperationalError as error:
        port = kwargs.get("port") or os.environ.get("PGPORT", "5432")
        database = kwargs.get("dbname") or os.environ.get("PGDATABASE", "postgres")
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else repr(error)
        raise DatabaseUnavailable(
            f"Postgres at {host}:{port} (database {database}) is not reachable: {reason}"
            " (check that the server runs and the PG* variables)"
        ) from error


def check_reachable() -> None:
    """Raise DatabaseUnavailable unless the server answers (before handing work to dbt, whose
    own message is a bare 'connection refused')."""
    with connect(autocommit=True, connect_timeout=10):
        pass


@contextmanager
def scratch_database(prefix: str, keep: bool = False) -> Iterator[str]:
    """A new, empty database on the server in use, dropped afterwards (unless `keep`). Yields
    its name: connect with `connect(dbname=name)`, run dbt with `run_dbt.invoke(...,
    database=name)`; the environment is left alone."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with connect(dbname="postgres", autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    try:
        yield name
    finally:
        if not keep:
            with connect(dbname="postgres", autocommit=True) as admin:
                admin.execute(f'drop database if exists "{name}" with (force)')
