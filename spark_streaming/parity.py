"""`kappa parity`: every serving table, as the stream wrote it (Postgres, Delta) and as
`dbt build --target spark` built it (optional), compared row for row, all columns, with what
`dbt build` produces from the same raw log.

The reference is built in a scratch database (`<db>_parity_<id>`): the raw log is copied
there (COPY, raw_id kept) and `dbt run` builds the serving tables; the scratch database is
dropped afterwards. Rows are compared as multisets of all columns (by name), so duplicates,
missing and extra rows all count.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from kappa import dbt_invoke

logger = logging.getLogger(__name__)

Rows = Counter


@dataclass(frozen=True)
class Side:
    """One copy of a table: its rows, or None when it does not exist."""

    name: str
    rows: Rows | None


@dataclass
class TableParity:
    table: str
    reference: int
    sides: dict[str, tuple[int | None, int, int]] = field(default_factory=dict)
    # side -> (rows, rows missing vs the reference, extra rows)

    @property
    def ok(self) -> bool:
        return all(
            count is not None and missing == 0 and extra == 0
            for count, missing, extra in self.sides.values()
        )

    def line(self) -> str:
        parts = [f"{self.table}: dbt build {self.reference} rows"]
        for side, (count, missing, extra) in self.sides.items():
            if count is None:
                parts.append(f"{side} MISSING TABLE")
            elif missing or extra:
                parts.append(f"{side} {count} rows DIFFER (missing {missing}, extra {extra})")
            else:
                parts.append(f"{side} {count} ok")
        return "; ".join(parts)


def compare(reference: Rows, other: Rows | None) -> tuple[int | None, int, int]:
    if other is None:
        return (None, sum(reference.values()), 0)
    missing = sum((reference - other).values())
    extra = sum((other - reference).values())
    return (sum(other.values()), missing, extra)


def postgres_rows(conn: psycopg.Connection, table: str, columns: list[str]) -> Rows | None:
    found = conn.execute("select to_regclass(%s)", [f"game.{table}"]).fetchone()[0]
    if found is None:
        return None
    query = f"select {', '.join(columns)} from game.{table}"
    return Counter(tuple(row) for row in conn.execute(query))


def postgres_columns(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "select column_name from information_schema.columns"
        " where table_schema = 'game' and table_name = %s order by ordinal_position",
        [table],
    ).fetchall()
    return [row[0] for row in rows]


def delta_rows(spark, location: Path, columns: list[str]) -> Rows | None:
    from spark_streaming.sinks import delta_table_exists

    if not delta_table_exists(spark, str(location)):
        return None
    frame = spark.read.format("delta").load(str(location)).select(*columns)
    table = frame.toArrow()
    values = [column.to_pylist() for column in table.columns]
    return Counter(zip(*values, strict=True))


def copy_raw_log(source: psycopg.Connection, target: psycopg.Connection) -> int:
    """Copy game.live_game_v1 (all columns, raw_id kept) between databases."""
    columns = "raw_id, game_pk, captured_at, ingested_at, source_timecode, game_state,"
    columns += " content_sha256, data"
    copied = 0
    with (
        source.cursor().copy(
            f"copy game.live_game_v1 ({columns}) to stdout (format binary)"
        ) as out,
        target.cursor().copy(
            f"copy game.live_game_v1 ({columns}) from stdin (format binary)"
        ) as inp,
    ):
        for chunk in out:
            inp.write(chunk)
            copied += len(chunk)
    return copied


@contextmanager
def reference_database(project_dir: Path) -> Iterator[str]:
    """A scratch database with a copy of the raw log and the serving tables `dbt run` built."""
    from kappa import raw_log

    current = os.environ.get("PGDATABASE", "postgres")
    name = f"{current}_parity_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(dbname="postgres", autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    try:
        with psycopg.connect(autocommit=True) as src, psycopg.connect(dbname=name) as dst:
            raw_log.ensure_schema(dst)
            size = copy_raw_log(src, dst)
            dst.commit()
        logger.info("parity: raw log copied to %s (%d bytes), running dbt", name, size)
        os.environ["PGDATABASE"] = name
        try:
            if not dbt_invoke.run(["run", "--target", "postgres", "--quiet"], project_dir):
                raise RuntimeError(f"dbt run failed on the reference database {name}")
        finally:
            os.environ["PGDATABASE"] = current
        yield name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


def check(
    tables: list[str],
    project_dir: Path,
    postgres: bool = True,
    delta_lakes: dict[str, Path] | None = None,
    spark=None,
) -> list[TableParity]:
    """Compare each table of the stream's Postgres (when `postgres`) and of each named Delta
    lake against the reference built by dbt on Postgres."""
    results = []
    with reference_database(project_dir) as reference_db:
        with (
            psycopg.connect(dbname=reference_db, autocommit=True) as ref,
            psycopg.connect(autocommit=True) as conn,
        ):
            for table in tables:
                columns = postgres_columns(ref, table)
                reference = postgres_rows(ref, table, columns) or Counter()
                parity = TableParity(table, sum(reference.values()))
                if postgres:
                    parity.sides["postgres"] = compare(
                        reference, postgres_rows(conn, table, columns)
                    )
                for side, lake in (delta_lakes or {}).items():
                    rows = delta_rows(spark, lake / "game" / table, columns)
                    parity.sides[side] = compare(reference, rows)
                results.append(parity)
    return results
