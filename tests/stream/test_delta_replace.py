"""The Delta writes of every table but the watermark are per-game replacements
(kappa.guarded_replace_sql), from the stream's Delta sink and from `dbt build --target spark`
alike; they keep the merge's write semantics: a game's newer capture with fewer rows removes
the rows it no longer produces, a late, older capture changes nothing, a replay nothing; and
other games are untouched. Both lakes equal `dbt build` on Postgres after every step that gives
them something to apply."""

from __future__ import annotations

import os

import pytest

from kappa import loader
from kappa.errors import SinkError
from kappa.settings import Settings
from spark_streaming import lake_build, parity, stream
from spark_streaming.plan import GAME_PKS_PLACEHOLDER, SinkMerge, compile_models, game_pk_list
from spark_streaming.stream import StreamSettings

from support.data import SAMPLE_FEEDS, SHARED_FEEDS, requires_shared
from support.feeds import all_plays, later, read_feed, write_feed

GAME = 824445
NEWER = SHARED_FEEDS / "824445_live_20260429_191518.json"
OTHER = SAMPLE_FEEDS / "744914_final_20240701_214404.json.gz"  # a game no step touches again


def replacement(sql: str) -> SinkMerge:
    return SinkMerge("t", "s", sql, None, "/lake/game/t", ("game_pk",), ("game_pk",), "games")


def test_the_game_list_is_filled_in_from_ints_only():
    sink = replacement("replace where game_pk in (games) select ... where game_pk in (games)")
    sql = sink.statement([747175, 744914, 747175])
    assert (
        sql
        == "replace where game_pk in (744914, 747175) select ... where game_pk in (744914, 747175)"
    )
    for bad in (["747175"], [747175, "1) or (1 = 1"], [True], [7.0]):
        with pytest.raises(SinkError, match="game ids must be ints"):
            sink.statement(bad)
    with pytest.raises(SinkError, match="at least one game"):
        sink.statement([])
    assert game_pk_list([3, 1, 2]) == "1, 2, 3"


def test_the_stream_renders_the_placeholder_in_every_replacement_and_no_merge(tmp_path):
    from spark_streaming.plan import render_merges

    settings = Settings.from_env({**os.environ, "KAPPA_LAKE": str(tmp_path)})
    models = render_merges("delta", settings)["models"]
    merges = {name for name, entry in models.items() if entry["game_pks"] is None}
    assert merges == {"live_game_metadata"}
    for name, entry in models.items():
        if name in merges:
            assert (
                entry["merge"].startswith("merge into")
                and GAME_PKS_PLACEHOLDER not in entry["merge"]
            )
        else:
            assert entry["game_pks"] == GAME_PKS_PLACEHOLDER
            assert entry["merge"].startswith(f"insert into {entry['target']} by name")
            assert f"replace where game_pk in ({GAME_PKS_PLACEHOLDER})" in entry["merge"]
    postgres = render_merges("postgres", settings)["models"]
    assert all(entry["merge"].startswith("merge into") for entry in postgres.values())


def delta_count(spark, lake, table: str, game_pk: int) -> int:
    frame = spark.read.format("delta").load(str(lake / "game" / table))
    return frame.where(f"game_pk = {game_pk}").count()


def last_operation(spark, lake, table: str) -> tuple[str, str]:
    row = spark.sql(f"describe history delta.`{lake / 'game' / table}` limit 1").first()
    return row.operation, row.operationParameters.get("predicate", "")


@requires_shared
def test_replacements_retract_keep_the_guard_and_equal_dbt_build(spark, lake, conn, tmp_path):
    settings = Settings.from_env()  # the stream's lake (KAPPA_LAKE)
    dbt_lake = tmp_path / "dbt-lake"
    dbt_settings = Settings.from_env({**os.environ, "KAPPA_LAKE": str(dbt_lake)})
    streaming = StreamSettings(
        sinks=("delta",),
        checkpoint=tmp_path / "checkpoint",
        settings=settings,
        available_now=True,
    )
    tables = compile_models(settings).tables
    lakes = {"stream": lake, "dbt --target spark": dbt_lake}

    def apply(*paths, dbt_applies: bool = True) -> None:
        """Load `paths`, run the stream and (when it has something to apply) dbt --target
        spark, then compare the lakes written with dbt build on Postgres."""
        loader.load_paths(conn, list(paths), None)
        stream.run(streaming, spark)
        written = lakes if dbt_applies else {"stream": lake}
        if dbt_applies:
            lake_build.build(spark, dbt_settings, "run")
        results = parity.check(
            tables, settings, postgres_sink=False, delta_lakes=written, spark=spark
        )
        assert [result.line() for result in results if not result.ok] == []

    newer = read_feed(NEWER)
    apply(NEWER, OTHER)
    full = {side: delta_count(spark, root, "live_game_plays", GAME) for side, root in lakes.items()}
    assert set(full.values()) == {len(all_plays(newer))}

    # a later capture in which the last two plate appearances were overturned: their rows go
    corrected = later(newer, 30)
    corrected["liveData"]["plays"]["allPlays"] = all_plays(newer)[:-2]
    apply(write_feed(corrected, tmp_path / "corrected.json"))
    for root in lakes.values():
        assert delta_count(spark, root, "live_game_plays", GAME) == len(all_plays(newer)) - 2
        operation, predicate = last_operation(spark, root, "live_game_plays")
        assert (operation, predicate) == ("WRITE", f"(game_pk = {GAME}L)")  # replace where
        assert last_operation(spark, root, "live_game_metadata")[0] == "MERGE"

    # the original capture arriving again late (new content hash, older than the correction)
    # restores nothing; the stream's replacement runs (the game is in its group) all the same.
    # dbt has nothing to apply (its newest capture of the game is applied already): not rerun
    late = later(newer, 1)
    late["copyright"] = "re-sent"
    apply(write_feed(late, tmp_path / "late.json"), dbt_applies=False)
    assert delta_count(spark, lake, "live_game_plays", GAME) == len(all_plays(newer)) - 2
