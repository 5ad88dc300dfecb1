"""The raw-log streaming source's offsets, on a real Postgres with real feeds (no Spark: the
reader's methods are called as Spark calls them)."""

from __future__ import annotations

import psycopg
from pyspark.sql.streaming.datasource import ReadAllAvailable, ReadMaxRows

from kappa import loader, raw_log
from kappa.feed import capture_from_document, read_document
from spark_streaming.source import (
    START,
    RawLogStreamReader,
    SourceOptions,
    conninfo_from_env,
    read_range,
)

from support.data import SAMPLE_FEEDS


def reader(max_captures: int = 100, partitions: int = 2) -> RawLogStreamReader:
    options = SourceOptions(conninfo_from_env(), "game.live_game_v1", max_captures, partitions)
    return RawLogStreamReader(options)


def rows_between(stream: RawLogStreamReader, start: dict, end: dict) -> list[int]:
    raw_ids = []
    for part in stream.partitions(start, end):
        raw_ids.extend(row[0] for row in read_range(stream.options, part))
    return sorted(raw_ids)


ONE_FEED = SAMPLE_FEEDS / "744914_final_20240701_214404.json.gz"


def insert_copy(conn: psycopg.Connection, suffix: str) -> int:
    """Write a copy of a real capture, made distinct by one extra key, through the raw log's
    writer; inside the caller's transaction when one is open (a savepoint then)."""
    document = read_document(ONE_FEED)
    document["kappaTestCopy"] = suffix
    (raw_id,) = raw_log.insert_captures(conn, [capture_from_document(document)]).raw_ids
    return raw_id


def test_offsets_skip_no_row_committed_late_with_a_lower_id(conn):
    loader.load_paths(conn, [ONE_FEED], None)
    stream = reader()
    first = stream.latestOffset(START, ReadMaxRows(100))
    assert rows_between(stream, START, first) == [1]

    with psycopg.connect() as slow, psycopg.connect(autocommit=True) as fast:
        slow.execute("select 1")  # an open transaction: the write below stays uncommitted
        low_id = insert_copy(slow, "-slow")  # takes the lower id, commits last
        high_id = insert_copy(fast, "-fast")
        assert low_id < high_id
        # the open transaction holds the horizon: nothing after it is offered yet
        assert stream.latestOffset(first, ReadMaxRows(100)) == first
        slow.commit()
    second = stream.latestOffset(first, ReadMaxRows(100))
    assert rows_between(stream, first, second) == [low_id, high_id]
    assert stream.latestOffset(second, ReadMaxRows(100)) == second


def test_batches_are_capped_also_when_all_is_available(conn):
    loader.load_paths(conn, sorted(SAMPLE_FEEDS.iterdir()), None)
    total = conn.execute("select count(*) from game.live_game_v1").fetchone()[0]
    stream = reader(max_captures=3)
    stream.prepareForTriggerAvailableNow()
    insert_copy(conn, "-after-start")  # committed after the run started: next run
    offset, seen = dict(START), []
    for limit in (ReadAllAvailable(), ReadMaxRows(3), ReadAllAvailable(), ReadMaxRows(3)):
        end = stream.latestOffset(offset, limit)
        batch = rows_between(stream, offset, end)
        assert len(batch) <= 3
        seen.extend(batch)
        offset = end
    assert sorted(seen) == list(range(1, total + 1))
    assert stream.latestOffset(offset, ReadAllAvailable()) == offset
