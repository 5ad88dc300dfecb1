"""The metrics' history in Postgres, schema `kappa_ops`: it survives restarts and anyone can
query it with SQL.

- `kappa_ops.batches`: one row per committed stream batch (sink, captures, rows, ms per phase,
  lag), written by the stream's driver loop;
- `kappa_ops.samples`: every `kappa_*` metric sampled by `kappa live` (every 15 s);
- `kappa_ops.events`: crashes, restarts, outages and errors, newest last.

Writing history is best effort: a database that is down loses the history of that moment,
never the work being recorded."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

from kappa import postgres
from kappa.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

DDL = """
create schema if not exists kappa_ops;
create table if not exists kappa_ops.batches (
    recorded_at timestamptz not null default now(),
    sink text not null,
    batch_id bigint not null,
    captures int not null,
    games int not null,
    rows_written bigint not null,
    millis int not null,
    lag_ms bigint not null,
    phases jsonb not null
);
create index if not exists batches_at on kappa_ops.batches (recorded_at);
create table if not exists kappa_ops.samples (
    sampled_at timestamptz not null default now(),
    metric text not null,
    labels jsonb not null,
    value double precision not null
);
create index if not exists samples_metric_at on kappa_ops.samples (metric, sampled_at);
create table if not exists kappa_ops.events (
    at timestamptz not null default now(),
    part text not null,
    kind text not null,
    message text not null
);
create index if not exists events_at on kappa_ops.events (at);
"""


def ensure_schema(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('kappa.ops_schema'))")
        conn.execute(DDL)


_ready: set[tuple[str | None, str | None, str | None]] = set()  # (host, port, database) done


def _write(work, what: str, database: str | None = None) -> bool:
    try:
        with postgres.connect(dbname=database, autocommit=True, connect_timeout=5) as conn:
            where = (conn.info.host, str(conn.info.port), conn.info.dbname)
            if where not in _ready:
                ensure_schema(conn)
                _ready.add(where)
            with conn.transaction():
                work(conn)
        return True
    except (psycopg.Error, DatabaseUnavailable) as error:
        logger.debug("%s not recorded: %s", what, error)
        return False


def record_batches(reports: Iterable, database: str | None = None) -> bool:
    """Stream batch reports (spark_streaming.batch.BatchReport)."""
    rows = [
        (
            r.sink,
            r.batch_id,
            r.captures,
            r.games,
            sum(r.rows.values()),
            r.millis,
            r.lag_ms,
            Jsonb(r.phases),
        )
        for r in reports
    ]
    if not rows:
        return True

    def work(conn: psycopg.Connection) -> None:
        with conn.cursor() as cursor:
            cursor.executemany(
                "insert into kappa_ops.batches (sink, batch_id, captures, games, rows_written,"
                " millis, lag_ms, phases) values (%s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )

    return _write(work, "stream batches", database)


def record_samples(samples: Iterable[tuple[str, dict, float]], at: datetime | None = None) -> bool:
    rows = [(at, name, Jsonb(labels), value) for name, labels, value in samples]

    def work(conn: psycopg.Connection) -> None:
        with conn.cursor() as cursor:
            cursor.executemany(
                "insert into kappa_ops.samples (sampled_at, metric, labels, value)"
                " values (coalesce(%s, now()), %s, %s, %s)",
                rows,
            )

    return _write(work, "metric samples")


def record_event(part: str, kind: str, message: str, database: str | None = None) -> bool:
    def work(conn: psycopg.Connection) -> None:
        conn.execute(
            "insert into kappa_ops.events (part, kind, message) values (%s, %s, %s)",
            (part, kind, message),
        )

    return _write(work, f"event {kind} of {part}", database)
