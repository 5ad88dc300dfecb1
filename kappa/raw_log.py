"""The append-only raw log in Postgres: schema, the one writer of captures (COPY with the
content-hash dedupe), copies between databases, quarantine. Loader, ingestion, benchmarks and
tests all write through `insert_captures`."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from kappa.feed import Capture
from kappa.project import bundled_project_dir

logger = logging.getLogger(__name__)

# what a writer supplies; raw_id and ingested_at are the database's
CAPTURE_COLUMNS = ("game_pk", "captured_at", "source_timecode", "game_state", "content_sha256")
RAW_LOG_COLUMNS = (*CAPTURE_COLUMNS, "data")
ALL_COLUMNS = ("raw_id", "ingested_at", *RAW_LOG_COLUMNS)
MACRO_DIR = Path("macros") / "raw_log"


def macro_body(path: Path, name: str) -> str:
    """The plain-SQL body of the argument-less dbt macro `name` in `path` (DDL kept once, in
    the dbt project, and executed as is from Python)."""
    text = path.read_text()
    pattern = r"\{% macro " + re.escape(name) + r"\(\) -%\}(.*?)\{%- endmacro %\}"
    match = re.search(pattern, text, re.S)
    if match is None:
        raise FileNotFoundError(f"{path}: macro {name}() not found")
    return match.group(1)


def macro_ddl(name: str) -> str:
    """The DDL in the dbt macro `name` of macros/raw_log/ (one copy, shared with dbt)."""
    return macro_body(bundled_project_dir() / MACRO_DIR / f"{name}.sql", name)


def ensure_schema(conn: psycopg.Connection) -> None:
    ddl = macro_ddl("create_raw_log")
    with conn.transaction():
        # serialise concurrent first runs: CREATE ... IF NOT EXISTS is not race-free
        conn.execute("select pg_advisory_xact_lock(hashtext('kappa.raw_log_schema'))")
        conn.execute(ddl)


@dataclass(frozen=True)
class InsertResult:
    inserted: int
    duplicates: int
    raw_ids: tuple[int, ...]


def insert_captures(conn: psycopg.Connection, captures: Iterable[Capture]) -> InsertResult:
    """Append captures in one transaction; a capture already stored (same game, same content
    hash) is skipped. COPY into a temporary table, then one insert that skips duplicates."""
    columns = ", ".join(RAW_LOG_COLUMNS)
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "create temp table if not exists incoming_capture (arrival bigint generated"
            " always as identity, game_pk bigint, captured_at timestamptz,"
            " source_timecode text, game_state text, content_sha256 text, data jsonb)"
            " on commit delete rows"
        )
        # staged uncompressed: the raw log's own column storage decides (a compressed
        # staging copy would be moved into the log as is, compressed)
        cur.execute("alter table incoming_capture alter column data set storage external")
        offered = 0
        with cur.copy(f"copy incoming_capture ({columns}) from stdin") as copy:
            for capture in captures:
                copy.write_row(
                    (
                        capture.game_pk,
                        capture.captured_at,
                        capture.source_timecode,
                        capture.game_state,
                        capture.content_sha256,
                        capture.document.decode(),
                    )
                )
                offered += 1
        cur.execute(
            f"""
            insert into game.live_game_v1 ({columns})
            select {columns} from (
                select distinct on (game_pk, content_sha256) arrival, {columns}
                from incoming_capture
                order by game_pk, content_sha256, arrival
            ) as first_arrivals
            order by arrival  -- raw_ids follow the order the captures were offered
            on conflict on constraint live_game_v1_capture_once do nothing
            returning raw_id
            """
        )
        raw_ids = tuple(sorted(row[0] for row in cur.fetchall()))
    return InsertResult(len(raw_ids), offered - len(raw_ids), raw_ids)


def copy_raw_log(source: psycopg.Connection, target: psycopg.Connection) -> int:
    """Copy the whole raw log, raw_id kept, between two databases; bytes copied."""
    columns = ", ".join(ALL_COLUMNS)
    copied = 0
    with (
        source.cursor().copy(
            f"copy game.live_game_v1 ({columns}) to stdout (format binary)"
        ) as out,
        target.cursor().copy(
            f"copy game.live_game_v1 ({columns}) from stdin (format binary)"
        ) as inp,
    ):
        for chunk in out:
            inp.write(chunk)
            copied += len(chunk)
    return copied


def quarantine(
    conn: psycopg.Connection,
    error: str,
    *,
    source: str | None = None,
    game_pk: int | None = None,
    raw_id: int | None = None,
    captured_at=None,
) -> None:
    """Record a document that could not be used, with its reason; nothing is dropped silently."""
    with conn.transaction():
        conn.execute(
            "insert into game.live_game_quarantine (raw_id, game_pk, captured_at, error, source)"
            " values (%s, %s, %s, %s, %s)",
            (raw_id, game_pk, captured_at, error, source),
        )
