"""The Delta sink of a micro-batch (or of a group of them): each model's output is a temp view
and the guarded write rendered by dbt (plan.StreamPlan) runs with spark.sql against the Delta
table at <lake>/game/<table>: the game watermark table first, by the guarded MERGE, then every
other table by a per-game replacement (`insert into ... replace where game_pk in (<games>)`,
kappa.guarded_replace_sql, the game list filled in here), as `dbt build --target spark` writes
them. A missing table is created: from the output itself in a fresh lake, where the write would
only insert it; else empty, then written. Delta has no multi-table transactions: a crash between
two writes is repaired by the replay of the batch (the guard makes every write idempotent)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession

from kappa.errors import SinkError
from spark_streaming.plan import GAMES_VIEW, SinkMerge, StreamPlan

logger = logging.getLogger(__name__)


def delta_table_exists(spark: SparkSession, location: str) -> bool:
    from delta.tables import DeltaTable

    return DeltaTable.isDeltaTable(spark, location)


class DeltaSink:
    name = "delta"

    def __init__(self, merges: Sequence[tuple[str, SinkMerge]], threads: int = 4) -> None:
        """`merges`: (model name, its Delta write), the watermark model first."""
        self.threads = threads  # concurrent writes (one Delta table each: no write conflicts)
        self.merges = list(merges)
        self._known: set[str] = set()

    @classmethod
    def for_plan(cls, plan: StreamPlan, threads: int = 4) -> DeltaSink:
        return cls([(model.name, model.merges[cls.name]) for model in plan.models], threads)

    def _exists(self, spark: SparkSession, merge: SinkMerge) -> bool:
        location = merge.location
        if location is None:
            raise SinkError(f"delta sink: no location for {merge.target}")
        if location not in self._known and delta_table_exists(spark, location):
            self._known.add(location)
        return location in self._known

    def _create(self, merge: SinkMerge, rows: DataFrame, mode: str) -> None:
        Path(merge.location).parent.mkdir(parents=True, exist_ok=True)
        logger.info("creating Delta table %s", merge.location)
        rows.write.format("delta").mode(mode).save(merge.location)
        self._known.add(merge.location)

    def _merge(
        self,
        spark: SparkSession,
        merge: SinkMerge,
        output: DataFrame,
        games: list[int],
        fresh_lake: bool,
    ) -> None:
        """Guarded write of the batch output; a missing table is created first. In a fresh
        lake (no watermark table when the batch began: nothing was ever applied) the write
        into the new, empty table would insert the output as it is, so the table is created
        from the output, as dbt's first run of an incremental model does (17 writes fewer)."""
        if not self._exists(spark, merge):
            if fresh_lake:
                self._create(merge, output, "errorifexists")
                return
            self._create(merge, output.limit(0), "ignore")
        output.createOrReplaceTempView(merge.source)
        spark.sql(merge.statement(games))

    def write(self, spark: SparkSession, outputs: dict[str, pa.Table], games: list[int]) -> None:
        """The watermark table first, then the others concurrently (one Delta table each:
        no write conflicts; a write is mostly fixed overhead, so threads overlap it). Each
        write's source is the output as a local relation built from Arrow: deterministic, so
        Delta may skip materializing a merge's source
        (spark.databricks.delta.merge.materializeSource=auto; a cached source could not be used
        with materializeSource=none). `games`: the batch's games, each of its outputs' games
        among them (the replacements rewrite exactly these games)."""
        # the games whose rows older than their watermark the watermark merge retracts
        games_frame = spark.createDataFrame([(game,) for game in games], "game_pk bigint")
        games_frame.createOrReplaceTempView(GAMES_VIEW)
        frames = {name: spark.createDataFrame(table) for name, table in outputs.items()}
        (first_name, first), *rest = self.merges
        fresh_lake = not self._exists(spark, first)
        self._merge(spark, first, frames[first_name], games, fresh_lake)
        with ThreadPoolExecutor(max_workers=max(1, self.threads)) as pool:
            futures = [
                pool.submit(self._merge, spark, merge, frames[name], games, fresh_lake)
                for name, merge in rest
            ]
            for future in futures:
                future.result()
