"""`kappa stream`: the Spark Structured Streaming job (raw log -> dbt SQL -> sinks)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
from pyspark.errors import StreamingQueryException
from pyspark.sql import SparkSession

from kappa.settings import PROJECT_DIR, Settings
from spark_streaming import source
from spark_streaming.batch import BatchProcessor, BatchReport
from spark_streaming.compile import SINKS, StreamPlan, build_plan
from spark_streaming.session import SparkSettings, build_session
from spark_streaming.sinks import DeltaSink, PostgresSink, SinkError

logger = logging.getLogger(__name__)


class StreamError(RuntimeError):
    """The streaming query failed (the failed batch's error is the cause)."""


@dataclass(frozen=True)
class StreamSettings:
    sinks: tuple[str, ...]
    checkpoint: Path
    lake: Path
    trigger_seconds: float = 2.0
    available_now: bool = False
    max_captures_per_batch: int = source.DEFAULT_MAX_CAPTURES
    partitions: int = source.DEFAULT_PARTITIONS
    reset: bool = False
    bootstrap: bool = True
    project_dir: Path = PROJECT_DIR

    def __post_init__(self) -> None:
        unknown = [sink for sink in self.sinks if sink not in SINKS]
        if unknown or not self.sinks:
            raise ValueError(f"sinks {list(self.sinks)}: choose from {', '.join(SINKS)}")

    @staticmethod
    def default_checkpoint(sinks: tuple[str, ...]) -> Path:
        return Settings.from_env().home / "checkpoints" / f"stream-{'-'.join(sorted(sinks))}"


BOOTSTRAP_SCHEMA = "kappa_stream_bootstrap"


def bootstrap_postgres(sink: PostgresSink, project_dir: Path) -> None:
    """Create missing Postgres serving tables with `dbt run` over an EMPTY copy of the raw log
    (var raw_schema): the same DDL as `dbt build` (contracts, types), no rows. (`dbt run
    --empty` cannot: it breaks the models' `ref(...) as alias`.)"""
    from kappa import dbt_invoke, raw_log

    with psycopg.connect(autocommit=True) as conn:
        missing = sink.missing_tables(conn)
        if not missing:
            return
        raw_log.ensure_schema(conn)
        conn.execute(f"drop schema if exists {BOOTSTRAP_SCHEMA} cascade")
        conn.execute(f"create schema {BOOTSTRAP_SCHEMA}")
        conn.execute(f"create table {BOOTSTRAP_SCHEMA}.live_game_v1 (like game.live_game_v1)")
    logger.info("creating missing serving tables (dbt run, empty log): %s", ", ".join(missing))
    try:
        ok = dbt_invoke.run(
            [
                "run",
                "--target",
                "postgres",
                "--vars",
                json.dumps({"raw_schema": BOOTSTRAP_SCHEMA}),
                "--select",
                *missing,
                "--quiet",
            ],
            project_dir,
        )
    finally:
        with psycopg.connect(autocommit=True) as conn:
            conn.execute(f"drop schema if exists {BOOTSTRAP_SCHEMA} cascade")
    if not ok:
        raise SinkError(f"dbt run could not create the serving tables {missing}")


def prepare(settings: StreamSettings) -> tuple[StreamPlan, BatchProcessor]:
    plan = build_plan(settings.sinks, settings.lake, settings.project_dir)
    postgres = PostgresSink(plan) if "postgres" in settings.sinks else None
    delta = DeltaSink(plan) if "delta" in settings.sinks else None
    if postgres is not None:
        with psycopg.connect(autocommit=True) as conn:
            missing = postgres.missing_tables(conn)
        if missing and not settings.bootstrap:
            raise SinkError(f"Postgres serving tables missing: {missing}; run `dbt build` first")
        if missing:
            bootstrap_postgres(postgres, settings.project_dir)
    return plan, BatchProcessor(plan=plan, postgres=postgres, delta=delta)


def start(
    settings: StreamSettings, spark_settings: SparkSettings
) -> tuple[SparkSession, BatchProcessor]:
    """The session and the prepared processor. dbt compiles the project (and creates missing
    serving tables) while the JVM starts: about 10 s of each start on 2 cores (compiling needs
    no Spark session)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        prepared = pool.submit(prepare, settings)
        spark = build_session(spark_settings)
        _plan, processor = prepared.result()
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
        _plan, processor = prepare(settings)
    # foreachBatch runs batch queries: adaptive execution re-plans each of their stages, which
    # costs a micro-batch more than it saves on data this small (15 games: 7.4 s vs 9.3 s)
    spark.conf.set("spark.sql.adaptive.enabled", "false")
    source.register(spark)
    options = source.raw_log_options(settings.max_captures_per_batch, settings.partitions)
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
        raise StreamError(f"the stream failed: {error}") from None
    return processor.reports


def wait_for_rows(check, timeout: float = 60.0, every: float = 0.05) -> float:
    """Poll `check()` until it is true; seconds waited (helper for benchmarks and tests)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(every)
    return time.monotonic() - started


def environment_summary() -> str:
    return f"PGHOST={os.environ.get('PGHOST', '')} PGDATABASE={os.environ.get('PGDATABASE', '')}"
