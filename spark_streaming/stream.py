"""`kappa stream`: the Spark Structured Streaming job (raw log -> dbt SQL -> sinks).

One streaming query reads the raw log; each micro-batch runs the compiled model SQL once and
writes both sinks from the same outputs:

- Postgres: one transaction per micro-batch, at the query's trigger (500 ms by default; a busy
  stream runs batches back to back);
- Delta: the outputs go to a durable outbox on the driver, which the Delta writer writes into
  the lake in groups (the watermark's merge, then per-game replacements), at most once per
  `delta_trigger_seconds`, in a lower-priority scheduler pool. A Postgres commit never waits
  for Delta's writes.

The query's checkpoint is `<checkpoint>/<sinks>` (e.g. `postgres+delta`: choosing other sinks
replays the log into them) and the outbox `<checkpoint>/<sinks>.delta-outbox`. Every write is
exactly-once in effect: the guarded writes make a replayed batch idempotent, and a batch leaves
the outbox only after Delta committed it, so a crash at any point (also between the Postgres
and the Delta commit) is repaired on the next start."""

from __future__ import annotations

import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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
from spark_streaming.delta_process import DeltaWriterProcess
from spark_streaming.delta_writer import DeltaWriter
from spark_streaming.models import ensure_current_batch_table
from spark_streaming.outages import Outages, Recorder, first_line
from spark_streaming.outbox import DeltaOutbox
from spark_streaming.plan import SINKS, build_plan
from spark_streaming.reset import reset_sinks
from spark_streaming.session import SparkSettings, build_session
from spark_streaming.sinks.delta import DeltaSink
from spark_streaming.sinks.postgres import PostgresSink

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamSettings:
    sinks: tuple[str, ...]
    checkpoint: Path  # holds one sub-directory per choice of sinks
    settings: Settings  # the lake and the dbt project come from here
    trigger_seconds: float = 0.5  # the query (Postgres commits)
    delta_trigger_seconds: float = 30.0  # the Delta writer: larger, rarer groups
    available_now: bool = False
    max_captures_per_batch: int = source.DEFAULT_MAX_CAPTURES
    partitions: int = source.DEFAULT_PARTITIONS
    reset: bool = False
    create_missing_tables: bool = True
    database: str | None = None  # None: the database PGDATABASE names
    # run the Delta writer in a niced child process on this Spark master, not in a driver
    # thread (`kappa stream` on a local master: delta_process.child_process_master)
    delta_child_master: str | None = None

    def __post_init__(self) -> None:
        unknown = [sink for sink in self.sinks if sink not in SINKS]
        if unknown or not self.sinks:
            raise SinkError(f"sinks {','.join(self.sinks)!r}: choose from {', '.join(SINKS)}")

    @staticmethod
    def default_checkpoint(settings: Settings) -> Path:
        return settings.checkpoints / "stream"

    @property
    def query_checkpoint(self) -> Path:
        return self.checkpoint / "+".join(sink for sink in SINKS if sink in self.sinks)

    @property
    def outbox(self) -> Path:
        return self.query_checkpoint.with_name(self.query_checkpoint.name + ".delta-outbox")


@dataclass
class Pipeline:
    """What `prepare` makes ready: the query's foreachBatch processor and, with the Delta sink,
    the writer of the outbox."""

    processor: BatchProcessor

    @property
    def delta(self) -> DeltaWriter | DeltaWriterProcess | None:
        return self.processor.delta

    def reports(self) -> dict[str, list[BatchReport]]:
        """The batches of each sink (Delta: the groups it merged)."""
        found = {}
        if self.processor.postgres is not None:
            found["postgres"] = self.processor.reports
        if self.delta is not None:
            found["delta"] = self.delta.reports
        return found


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


def prepare(settings: StreamSettings) -> Pipeline:
    """Compile the project for the stream and make the sinks ready (missing Postgres tables
    created unless `create_missing_tables` is off; with `reset`, an exact replay:
    spark_streaming/reset.py). Needs no Spark session; with a Delta writer child process
    (`delta_child_master`), starts it: `run` stops it, or `prepare_with_session` if the
    stream's session fails to start."""
    plan = build_plan(settings.sinks, settings.settings)
    if settings.reset:  # an exact replay: checkpoint and outbox removed, serving tables emptied
        reset_sinks(
            plan, settings.sinks, [settings.query_checkpoint, settings.outbox], settings.database
        )
    ensure_current_batch_table(settings.database)
    processor = BatchProcessor(plan, database=settings.database)
    if "postgres" in settings.sinks:
        processor.postgres = PostgresSink(plan, settings.database)
        with postgres.connect(dbname=settings.database, autocommit=True) as conn:
            missing = processor.postgres.missing_tables(conn)
        if missing and not settings.create_missing_tables:
            raise SinkError(
                f"Postgres serving tables missing: {', '.join(missing)}; run `kappa build` first"
            )
        if missing:
            create_postgres_tables(processor.postgres, settings.settings, settings.database)
    if "delta" in settings.sinks:
        # a replay applies the outbox as fast as it fills; a live stream in rarer groups
        interval = 0.0 if settings.available_now else settings.delta_trigger_seconds
        # beside the Postgres commits, fewer concurrent writes leave the stream its cores
        sink = DeltaSink.for_plan(plan, threads=2 if processor.postgres is not None else 4)
        outbox = DeltaOutbox(settings.outbox)
        if settings.delta_child_master is None:
            processor.delta = DeltaWriter(sink, outbox, interval)
        else:
            processor.delta = DeltaWriterProcess(
                sink.merges, outbox, interval, sink.threads, settings.delta_child_master
            )
            # its JVM starts now, beside the stream's, not niced beside the first batches
            processor.delta.start()
    return Pipeline(processor)


