"""Guard, retraction and idempotence of `dbt build` on real in-progress captures."""

from __future__ import annotations

import pytest

from kappa import loader

from support.data import SHARED_FEEDS, requires_shared
from support.db import table_rows
from support.feeds import all_plays, expected_counts, later, read_feed, write_feed

TABLE_KEYS = {
    "live_game_metadata": "game_pk",
    "live_game_plays": "game_pk, at_bat_index",
    "live_game_pitch_events": "game_pk, at_bat_index, event_index",
    "live_game_runners": "game_pk, at_bat_index, runner_index",
}
# these tests exercise the write semantics on the first four tables (all share one strategy)
BUILD = ("build", "--select", " ".join(TABLE_KEYS), "--indirect-selection", "cautious")
# two real captures of the same in-progress game, older first
CAPTURE_PAIRS = {
    823717: ("823717_live_20260429_191321.json.gz", "823717_live_20260429_191458.json.gz"),
    824445: ("824445_live_20260429_191400.json", "824445_live_20260429_191518.json"),
    824608: ("824608_live_20260429_191323.json.gz", "824608_live_20260429_191510.json.gz"),
}


def snapshot(conn) -> dict[str, list[tuple]]:
    return {table: table_rows(conn, table, keys) for table, keys in TABLE_KEYS.items()}


def game_counts(conn, game_pk: int) -> dict[str, int]:
    return {
        table: conn.execute(
            f"select count(*) from game.{table} where game_pk = %s", (game_pk,)
        ).fetchone()[0]
        for table in TABLE_KEYS
    }


def raw_ids_in_tables(conn, game_pk: int) -> set[int]:
    return {
        raw_id
        for table in TABLE_KEYS
        for (raw_id,) in conn.execute(
            f"select distinct raw_id from game.{table} where game_pk = %s", (game_pk,)
        )
    }


def load(conn, path) -> int:
    summary = loader.load_paths(conn, [path])
    assert summary.loaded == 1, summary
    return conn.execute("select max(raw_id) from game.live_game_v1").fetchone()[0]


@requires_shared
@pytest.mark.parametrize("game_pk", sorted(CAPTURE_PAIRS))
@pytest.mark.parametrize("order", ["older_first", "newer_first"])
def test_newer_capture_wins_in_either_order(conn, dbt, game_pk, order):
    older, newer = (SHARED_FEEDS / name for name in CAPTURE_PAIRS[game_pk])
    first, second = (older, newer) if order == "older_first" else (newer, older)
    first_id = load(conn, first)
    dbt(*BUILD)
    second_id = load(conn, second)
    dbt(*BUILD)

    newer_id = second_id if order == "older_first" else first_id
    assert game_counts(conn, game_pk) == expected_counts(read_feed(newer))
    assert raw_ids_in_tables(conn, game_pk) == {newer_id}

    before = snapshot(conn)
    dbt(*BUILD)
    assert snapshot(conn) == before  # re-running changes nothing


def columns_except(conn, table: str, excluded: set[str]) -> list[str]:
    names = conn.execute(
        "select column_name from information_schema.columns"
        " where table_schema = 'game' and table_name = %s order by ordinal_position",
        (table,),
    ).fetchall()
    return [name for (name,) in names if name not in excluded]


@requires_shared
def test_both_orders_give_the_same_tables(conn, dbt, tmp_path):
    """Same two captures, opposite load order, in one database under two game ids: every
    column but the ids is equal."""
    older, newer = (read_feed(SHARED_FEEDS / name) for name in CAPTURE_PAIRS[824608])
    for game_pk, documents in ((1, (older, newer)), (2, (newer, older))):
        for index, document in enumerate(documents):
            load(conn, write_feed(dict(document, gamePk=game_pk), tmp_path / f"{game_pk}{index}"))
            dbt(*BUILD)
    for table in TABLE_KEYS:
        columns = ", ".join(columns_except(conn, table, {"game_pk", "raw_id"}))
        one_not_two, two_not_one = (
            conn.execute(
                f"select count(*) from (select {columns} from game.{table} where game_pk = {a}"
                f" except all select {columns} from game.{table} where game_pk = {b}) as d"
            ).fetchone()[0]
            for a, b in ((1, 2), (2, 1))
        )
        assert (one_not_two, two_not_one) == (0, 0), table
    assert game_counts(conn, 1) == expected_counts(newer)


@requires_shared
def test_removed_plays_are_retracted(conn, dbt, tmp_path):
    newer = read_feed(SHARED_FEEDS / CAPTURE_PAIRS[824445][1])
    load(conn, SHARED_FEEDS / CAPTURE_PAIRS[824445][1])
    dbt(*BUILD)
    full = game_counts(conn, 824445)

    # a later capture in which the last two plate appearances were overturned
    corrected = later(newer, 30)
    corrected["liveData"]["plays"]["allPlays"] = all_plays(newer)[:-2]
    corrected_id = load(conn, write_feed(corrected, tmp_path / "corrected.json"))
    dbt(*BUILD)
    assert game_counts(conn, 824445) == expected_counts(corrected)
    assert game_counts(conn, 824445)["live_game_plays"] == full["live_game_plays"] - 2
    assert raw_ids_in_tables(conn, 824445) == {corrected_id}
    removed = {play["about"]["atBatIndex"] for play in all_plays(newer)[-2:]}
    for table in ("live_game_plays", "live_game_pitch_events", "live_game_runners"):
        left = conn.execute(
            f"select count(*) from game.{table} where game_pk = 824445 and at_bat_index = any(%s)",
            (list(removed),),
        ).fetchone()[0]
        assert left == 0, table

    # the original, older capture arriving again late (new content hash) restores nothing
    late = later(newer, 1)
    late["copyright"] = "re-sent"
    load(conn, write_feed(late, tmp_path / "late.json"))
    before = snapshot(conn)
    dbt(*BUILD)
    assert snapshot(conn) == before


@requires_shared
def test_tie_on_captured_at_breaks_by_raw_id(conn, dbt):
    """747175 was captured twice with the same metaData.timeStamp (start times drift by ms)."""
    plain = SHARED_FEEDS / "747175_final_20240713_041909.json"
    timecode = SHARED_FEEDS / "747175_final_20240713_041909.tc20241027_000000.json"
    load(conn, plain)
    second_id = load(conn, timecode)
    dbt(*BUILD)
    assert raw_ids_in_tables(conn, 747175) == {second_id}
    expected = {
        play["about"]["atBatIndex"]: play["about"]["startTime"]
        for play in all_plays(read_feed(timecode))
    }
    stored = dict(
        conn.execute(
            "select at_bat_index, to_char(start_time at time zone 'UTC',"
            ' \'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\') from game.live_game_plays'
        ).fetchall()
    )
    assert stored == expected
