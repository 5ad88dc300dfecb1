"""`kappa parity`: every serving table, as the stream wrote it (Postgres, Delta) and as
`dbt build --target spark` built it (optional), compared row for row, all columns, with what
`dbt build` produces from the same raw log.

The reference is built in a scratch database: the raw log is copied there (COPY, raw_id kept)
and `dbt run` builds the serving tables; the scratch database is dropped afterwards. Rows are
compared as multisets of all columns (by name), so duplicates, missing and extra rows all count.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from kappa import postgres, raw_log, run_dbt
from kappa.errors import SinkError
from kappa.settings import Settings
from spark_streaming.sinks.delta import delta_table_exists

logger = logging.getLogger(__name__)

Rows = Counter


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


def _require_serving_tables(tables: list[str]) -> None:
    """Nothing to compare when no serving table exists: say what builds them."""
    with postgres.connect(autocommit=True) as conn:
        found = [table for table in tables if table_exists(conn, table)]
        database = conn.info.dbname
    if not found:
        raise SinkError(
            f"database {database} has no serving tables (game.{tables[0]}, ...):"
            " run `kappa build` or `kappa stream` first"
        )


def table_exists(conn: psycopg.Connection, table: str) -> bool:
    return conn.execute("select to_regclass(%s)", [f"game.{table}"]).fetchone()[0] is not None


def compare(reference: Rows, other: Rows | None) -> tuple[int | None, int, int]:
    if other is None:
        return (None, sum(reference.values()), 0)
    missing = sum((reference - other).values())
    extra = sum((other - reference).values())
    return (sum(other.values()), missing, extra)


def postgres_rows(conn: psycopg.Connection, table: str, columns: list[str]) -> Rows | None:
    if not table_exists(conn, table):
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
    if not delta_table_exists(spark, str(location)):
        return None
    frame = spark.read.format("delta").load(str(location)).select(*columns)
    table = frame.toArrow()
    values = [column.to_pylist() for column in table.columns]
    return Counter(zip(*values, strict=True))


@contextmanager
def reference_database(settings: Settings) -> Iterator[str]:
    """A scratch database with a copy of the raw log and the serving tables `dbt run` built."""
    prefix = f"{os.environ.get('PGDATABASE', 'postgres')}_parity"
    with postgres.scratch_database(prefix) as name:
        with (
            postgres.connect(autocommit=True) as src,
            postgres.connect(dbname=name) as dst,
        ):
            raw_log.ensure_schema(src)  # an empty log when none was ever written
            raw_log.ensure_schema(dst)
            size = raw_log.copy_raw_log(src, dst)
            dst.commit()
        logger.info("parity: raw log copied to %s (%d bytes), running dbt", name, size)
        run_dbt.invoke("run", "--quiet", settings=settings, database=name)
        yield name


def check(
    tables: list[str],
    settings: Settings,
    postgres_sink: bool = True,
    delta_lakes: dict[str, Path] | None = None,
    spark=None,
) -> list[TableParity]:
    """Compare each table of the stream's Postgres (when `postgres_sink`) and of each named
    Delta lake against the reference built by dbt on Postgres."""
    if postgres_sink:
        _require_serving_tables(tables)
    results = []
    with reference_database(settings) as reference_db:
        with (
            postgres.connect(dbname=reference_db, autocommit=True) as ref,
            postgres.connect(autocommit=True) as conn,
        ):
            for table in tables:
                columns = postgres_columns(ref, table)
                reference = postgres_rows(ref, table, columns) or Counter()
                parity = TableParity(table, sum(reference.values()))
                if postgres_sink:
                    parity.sides["postgres"] = compare(
                        reference, postgres_rows(conn, table, columns)
                    )
                for side, lake in (delta_lakes or {}).items():
                    rows = delta_rows(spark, lake / "game" / table, columns)
                    parity.sides[side] = compare(reference, rows)
                results.append(parity)
    return results