def prepare_with_session(
    settings: StreamSettings, spark_settings: SparkSettings
) -> tuple[SparkSession, Pipeline]:
    """The SparkSession and the prepared pipeline: dbt compiles the project (and creates
    missing serving tables) while the JVM starts, about 10 s of each start on 2 cores."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        prepared = pool.submit(prepare, settings)
        try:
            spark = build_session(spark_settings)
        except BaseException:
            delta = prepared.result().delta
            if delta is not None:  # the writer child that prepare started
                delta.stop(drain=False)
            raise
        pipeline = prepared.result()
    return spark, pipeline


def run(
    settings: StreamSettings,
    spark: SparkSession,
    stop: threading.Event | None = None,
    pipeline: Pipeline | None = None,
) -> dict[str, list[BatchReport]]:
    """Run the stream until it stops (available-now: once the backlog is in both sinks) or is
    interrupted; raises StreamError when a batch or the Delta writer fails. Returns the
    reports of each sink's batches. `pipeline`: what `prepare(settings)` returned, when the
    caller prepared it already."""
    if pipeline is None:
        pipeline = prepare(settings)
    delta = pipeline.delta
    source.register(spark)
    if delta is not None:
        delta.start(spark)  # first applies what a stopped run left (a child: started already)
    query = start_query(settings, spark, pipeline.processor)
    stop = stop or threading.Event()
    outages = Outages(settings.database, stop)
    recorder = Recorder(settings.database)
    try:
        with stop_on_interrupt(stop):
            while not stop.is_set():
                try:  # a failed batch ends the query: check the exception, never wait forever
                    query.awaitTermination(0.5)
                except StreamingQueryException:
                    pass
                error = query.exception()
                if error is not None and outages.resumable(query.name, error, pipeline.processor):
                    query = start_query(settings, spark, pipeline.processor)
                recorder.record(pipeline.reports())
                if not query.isActive:
                    break
                if delta is not None and delta.error is not None:
                    break
    except KeyboardInterrupt:  # a second Ctrl-C, or one outside the main thread's handler
        logger.info("interrupted: stopping the stream")
    finally:
        backlog_done = not query.isActive and query.exception() is None
        if query.isActive:
            query.stop()
        if delta is not None:  # what is not applied stays in the outbox for the next start
            delta.stop(drain=backlog_done and settings.available_now)
        recorder.record(pipeline.reports(), force=True)
        pipeline.processor.close()
    error = query.exception()
    if error is not None:
        raise StreamError(f"{query.name} failed: {first_line(error)}") from error
    if delta is not None and delta.error is not None:
        raise StreamError(f"delta writer failed: {first_line(delta.error)}") from delta.error
    return pipeline.reports()


@contextmanager
def stop_on_interrupt(stop: threading.Event):
    """While the stream runs in the main thread, Ctrl-C sets `stop`: the loop then stops the
    query and the sinks in order. Raised inside the py4j call the loop is blocked on, the
    KeyboardInterrupt (PySpark's handler or Python's) logged py4j tracebacks, and PySpark's
    own job cancellation re-entered that call. A second Ctrl-C raises as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        logger.info("interrupted: stopping the stream (Ctrl-C again to force)")
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def start_query(
    settings: StreamSettings, spark: SparkSession, processor: BatchProcessor
) -> StreamingQuery:
    """The streaming query: the raw-log source, its checkpoint and trigger."""
    # the batch's rows without documents: the processor's model plans read those themselves
    options = source.raw_log_options(
        settings.max_captures_per_batch,
        settings.partitions,
        database=settings.database,
        documents=False,
    )
    frame = spark.readStream.format(source.FORMAT).options(**options).load()
    checkpoint = settings.query_checkpoint
    writer = (
        frame.writeStream.foreachBatch(processor)
        .option("checkpointLocation", str(checkpoint))
        .queryName(f"kappa_stream_{checkpoint.name.replace('+', '_')}")
    )
    if settings.available_now:
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(
            processingTime=f"{int(settings.trigger_seconds * 1000)} milliseconds"
        )
    query = writer.start()
    logger.info(
        "stream %s started: checkpoint %s, %s",
        "+".join(settings.sinks),
        checkpoint,
        "available-now" if settings.available_now else f"trigger {settings.trigger_seconds}s",
    )
    return query
