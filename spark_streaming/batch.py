"""foreachBatch: run every serving model's compiled dbt SQL on the micro-batch, then write the
outputs to the sinks.

The batch is exposed as the temp view `live_game_v1` (the source relation the models were
compiled against: `system.session.live_game_v1`). The newest capture per game, with its
document parsed, is the compiled staging model that each serving model embeds as a CTE; it is
cached once per batch (`spark.sql(staging_sql).persist()`): Spark's cache manager substitutes
the cached rows wherever the same plan occurs, so each document is parsed once per batch, not
once per model, and the model SQL stays exactly what dbt compiled.
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
            for staging_sql in self.plan.staging:
                cached.append(spark.sql(staging_sql).persist())
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
