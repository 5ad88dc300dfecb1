"""foreachBatch: run every serving model's compiled dbt SQL on the micro-batch, once for both
sinks, then write the outputs: to Postgres in one transaction, and to the Delta outbox, which the
Delta writer merges into the lake on its own cadence (spark_streaming/delta_writer.py).

The streaming source hands over the batch's rows without their documents (raw_id, game_pk, ...).
The models run as DataFrames planned once per query (spark_streaming/models.py) whose leaf reads
and parses the batch's captures once per batch; their SQL is exactly what dbt compiled, against
the source relation `system.session.live_game_v1`. When a game has several captures in the
batch, only the ones the compiled staging SQL keeps (the newest per game) are read: the staging
SQL runs on the document-less rows, so no document is read or parsed for that.

The models' outputs are collected as Arrow (concurrently). Each batch logs its captures, rows,
milliseconds per phase and the Postgres lag: from the oldest capture's arrival in the raw log
(`ingested_at`) to the commit (the Delta writer logs the Delta lag of each group).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession

from spark_streaming.models import ReusedModels
from spark_streaming.plan import BATCH_VIEW, StreamPlan
from spark_streaming.sinks.postgres import PostgresSink

if TYPE_CHECKING:
    from spark_streaming.delta_process import DeltaWriterProcess
    from spark_streaming.delta_writer import DeltaWriter

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
    """The foreachBatch function of the stream's query: transform, then each chosen sink."""

    plan: StreamPlan
    postgres: PostgresSink | None = None
    delta: DeltaWriter | DeltaWriterProcess | None = None  # its outbox receives the outputs
    database: str | None = None  # None: PGDATABASE (where the plans' leaf reads captures)
    threads: int = 4  # concurrent Spark jobs per batch (collecting the models' outputs)
    reports: list[BatchReport] = field(default_factory=list)
    _models: ReusedModels | None = None
    _seconds: dict[str, float] = field(default_factory=dict)  # each model's last collect

    @property
    def name(self) -> str:
        return "postgres" if self.postgres is not None else "outbox"

    def __call__(self, batch_df: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        spark = batch_df.sparkSession
        # one job, no documents: the captures, their games, when each arrived (epoch micros)
        arrivals = batch_df.selectExpr("raw_id", "game_pk", "unix_micros(ingested_at)").collect()
        if not arrivals:
            return
        games = sorted({row[1] for row in arrivals})
        report = BatchReport(batch_id, self.name, len(arrivals), len(games))
        raw_ids = [row[0] for row in arrivals]
        if len(raw_ids) > len(games) and self.plan.staging:  # read only each game's newest
            raw_ids = self._kept_by_staging(spark, batch_df)
        mark = report.phase("source", started)
        outputs = self._reused_models(spark).run(raw_ids)
        mark = report.phase("read", mark)
        arrow = self._collect(outputs)
        report.rows = {name: table.num_rows for name, table in arrow.items()}
        mark = report.phase("transform", mark)
        oldest_arrival = min(row[2] for row in arrivals) / 1e6
        if self.delta is not None:
            self.delta.outbox.put(batch_id, arrow, games, len(arrivals), oldest_arrival)
            mark = report.phase("outbox", mark)
        if self.postgres is not None:
            self.postgres.write(arrow, games)
            report.phase(self.postgres.name, mark)
        report.lag_ms = int((time.time() - oldest_arrival) * 1000)
        report.millis = int((time.monotonic() - started) * 1000)
        self.reports.append(report)
        logger.info("%s", report.line())
        if self.delta is not None:
            self.delta.notify()
            self.delta.wait_for_room()

    def _collect(self, outputs: dict[str, DataFrame]) -> dict[str, pa.Table]:
        """Every output as Arrow, `threads` at a time, the slowest of the last batch first:
        each model runs as one task, so the longest (pitch events) would otherwise run alone
        at the end (100 final games on a busy 2-core machine, 3 rounds interleaved: 6.5-9.7 s
        instead of 7.7-13.3 s)."""

        def collect(name: str) -> pa.Table:
            started = time.monotonic()
            table = outputs[name].toArrow()
            self._seconds[name] = time.monotonic() - started
            return table

        slowest_first = sorted(outputs, key=lambda name: -self._seconds.get(name, 0.0))
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            tables = dict(zip(slowest_first, pool.map(collect, slowest_first), strict=True))
        return {name: tables[name] for name in outputs}  # the plan's order: watermark first

    def _reused_models(self, spark: SparkSession) -> ReusedModels:
        """Planned at the first batch, in the query's own session (the stream's clone)."""
        if self._models is None:
            self._models = ReusedModels(spark, self.plan, self.database)
        return self._models

    def _kept_by_staging(self, spark: SparkSession, batch_df: DataFrame) -> list[int]:
        """The raw_ids the compiled staging SQL keeps (newest capture per game), chosen over the
        document-less batch."""
        batch_df.createOrReplaceTempView(BATCH_VIEW)
        return sorted(
            {
                row[0]
                for staging_sql in self.plan.staging
                for row in spark.sql(staging_sql).select("raw_id").collect()
            }
        )

    def close(self) -> None:
        """Release the planned models (planned again if the processor runs again)."""
        if self._models is not None:
            self._models.close()
            self._models = None
