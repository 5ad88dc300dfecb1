"""`kappa stream`: the Spark Structured Streaming job (raw log -> dbt SQL -> sinks)."""

from __future__ import annotations

import logging
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pyspark.errors import StreamingQueryException
from pyspark.sql import SparkSession

from kappa import postgres, raw_log, run_dbt
from kappa.errors import SinkError, StreamError
from kappa.settings import Settings
from spark_streaming import source
from spark_streaming.batch import BatchProcessor, BatchReport
from spark_streaming.plan import SINKS, build_plan
from spark_streaming.session import SparkSettings, build_session
from spark_streaming.sinks.delta import DeltaSink
from spark_streaming.sinks.postgres import PostgresSink

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamSettings:
    sinks: tuple[str, ...]
    checkpoint: Path
    settings: Settings  # the lake and the dbt project come from here
    trigger_seconds: float = 2.0
    available_now: bool = False
    max_captures_per_batch: int = source.DEFAULT_MAX_CAPTURES
    partitions: int = source.DEFAULT_PARTITIONS
    reset: bool = False
    create_missing_tables: bool = True
    database: str | None = None  # None: the database PGDATABASE names

    def __post_init__(self) -> None:
        unknown = [sink for sink in self.sinks if sink not in SINKS]
        if unknown or not self.sinks:
            raise SinkError(f"sinks {','.join(self.sinks)!r}: choose from {', '.join(SINKS)}")

    @staticmethod
    def default_checkpoint(settings: Settings, sinks: tuple[str, ...]) -> Path:
        return settings.checkpoints / f"stream-{'-'.join(sorted(sinks))}"


BOOTSTRAP_SCHEMA = "kappa_stream_bootstrap"


def create_postgres_tables(sink: PostgresSink, settings: Settings, database: str | None) -> None:
    """Create missing Postgres serving tables with `dbt run` over an EMPTY copy of the raw log
    (var raw_schema): the same DDL as `dbt build` (contracts, types), no rows. (`dbt run
    --empty` cannot: it breaks the models' `ref(...) as alias`.)"""
    with postgres.connect(dbname=database, autocommit=True) as conn:
        missing = sink.missing_tables(conn)
        if not missing:
            return
        raw_log.ensure_schema(conn)
        conn.execute(f"drop schema if exists {BOOTSTRAP_SCHEMA} cascade")
        conn.execute(f"create schema {BOOTSTRAP_SCHEMA}")
        conn.execute(f"create table {BOOTSTRAP_SCHEMA}.live_game_v1 (like game.live_game_v1)")
    logger.info("creating missing serving tables (dbt run, empty log): %s", ", ".join(missing))
    try:
        run_dbt.invoke(
            "run",
            "--select",
            *missing,
            "--quiet",
            settings=settings,
            variables={"raw_schema": BOOTSTRAP_SCHEMA},
            database=database,
        )
    finally:
        with postgres.connect(dbname=database, autocommit=True) as conn:
            conn.execute(f"drop schema if exists {BOOTSTRAP_SCHEMA} cascade")


def prepare(settings: StreamSettings) -> BatchProcessor:
    """Compile the project for the stream and make the sinks ready (missing Postgres tables
    created unless `create_missing_tables` is off). Needs no Spark session."""
    plan = build_plan(settings.sinks, settings.settings)
    postgres_sink = PostgresSink(plan, settings.database) if "postgres" in settings.sinks else None
    delta_sink = DeltaSink(plan) if "delta" in settings.sinks else None
    if postgres_sink is not None:
        with postgres.connect(dbname=settings.database, autocommit=True) as conn:
            missing = postgres_sink.missing_tables(conn)
        if missing and not settings.create_missing_tables:
            raise SinkError(
                f"Postgres serving tables missing: {', '.join(missing)}; run `kappa build` first"
            )
        if missing:
            create_postgres_tables(postgres_sink, settings.settings, settings.database)
    return BatchProcessor(plan=plan, postgres=postgres_sink, delta=delta_sink)


def prepare_with_session(
    settings: StreamSettings, spark_settings: SparkSettings
) -> tuple[SparkSession, BatchProcessor]:
    """The SparkSession and the prepared processor: dbt compiles the project (and creates
    missing serving tables) while the JVM starts, about 10 s of each start on 2 cores."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        prepared = pool.submit(prepare, settings)
        spark = build_session(spark_settings)
        processor = prepared.result()
    return spark, processor


def run(
    settings: StreamSettings,
    spark: SparkSession,
    stop: threading.Event | None = None,
    processor: BatchProcessor | None = None,
) -> list[BatchReport]:
    """Run the stream until it stops (available-now) or is interrupted; raises StreamError
    when a batch fails. Returns the reports of the batches processed. `processor`: what
    `prepare(settings)` returned, when the caller prepared it already."""
    if settings.reset and settings.checkpoint.exists():
        logger.info(
            "reset: removing checkpoint %s (replay from the first capture)", settings.checkpoint
        )
        shutil.rmtree(settings.checkpoint)
    if processor is None:
        processor = prepare(settings)
    # foreachBatch runs batch queries: adaptive execution re-plans each of their stages, which
    # costs a micro-batch more than it saves on data this small (15 games: 7.4 s vs 9.3 s)
    spark.conf.set("spark.sql.adaptive.enabled", "false")
    source.register(spark)
    options = source.raw_log_options(
        settings.max_captures_per_batch, settings.partitions, database=settings.database
    )
    frame = spark.readStream.format(source.FORMAT).options(**options).load()
    writer = (
        frame.writeStream.foreachBatch(processor)
        .option("checkpointLocation", str(settings.checkpoint))
        .queryName("kappa_stream")
    )
    if settings.available_now:
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(
            processingTime=f"{int(settings.trigger_seconds * 1000)} milliseconds"
        )
    query = writer.start()
    logger.info(
        "stream started: sinks %s, checkpoint %s, %s",
        ",".join(settings.sinks),
        settings.checkpoint,
        "available-now" if settings.available_now else f"trigger {settings.trigger_seconds}s",
    )
    try:
        while query.isActive:
            # a failed batch ends the query: check its exception, never wait forever
            try:
                query.awaitTermination(1)
            except StreamingQueryException:
                break
            if query.exception() is not None:
                break
            if stop is not None and stop.is_set():
                query.stop()
    except KeyboardInterrupt:
        logger.info("interrupted: stopping the stream")
        query.stop()
    error = query.exception()
    if error is not None:
        raise StreamError(f"the stream failed: {_first_line(error)}") from error
    return processor.reports


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
