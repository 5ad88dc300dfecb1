"""A Spark Python Data Source over the raw log `game.live_game_v1` (format `kappa_raw_log`).

Streaming offsets are commit-safe. `raw_id` is not commit-ordered (a transaction that took a
lower id may commit after a higher one was read), so the stream orders rows by the transaction
that wrote them, `(xact_id, raw_id)`, and only ever reads rows whose transaction id is below
`pg_snapshot_xmin(pg_current_snapshot())`: every such transaction has ended, so no row can
still appear behind the offset. An offset is the last row applied, `{"xact_id", "raw_id"}`.

Each micro-batch holds at most `maxCapturesPerBatch` rows, also under `Trigger.AvailableNow`
(which passes ReadAllAvailable to the source): memory stays bounded whatever the backlog.
Rows are read by `numPartitions` tasks in parallel (`raw_id % n`), each with a server-side
cursor; the document is passed as JSON text.

The batch reader (`spark.read.format("kappa_raw_log")`) reads the whole log, the source of
`dbt build --target spark`. Connection: option `conninfo` (libpq key=value, no password; the
workers take PGPASSWORD or ~/.pgpass from their environment), built by `conninfo_from_env()`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pyspark.sql.datasource import (
    DataSource,
    DataSourceReader,
    DataSourceStreamReader,
    InputPartition,
)
from pyspark.sql.streaming.datasource import (
    ReadAllAvailable,
    ReadLimit,
    ReadMaxRows,
    SupportsTriggerAvailableNow,
)
from pyspark.sql.types import StructType

FORMAT = "kappa_raw_log"
ROW_SCHEMA = (
    "raw_id bigint, game_pk bigint, captured_at timestamp, ingested_at timestamp,"
    " source_timecode string, data string"
)
DEFAULT_TABLE = "game.live_game_v1"
# a micro-batch's fixed cost (17 Delta writes: ~30 s, measured with merges) spread over more
# captures: a replay of 200 games runs at 2.2 captures/s in batches of 200, 1.0 in batches of 50
DEFAULT_MAX_CAPTURES = 200
DEFAULT_PARTITIONS = 2
START = {"xact_id": "0", "raw_id": 0}
# libpq settings passed to the workers (the password is not: it would show in query plans)
CONNINFO_VARIABLES = {
    "PGHOST": "host",
    "PGPORT": "port",
    "PGUSER": "user",
    "PGDATABASE": "dbname",
    "PGSSLMODE": "sslmode",
}


def conninfo_from_env(database: str | None = None) -> str:
    """libpq conninfo of the server the PG* variables name (without the password); `database`
    instead of PGDATABASE when given."""
    parts = []
    for variable, key in CONNINFO_VARIABLES.items():
        value = database if key == "dbname" and database else os.environ.get(variable)
        if value:
            quoted = value.replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"{key}='{quoted}'")
    return " ".join(parts)


@dataclass(frozen=True)
class SourceOptions:
    conninfo: str
    table: str
    max_captures: int
    partitions: int
    documents: bool = True  # False: `data` is NULL (the stream reads documents per model plan)

    @classmethod
    def parse(cls, options: dict[str, str]) -> SourceOptions:
        table = options.get("table", DEFAULT_TABLE)
        if not all(part.isidentifier() for part in table.split(".")):
            raise ValueError(f"{FORMAT}: option table={table!r} is not schema.table")
        max_captures = int(options.get("maxCapturesPerBatch", DEFAULT_MAX_CAPTURES))
        partitions = int(options.get("numPartitions", DEFAULT_PARTITIONS))
        if max_captures < 1 or partitions < 1:
            raise ValueError(
                f"{FORMAT}: maxCapturesPerBatch={max_captures} and numPartitions={partitions}"
                " must be >= 1"
            )
        documents = options.get("documents", "true").lower() != "false"
        return cls(options.get("conninfo", ""), table, max_captures, partitions, documents)


@dataclass(frozen=True)
class LogRange(InputPartition):
    """Rows with start < (xact_id, raw_id) <= end and raw_id % modulus = remainder.
    `start`/`end` None: no bound (batch read of the whole log)."""

    start: tuple[str, int] | None
    end: tuple[str, int] | None
    modulus: int
    remainder: int


def _connect(conninfo: str):
    import psycopg

    return psycopg.connect(conninfo, autocommit=True)


def read_range(options: SourceOptions, part: LogRange) -> Iterator[tuple]:
    """The raw log rows of one partition, streamed with a server-side cursor."""
    conditions = ["raw_id %% %s = %s"]
    params: list[object] = [part.modulus, part.remainder]
    if part.start is not None:
        conditions.append("(xact_id, raw_id) > (%s::xid8, %s)")
        params.extend(part.start)
    if part.end is not None:
        conditions.append("(xact_id, raw_id) <= (%s::xid8, %s)")
        params.extend(part.end)
    data = "data::text" if options.documents else "null::text"
    query = (
        f"select raw_id, game_pk, captured_at, ingested_at, source_timecode, {data}"
        f" from {options.table} where {' and '.join(conditions)}"
    )
    yield from _stream_rows(options.conninfo, query, params)


def _stream_rows(conninfo: str, query: str, params: Sequence[object]) -> Iterator[tuple]:
    with _connect(conninfo) as conn, conn.transaction():
        with conn.cursor(name="kappa_raw_log_read") as cursor:
            cursor.itersize = 16
            cursor.execute(query, params)
            yield from cursor


def _as_key(offset: dict) -> tuple[str, int]:
    return (str(offset["xact_id"]), int(offset["raw_id"]))


def _as_offset(key: tuple[str, int]) -> dict:
    return {"xact_id": str(key[0]), "raw_id": int(key[1])}


class RawLogStreamReader(DataSourceStreamReader, SupportsTriggerAvailableNow):
    def __init__(self, options: SourceOptions) -> None:
        self.options = options
        self.available_now_end: tuple[str, int] | None = None
        self._conn = None

    def _connection(self):
        if self._conn is None or self._conn.closed:
            self._conn = _connect(self.options.conninfo)
        return self._conn

    def initialOffset(self) -> dict:
        return dict(START)

    def getDefaultReadLimit(self) -> ReadLimit:
        return ReadMaxRows(self.options.max_captures)

    def prepareForTriggerAvailableNow(self) -> None:
        """Fix the end of the backlog: rows committed after this point wait for a later run."""
        self.available_now_end = self._newest_below_horizon(_as_key(START))

    def _newest_below_horizon(self, start: tuple[str, int]) -> tuple[str, int] | None:
        row = (
            self._connection()
            .execute(
                f"select xact_id::text, raw_id from {self.options.table}"
                " where (xact_id, raw_id) > (%s::xid8, %s)"
                " and xact_id < pg_snapshot_xmin(pg_current_snapshot())"
                " order by xact_id desc, raw_id desc limit 1",
                start,
            )
            .fetchone()
        )
        return None if row is None else (row[0], row[1])

    def latestOffset(self, start: dict | None = None, limit: ReadLimit | None = None) -> dict:
        """The offset `maxCapturesPerBatch` rows after `start`, among finished transactions
        (the cap holds under ReadAllAvailable too: bounded micro-batches)."""
        begin = _as_key(start or START)
        cap = self.options.max_captures
        if isinstance(limit, ReadMaxRows):
            cap = min(cap, limit.max_rows)
        elif limit is not None and not isinstance(limit, ReadAllAvailable):
            raise ValueError(f"{FORMAT}: read limit {limit!r} not supported (ReadMaxRows only)")
        bound, params = "", [*begin]
        if self.available_now_end is not None:
            bound = " and (xact_id, raw_id) <= (%s::xid8, %s)"
            params.extend(self.available_now_end)
        row = (
            self._connection()
            .execute(
                "select xact_id::text, raw_id from ("
                f" select xact_id, raw_id from {self.options.table}"
                " where (xact_id, raw_id) > (%s::xid8, %s)"
                f" and xact_id < pg_snapshot_xmin(pg_current_snapshot()){bound}"
                " order by xact_id, raw_id limit %s"
                ") as next_rows order by xact_id desc, raw_id desc limit 1",
                [*params, cap],
            )
            .fetchone()
        )
        return _as_offset(begin if row is None else (row[0], row[1]))

    def partitions(self, start: dict, end: dict) -> Sequence[InputPartition]:
        begin, finish = _as_key(start), _as_key(end)
        if begin == finish:
            return []
        n = self.options.partitions
        return [LogRange(begin, finish, n, remainder) for remainder in range(n)]

    def read(self, partition: InputPartition) -> Iterator[tuple]:
        assert isinstance(partition, LogRange)
        return read_range(self.options, partition)

    def commit(self, end: dict) -> None:
        """Nothing to release: the log is append-only and offsets live in the checkpoint."""

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()


class RawLogBatchReader(DataSourceReader):
    def __init__(self, options: SourceOptions) -> None:
        self.options = options

    def partitions(self) -> Sequence[InputPartition]:
        n = self.options.partitions
        return [LogRange(None, None, n, remainder) for remainder in range(n)]

    def read(self, partition: InputPartition) -> Iterator[tuple]:
        assert isinstance(partition, LogRange)
        return read_range(self.options, partition)


class RawLogDataSource(DataSource):
    """`spark.readStream.format("kappa_raw_log")` / `spark.read.format("kappa_raw_log")`."""

    @classmethod
    def name(cls) -> str:
        return FORMAT

    def schema(self) -> str:
        return ROW_SCHEMA

    def streamReader(self, schema: StructType) -> DataSourceStreamReader:
        return RawLogStreamReader(SourceOptions.parse(self.options))

    def reader(self, schema: StructType) -> DataSourceReader:
        return RawLogBatchReader(SourceOptions.parse(self.options))


CURRENT_FORMAT = "kappa_current_batch"
# Which captures a stream's reused model plans read next (spark_streaming/models.py): one row
# per plan set, written by the driver before each batch, read by the executors.
CURRENT_BATCH_DDL = """
create schema if not exists kappa_stream;
create table if not exists kappa_stream.current_batch (
    plan_set text primary key,
    raw_ids bigint[] not null,
    updated_at timestamptz not null default now()
)
"""


class CurrentBatchDataSource(DataSource):
    """`spark.read.format("kappa_current_batch")`: the raw-log rows whose raw_ids the row
    `plan_set` of kappa_stream.current_batch names, read anew on every execution of a plan,
    by `numPartitions` tasks (`raw_id % n`)."""

    @classmethod
    def name(cls) -> str:
        return CURRENT_FORMAT

    def schema(self) -> str:
        return ROW_SCHEMA

    def reader(self, schema: StructType) -> DataSourceReader:
        return CurrentBatchReader(self.options)  # case-insensitive keys


class CurrentBatchReader(DataSourceReader):
    def __init__(self, options: dict[str, str]) -> None:
        parsed = SourceOptions.parse(options)
        self.conninfo = parsed.conninfo
        self.table = parsed.table
        self.partition_count = parsed.partitions
        self.plan_set = options["planSet"]

    def partitions(self) -> Sequence[InputPartition]:
        return [InputPartition(remainder) for remainder in range(self.partition_count)]

    def read(self, partition: InputPartition) -> Iterator[tuple]:
        query = (
            "select raw_id, game_pk, captured_at, ingested_at, source_timecode, data::text"
            f" from {self.table} as capture inner join ("
            " select unnest(raw_ids) as raw_id from kappa_stream.current_batch"
            " where plan_set = %s) as current using (raw_id)"
            " where raw_id %% %s = %s"
        )
        params = [self.plan_set, self.partition_count, partition.value]
        yield from _stream_rows(self.conninfo, query, params)


def register(spark) -> None:
    """Make the formats known to a SparkSession."""
    for data_source in (
        RawLogDataSource,
        CurrentBatchDataSource,
    ):
        spark.dataSource.register(data_source)


def raw_log_options(
    max_captures: int,
    partitions: int,
    table: str = DEFAULT_TABLE,
    database: str | None = None,
    documents: bool = True,
) -> dict:
    return {
        "conninfo": conninfo_from_env(database),
        "table": table,
        "maxCapturesPerBatch": str(max_captures),
        "numPartitions": str(partitions),
        "documents": str(documents).lower(),
    }
