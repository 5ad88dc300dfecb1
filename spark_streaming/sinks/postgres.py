"""The Postgres sink of a micro-batch: the batch output of every model is staged (Arrow -> CSV
-> COPY into temp tables), then `serving_table_lock` + the guarded MERGE rendered by dbt per
model (plan.StreamPlan, the game watermark model first, retraction limited to the batch's games
in `kappa_batch_games`), all in ONE transaction per micro-batch."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import psycopg
import pyarrow as pa
import pyarrow.csv as arrow_csv

from kappa import postgres
from spark_streaming.plan import GAMES_VIEW, SinkMerge, StreamPlan

logger = logging.getLogger(__name__)


def copy_arrow(cursor: psycopg.Cursor, table_name: str, table: pa.Table) -> None:
    """COPY an Arrow table into `table_name` (columns by name) as CSV written by Arrow: 1.7x
    faster than handing psycopg the values one by one (120,000 rows: 1.6 s vs 2.7 s). Arrow
    quotes every string, so an unquoted empty field is NULL and `""` the empty string, which
    is how COPY reads CSV."""
    if table.num_rows == 0:
        return
    columns = ", ".join(table.column_names)
    rows = pa.BufferOutputStream()
    arrow_csv.write_csv(table, rows, arrow_csv.WriteOptions(include_header=False))
    with cursor.copy(f"copy {table_name} ({columns}) from stdin (format csv)") as copy:
        copy.write(rows.getvalue())


class PostgresSink:
    name = "postgres"

    def __init__(self, plan: StreamPlan, database: str | None = None) -> None:
        self.database = database  # None: PGDATABASE
        self.merges: list[tuple[str, SinkMerge]] = [
            (model.name, model.merges[self.name]) for model in plan.models
        ]

    def missing_tables(self, conn: psycopg.Connection) -> list[str]:
        missing = []
        for name, merge in self.merges:
            found = conn.execute("select to_regclass(%s)", [merge.target]).fetchone()[0]
            if found is None:
                missing.append(name)
        return missing

    def write(self, outputs: dict[str, pa.Table], games: Sequence[int]) -> None:
        """COPY every model's output into a temp table and merge it, in one transaction."""
        with (
            postgres.connect(dbname=self.database) as conn,
            conn.transaction(),
            conn.cursor() as cursor,
        ):
            cursor.execute(f"create temp table {GAMES_VIEW} (game_pk bigint) on commit drop")
            with cursor.copy(f"copy {GAMES_VIEW} (game_pk) from stdin") as copy:
                for game_pk in games:
                    copy.write_row((game_pk,))
            for name, merge in self.merges:
                cursor.execute(
                    f"create temp table {merge.source} (like {merge.target}) on commit drop"
                )
                copy_arrow(cursor, merge.source, outputs[name])
            cursor.execute(f"analyze {GAMES_VIEW}")
            for _name, merge in self.merges:
                if merge.lock:
                    cursor.execute(merge.lock)
                cursor.execute(merge.merge)
