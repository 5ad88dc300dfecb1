"""Incremental builds equal a full refresh, whatever the load order."""

from __future__ import annotations

import os
from collections import defaultdict

import psycopg

from kappa import loader, postgres, raw_log

from support.data import requires_shared, shared_feed_files
from support.feeds import read_feed


def serving_tables(conn) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = 'game'"
        " and table_name like 'live_game_%' and table_name not in"
        " ('live_game_v1', 'live_game_quarantine') order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def dump(conn) -> dict[str, list[tuple]]:
    return {
        table: sorted(conn.execute(f"select * from game.{table}").fetchall(), key=repr)
        for table in serving_tables(conn)
    }


@requires_shared
def test_one_game_at_a_time_in_reverse_date_order_equals_full_refresh(pg_server, database, dbt):
    by_game = defaultdict(list)
    for path in shared_feed_files():
        document = read_feed(path)
        by_game[document["gamePk"]].append((document["metaData"]["timeStamp"], path))
    # newest game first; a game's captures in the order they were taken
    games = sorted(by_game.values(), key=lambda captures: max(captures), reverse=True)
    ordered_files = [path for captures in games for _, path in sorted(captures)]

    with psycopg.connect(autocommit=True) as conn:
        raw_log.ensure_schema(conn)
        for captures in games:
            loader.load_paths(conn, [path for _, path in sorted(captures)])
            dbt("run")  # models only: the data tests run once, on the reference build
        incremental = dump(conn)

    with postgres.scratch_database("kappa_test_reference") as reference:
        with psycopg.connect(dbname=reference, autocommit=True) as conn:
            loader.load_paths(conn, ordered_files)  # same order: the same raw_ids
            dbt("build", "--full-refresh", database=reference)
            full_refresh = dump(conn)

    assert set(incremental) == set(full_refresh)
    assert len(incremental) >= 4
    for table, rows in full_refresh.items():
        assert rows, f"{table} is empty"
        assert incremental[table] == rows, table
    assert os.environ["PGDATABASE"] == database
