"""The `kappa.primary_key` data test: on Postgres it passes only while the table's enforced
primary key is exactly the tested columns; its engine-neutral form (Delta's) finds NULL keys
and duplicates by scanning."""

from __future__ import annotations

from kappa import loader

from support.data import SAMPLE_FEEDS

FEED = SAMPLE_FEEDS / "744914_final_20240701_214404.json.gz"
KEY_TEST = "live_game_plays,test_name:primary_key"


def drop_primary_key(conn, table: str) -> None:
    (name,) = conn.execute(
        "select conname from pg_constraint where conrelid = %s::regclass and contype = 'p'",
        (table,),
    ).fetchone()
    conn.execute(f"alter table {table} drop constraint {name}")


def key_test_failures(result) -> int:
    (key_test,) = [r for r in result.result.results if r.node.resource_type == "test"]
    assert key_test.status == "fail"
    return key_test.failures


def test_postgres_form_fails_without_the_enforced_key(conn, dbt):
    loader.load_paths(conn, [FEED])
    dbt("run", "--select", "+live_game_plays")
    dbt("test", "--select", KEY_TEST)

    drop_primary_key(conn, "game.live_game_plays")
    conn.execute("alter table game.live_game_plays add primary key (game_pk, at_bat_index, raw_id)")
    conn.commit()
    result = dbt("test", "--select", KEY_TEST, expect_fail=True)
    assert key_test_failures(result) == 1  # a wider key: raw_id

    drop_primary_key(conn, "game.live_game_plays")
    conn.commit()
    result = dbt("test", "--select", KEY_TEST, expect_fail=True)
    assert key_test_failures(result) == 2  # no key at all: both columns reported


def test_scanning_form_finds_nulls_and_duplicates(conn, dbt):
    loader.load_paths(conn, [FEED])
    dbt("run", "--select", "+live_game_plays")
    conn.execute("create table public.plays_copy as select * from game.live_game_plays")
    conn.commit()
    compiled = dbt(
        "compile",
        "--inline",
        "{{ kappa.default__test_primary_key(api.Relation.create(schema='public',"
        " identifier='plays_copy'), ['game_pk', 'at_bat_index']) }}",
    )
    scan = compiled.result.results[0].node.compiled_code
    assert conn.execute(scan).fetchall() == []

    conn.execute(
        "insert into public.plays_copy select * from public.plays_copy where at_bat_index in (3, 4)"
    )
    conn.execute("update public.plays_copy set at_bat_index = null where at_bat_index = 5")
    failures = sorted(conn.execute(scan).fetchall(), key=str)
    game_pk = failures[0][0]
    assert failures == [(game_pk, 3, 2), (game_pk, 4, 2), (game_pk, None, 1)]
