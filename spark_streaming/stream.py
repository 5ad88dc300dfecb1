"""`kappa stream`: the Spark Structured Streaming job (raw log -> dbt SQL -> sinks).

Each sink is its own streaming query over the same raw-log source, with its own checkpoint
(`<checkpoint>/<sink>`) and trigger: a Postgres micro-batch never waits for Delta's merges, and
Delta takes larger, rarer batches (its cost per batch is mostly fixed). Both run the same
compiled model SQL; each is exactly-once in effect by its own offsets and the guarded merge, so
a crash at any point (also between a Postgres commit and a Delta commit) is repaired by the
replay of each query's last batch."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pyspark.errors import StreamingQueryException
from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery

from kappa import postgres, raw_log, run_dbt
from kappa.errors import SinkError, StreamError
from kappa.settings import Settings
from spark_streaming import source
from spark_streaming.batch import BatchProcessor, BatchReport
from spark_streaming.models import ensure_current_batch_table
from spark_streaming.plan import SINKS, build_plan
from spark_streaming.reset import reset_sinks
from spark_streaming.session import SparkSettings, build_session
from spark_streaming.sinks.delta import DeltaSink
from spark_streaming.sinks.postgres import PostgresSink

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamSettings:
    sinks: tuple[str, ...]
    checkpoint: Path  # one sub-directory per sink query
    settings: Settings  # the lake and the dbt project come from here
    trigger_seconds: float = 0.5  # the Postgres query
    delta_trigger_seconds: float = 30.0  # the Delta query: larger, rarer batches
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
    def default_checkpoint(settings: Settings) -> Path:
        return settings.checkpoints / "stream"

    def trigger(self, sink: str) -> float:
        return self.delta_trigger_seconds if sink == "delta" else self.trigger_seconds


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


def prepare(settings: StreamSettings) -> dict[str, BatchProcessor]:
    """Compile the project for the stream and make the sinks ready (missing Postgres tables
    created unless `create_missing_tables` is off): the foreachBatch processor of each sink's
    query. Needs no Spark session."""
    plan = build_plan(settings.sinks, settings.settings)
    if settings.reset:  # an exact replay: the checkpoints removed, the serving tables emptied
        reset_sinks(plan, settings.sinks, settings.checkpoint, settings.database)
    ensure_current_batch_table(settings.database)
    processors: dict[str, BatchProcessor] = {}
    if "postgres" in settings.sinks:
        postgres_sink = PostgresSink(plan, settings.database)
        processors["postgres"] = BatchProcessor(plan, postgres_sink, settings.database)
        with postgres.connect(dbname=settings.database, autocommit=True) as conn:
            missing = postgres_sink.missing_tables(conn)
        if missing and not settings.create_missing_tables:
            raise SinkError(
                f"Postgres serving tables missing: {', '.join(missing)}; run `kappa build` first"
            )
        if missing:
            create_postgres_tables(postgres_sink, settings.settings, settings.database)
    if "delta" in settings.sinks:
        # beside a Postgres query the Delta batch leaves it cores: fewer concurrent jobs
        threads = 2 if processors else 4
        processors["delta"] = BatchProcessor(
            plan, DeltaSink(plan, threads), settings.database, threads=threads
        )
    return processors


def prepare_with_session(
    settings: StreamSettings, spark_settings: SparkSettings
) -> tuple[SparkSession, dict[str, BatchProcessor]]:
    """The SparkSession and the prepared processors: dbt compiles the project (and creates
    missing serving tables) while the JVM starts, about 10 s of each start on 2 cores."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        prepared = pool.submit(prepare, settings)
        spark = build_session(spark_settings)
        processors = prepared.result()
    return spark, processors


def run(
    settings: StreamSettings,
    spark: SparkSession,
    stop: threading.Event | None = None,
    processors: dict[str, BatchProcessor] | None = None,
) -> dict[str, list[BatchReport]]:
    """Run one streaming query per sink until they stop (available-now) or are interrupted;
    raises StreamError when a batch fails (the other queries are stopped). Returns the reports
    of the batches each sink processed. `processors`: what `prepare(settings)` returned, when
    the caller prepared them already."""
    if processors is None:
        processors = prepare(settings)
    source.register(spark)
    queries = [start_query(settings, spark, sink, processors[sink]) for sink in settings.sinks]
    try:
        while any(query.isActive for query in queries):
            # a failed batch ends its query: check the exception, never wait forever
            for query in queries:
                try:
                    query.awaitTermination(1 / len(queries))
                except StreamingQueryException:
                    pass
            if any(query.exception() is not None for query in queries):
                break
            if stop is not None and stop.is_set():
                break
    except KeyboardInterrupt:
        logger.info("interrupted: stopping the stream")
    finally:
        for query in queries:
            if query.isActive:
                query.stop()
        for processor in processors.values():
            processor.close()
    for query in queries:
        error = query.exception()
        if error is not None:
            raise StreamError(f"{query.name} failed: {_first_line(error)}") from error
    return {sink: processor.reports for sink, processor in processors.items()}


def start_query(
    settings: StreamSettings, spark: SparkSession, sink: str, processor: BatchProcessor
) -> StreamingQuery:
    """The streaming query of one sink: the raw-log source, its own checkpoint and trigger."""
    checkpoint = settings.checkpoint / sink  # a reset removed it in prepare()
    # the batch's rows without documents: the processor's model plans read those themselves
    options = source.raw_log_options(
        settings.max_captures_per_batch,
        settings.partitions,
        database=settings.database,
        documents=False,
    )
    frame = spark.readStream.format(source.STREAM_FORMATS[sink]).options(**options).load()
    writer = (
        frame.writeStream.foreachBatch(processor)
        .option("checkpointLocation", str(checkpoint))
        .queryName(f"kappa_stream_{sink}")
    )
    if settings.available_now:
        writer = writer.trigger(availableNow=True)
    else:
        trigger = settings.trigger(sink)
        writer = writer.trigger(processingTime=f"{int(trigger * 1000)} milliseconds")
    query = writer.start()
    logger.info(
        "stream %s started: checkpoint %s, %s",
        sink,
        checkpoint,
        "available-now" if settings.available_now else f"trigger {settings.trigger(sink)}s",
    )
    return query


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
