"""foreachBatch: run every serving model's compiled dbt SQL on the micro-batch, then write the
outputs to the sinks.

The batch is exposed as the temp view `live_game_v1` (the source relation the models were
compiled against: `system.session.live_game_v1`), cached once per batch. The model SQL stays
exactly what dbt compiled. Each model embeds the staging model (newest capture per game, its
document parsed) as a CTE; Spark does not substitute a cached staging result into those CTEs,
so instead the view is narrowed first to the captures the compiled staging SQL keeps (its
raw_ids; the documents are not parsed for that, column pruning): every model then parses one
document per game, however many captures of a game the batch holds.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pyspark.sql import DataFrame

from spark_streaming.compile import BATCH_VIEW, GAMES_VIEW, StreamPlan
from spark_streaming.sinks import DeltaSink, PostgresSink

logger = logging.getLogger(__name__)


@dataclass
class BatchReport:
    batch_id: int
    captures: int
    games: int
    rows: dict[str, int] = field(default_factory=dict)
    millis: int = 0
    phases: dict[str, int] = field(default_factory=dict)  # ms per phase

    def phase(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.phases[name] = int((now - since) * 1000)
        return now

    def line(self) -> str:
        rows = " ".join(f"{name.removeprefix('live_game_')}={n}" for name, n in self.rows.items())
        phases = " ".join(f"{name} {ms}" for name, ms in self.phases.items())
        return (
            f"batch {self.batch_id}: {self.captures} captures, {self.games} games,"
            f" {self.millis} ms ({phases}); rows {rows}"
        )


@dataclass
class BatchProcessor:
    """The foreachBatch function of the stream."""

    plan: StreamPlan
    postgres: PostgresSink | None
    delta: DeltaSink | None
    threads: int = 4  # concurrent Spark jobs per batch (models, Delta merges)
    reports: list[BatchReport] = field(default_factory=list)

    def __call__(self, batch_df: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        spark = batch_df.sparkSession
        raw = batch_df.persist()
        cached: list[DataFrame] = [raw]
        try:
            games = sorted(row[0] for row in raw.select("game_pk").distinct().collect())
            if not games:
                return
            raw.createOrReplaceTempView(BATCH_VIEW)
            report = BatchReport(batch_id, raw.count(), len(games))
            games_df = spark.createDataFrame([(game,) for game in games], "game_pk bigint")
            games_df.createOrReplaceTempView(GAMES_VIEW)
            # Only the captures the staging model keeps (newest per game, chosen by the
            # compiled staging SQL itself, documents unparsed: column pruning) are handed to
            # the models, so each model parses one document per game, not every capture.
            for staging_sql in self.plan.staging:
                kept = [row[0] for row in spark.sql(staging_sql).select("raw_id").collect()]
                newest = raw.where(raw.raw_id.isin(kept)).persist()
                cached.append(newest)
                newest.createOrReplaceTempView(BATCH_VIEW)
            outputs: dict[str, DataFrame] = {}
            for model in self.plan.models:
                output = spark.sql(model.sql).persist()
                cached.append(output)
                outputs[model.name] = output
            mark = time.monotonic()
            if self.postgres is not None:
                with ThreadPoolExecutor(max_workers=self.threads) as pool:
                    arrow = dict(
                        zip(outputs, pool.map(DataFrame.toArrow, outputs.values()), strict=True)
                    )
                tables = {name: arrow[name] for name in outputs}
                report.rows = {name: table.num_rows for name, table in tables.items()}
                mark = report.phase("transform", mark)
                self.postgres.write(tables, games)
                mark = report.phase("postgres", mark)
                del tables
            else:
                report.rows = {name: output.count() for name, output in outputs.items()}
                mark = report.phase("transform", mark)
            if self.delta is not None:
                self.delta.write(spark, outputs, self.threads)
                mark = report.phase("delta", mark)
            report.millis = int((time.monotonic() - started) * 1000)
            self.reports.append(report)
            logger.info("%s", report.line())
        finally:
            for frame in cached:
                frame.unpersist()
