"""Scoped builds on Postgres (vars game_pks | start_date/end_date | season; `kappa build
--game-pks | --start/--end | --season`): after a deliberate corruption of two games, a build
scoped to one of them repairs that game (its newest capture applied again, the rows no model
produces removed) and leaves every other game exactly as it was, the other corrupted one too."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from kappa import loader
from kappa.settings import Settings

from support.corruption import by_game, corrupt
from support.data import KAPPA_CLI, SAMPLE_FEEDS

FINALS = {  # game_pk: (file, officialDate)
    744914: "744914_final_20240701_214404.json.gz",  # 2024-07-01
    747175: "747175_final_20240713_041909.json.gz",  # 2024-07-12
    822750: "822750_final_20260419_200309.json.gz",  # 2026-04-19
}
REPAIRED, STILL_CORRUPT, UNTOUCHED = 744914, 747175, 822750


def serving_tables(conn) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = 'game'"
        " and table_name like 'live\\_game\\_%%' and table_name not in"
        " ('live_game_v1', 'live_game_quarantine') order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def tables_by_game(conn) -> dict[str, dict[int, list[str]]]:
    result = {}
    for table in serving_tables(conn):
        cursor = conn.execute(f"select * from game.{table}")
        index = [column.name for column in cursor.description].index("game_pk")
        result[table] = by_game(cursor.fetchall(), index)
    return result


def games(snapshot: dict, game_pk: int) -> dict[str, list[str]]:
    return {table: rows.get(game_pk, []) for table, rows in snapshot.items()}


def corrupt_two_games(conn) -> dict:
    columns = [
        name
        for (name,) in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'game'"
            " and table_name = 'live_game_plays' order by ordinal_position"
        )
    ]
    corrupt(conn.execute, lambda t: f"game.{t}", columns, (REPAIRED, STILL_CORRUPT))
    return tables_by_game(conn)


@pytest.fixture
def built(conn, dbt) -> tuple[dict, dict]:
    """Three final games built; (reference tables, tables after corrupting two games)."""
    loader.load_paths(conn, [SAMPLE_FEEDS / name for name in FINALS.values()])
    dbt("run")
    reference = tables_by_game(conn)
    corrupted = corrupt_two_games(conn)
    assert games(corrupted, REPAIRED) != games(reference, REPAIRED)
    assert (
        len(corrupted["live_game_plays"][REPAIRED])
        == len(reference["live_game_plays"][REPAIRED]) + 1
    )  # the phantom row
    return reference, corrupted


def assert_only_repaired(conn, reference: dict, corrupted: dict) -> None:
    after = tables_by_game(conn)
    assert games(after, REPAIRED) == games(reference, REPAIRED)
    assert games(after, STILL_CORRUPT) == games(corrupted, STILL_CORRUPT)
    assert games(after, UNTOUCHED) == games(reference, UNTOUCHED)


def test_dbt_vars_game_pks_repair_only_that_game(conn, dbt, built):
    reference, corrupted = built
    dbt("build", "--vars", f"{{game_pks: [{REPAIRED}]}}")  # models and data tests
    assert_only_repaired(conn, reference, corrupted)
    assert (
        conn.execute(  # the scope's table is dropped at the end of the build
            "select count(*) from pg_tables where tablename like 'kappa\\_build\\_scope%%'"
        ).fetchone()[0]
        == 0
    )
    dbt("run", "--full-refresh")  # without a scope, --full-refresh still rebuilds every table
    after = tables_by_game(conn)
    assert {game: games(after, game) for game in FINALS} == {
        game: games(reference, game) for game in FINALS
    }


def test_kappa_build_dates_with_full_refresh_drop_no_table(conn, built):
    reference, corrupted = built
    scope = ("--start", "2024-07-01", "--end", "2024-07-01")  # the repaired game's date only
    run = subprocess.run(
        [KAPPA_CLI, "build", *scope, "--full-refresh", "--select", "live_game_metadata+"],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 game(s)" in run.stdout + run.stderr
    assert_only_repaired(conn, reference, corrupted)
    # a build of real data runs the data tests, not the unit tests (kappa build --unit-tests)
    results = json.loads((Settings.from_env().dbt_target_dir() / "run_results.json").read_text())
    kinds = {result["unique_id"].split(".")[0] for result in results["results"]}
    assert {"model", "test"} <= kinds and "unit_test" not in kinds


def test_a_season_scope_reapplies_all_its_games(conn, dbt, built):
    reference, _ = built
    dbt("run", "--vars", "{season: 2024}")
    after = tables_by_game(conn)
    for game_pk in FINALS:
        assert games(after, game_pk) == games(reference, game_pk)
