"""foreachBatch: run every serving model's compiled dbt SQL on the micro-batch, then write the
outputs to the query's sink (each sink is its own streaming query: kappa.stream).

The batch is exposed as the temp view `live_game_v1` (the source relation the models were
compiled against: `system.session.live_game_v1`). The model SQL stays exactly what dbt compiled.
Each model embeds the staging model (newest capture per game, its document parsed) as a CTE,
and Spark does not substitute a cached staging result into those CTEs. So the batch is prepared
once, before the models run:

1. narrowed to the captures the compiled staging SQL keeps (its raw_ids, chosen over the raw
   batch: column pruning, no document parsed), so a game's older captures are never parsed;
2. its `data` parsed into VARIANT (`parse_json`, once per document) and cached: in the stream
   (var `streaming`) `kappa.json_doc` returns the column unchanged, so every model reads the
   cached parsed documents instead of parsing each one again (17 parses -> 1);
3. the models are analysed and run concurrently (a thread pool of Spark jobs); the sink stages
   their outputs (Postgres: Arrow; Delta: cached) and writes them.

Each batch logs its captures, rows, milliseconds per phase and the sink's lag: from the oldest
capture's arrival in the raw log (`ingested_at`) to the sink's commit.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.functions import parse_json

from spark_streaming.plan import BATCH_VIEW, GAMES_VIEW, StreamPlan
from spark_streaming.sinks.delta import DeltaSink
from spark_streaming.sinks.postgres import PostgresSink

Sink = PostgresSink | DeltaSink

logger = logging.getLogger(__name__)


@dataclass
class BatchReport:
    batch_id: int
    sink: str
    captures: int
    games: int
    rows: dict[str, int] = field(default_factory=dict)
    millis: int = 0
    phases: dict[str, int] = field(default_factory=dict)  # ms per phase
    lag_ms: int = 0  # oldest capture's arrival in the raw log -> the sink's commit

    def phase(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.phases[name] = int((now - since) * 1000)
        return now

    def line(self) -> str:
        rows = " ".join(f"{name.removeprefix('live_game_')}={n}" for name, n in self.rows.items())
        phases = " ".join(f"{name} {ms}" for name, ms in self.phases.items())
        return (
            f"{self.sink} batch {self.batch_id}: {self.captures} captures, {self.games} games,"
            f" {self.millis} ms ({phases}), lag {self.lag_ms} ms; rows {rows}"
        )


@dataclass
class BatchProcessor:
    """The foreachBatch function of one sink's streaming query."""

    plan: StreamPlan
    sink: Sink
    threads: int = 4  # concurrent Spark jobs per batch (the models)
    reports: list[BatchReport] = field(default_factory=list)

    def __call__(self, batch_df: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        spark = batch_df.sparkSession
        raw = batch_df.persist()
        cached: list[DataFrame] = [raw]
        try:
            # one job, no documents: the games and when each capture arrived (epoch micros)
            captured = raw.selectExpr("game_pk", "unix_micros(ingested_at)").collect()
            if not captured:
                return
            games = sorted({row[0] for row in captured})
            oldest_arrival = min(row[1] for row in captured) / 1e6
            report = BatchReport(batch_id, self.sink.name, len(captured), len(games))
            games_df = spark.createDataFrame([(game,) for game in games], "game_pk bigint")
            games_df.createOrReplaceTempView(GAMES_VIEW)
            # one capture per game (live): the staging models keep them all, nothing to narrow
            parsed = self._prepare(spark, raw, narrow=len(captured) > len(games))
            cached.append(parsed)
            raw.unpersist()  # the parsed captures hold all the models read
            mark = report.phase("prepare", started)
            # the models are analysed and run concurrently (analysis is a tenth of a small
            # batch); the sink stages what it writes (Arrow for Postgres, a cache for Delta)
            with ThreadPoolExecutor(max_workers=self.threads) as pool:
                outputs = dict(
                    zip(self.plan.names, pool.map(spark.sql, self.plan.sqls), strict=True)
                )
                staged, report.rows = self.sink.stage(outputs, pool)
            mark = report.phase("transform", mark)
            self.sink.write(staged, games)
            report.phase(self.sink.name, mark)
            report.lag_ms = int((time.time() - oldest_arrival) * 1000)
            report.millis = int((time.monotonic() - started) * 1000)
            self.reports.append(report)
            logger.info("%s", report.line())
        finally:
            for frame in cached:
                frame.unpersist()

    def _prepare(self, spark: SparkSession, raw: DataFrame, narrow: bool = True) -> DataFrame:
        """The captures the models read, documents parsed once, cached and materialized; also
        the temp view `live_game_v1`."""
        raw.createOrReplaceTempView(BATCH_VIEW)
        kept = raw
        if narrow and self.plan.staging:
            # Only the captures the staging models keep (newest per game, chosen by the compiled
            # staging SQL itself; `data` is pruned, nothing is parsed for that).
            raw_ids = {
                row[0]
                for staging_sql in self.plan.staging
                for row in spark.sql(staging_sql).select("raw_id").collect()
            }
            kept = raw.where(raw.raw_id.isin(sorted(raw_ids)))
        # hash-partitioned by game: the models' windows over games (the staging model's newest
        # capture per game) then need no shuffle of the parsed documents
        parsed = kept.repartition("game_pk").withColumn("data", parse_json(kept.data)).persist()
        parsed.count()  # materialize: every document parsed here, once
        parsed.createOrReplaceTempView(BATCH_VIEW)
        return parsed
