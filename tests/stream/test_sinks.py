"""The Postgres sink's staging COPY (Arrow -> CSV -> COPY) on a real Postgres: every value that
CSV could blur (NULL vs the empty string, quotes, newlines, backslashes, infinities, the
timestamp's microseconds) arrives as it left."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa

from spark_streaming.sinks.postgres import copy_arrow

TRICKY_ROWS = [
    ("plain", datetime(2024, 8, 24, 23, 16, 25, 123456, tzinfo=UTC), 0.1, True, date(2024, 1, 2)),
    ("", datetime(2024, 8, 24, 23, 16, 25, tzinfo=UTC), 1e-7, False, None),
    (None, None, None, None, date(1999, 12, 31)),
    ('say "hi"', datetime(2026, 4, 19, 20, 3, 9, 1, tzinfo=UTC), 95.12345678901234, None, None),
    ("two\nlines, a\ttab", datetime(2026, 4, 19, tzinfo=UTC), float("inf"), True, None),
    ("back\\slash NULL \\N", datetime(2026, 4, 19, tzinfo=UTC), -1e300, False, None),
]


def test_copy_arrow_keeps_nulls_empty_strings_and_special_characters(conn):
    names = ["text_value", "at", "number", "flag", "day"]
    columns = list(zip(*TRICKY_ROWS, strict=True))
    table = pa.table(
        [
            pa.array(columns[0], pa.string()),
            pa.array(columns[1], pa.timestamp("us", tz="UTC")),
            pa.array(columns[2], pa.float64()),
            pa.array(columns[3], pa.bool_()),
            pa.array(columns[4], pa.date32()),
        ],
        names=names,
    )
    conn.execute(
        "create table staged (position serial, text_value text, at timestamptz,"
        " number double precision, flag boolean, day date)"
    )
    with conn.cursor() as cursor:
        copy_arrow(cursor, "staged", table)
    rows = conn.execute(f"select {', '.join(names)} from staged order by position").fetchall()
    assert rows == TRICKY_ROWS


def test_copy_arrow_of_no_rows_writes_nothing(conn):
    conn.execute("create table staged (value bigint)")
    with conn.cursor() as cursor:
        copy_arrow(cursor, "staged", pa.table({"value": pa.array([], pa.int64())}))
    assert conn.execute("select count(*) from staged").fetchone()[0] == 0
