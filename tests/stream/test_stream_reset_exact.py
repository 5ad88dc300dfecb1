"""`kappa stream --reset` is an exact replay: after a model change, the rows that no model
produces any more are gone from both sinks, and both equal what `dbt build` gives."""

from __future__ import annotations

import dataclasses

from kappa import loader
from kappa.settings import Settings
from spark_streaming import parity, stream
from spark_streaming.plan import compile_models
from spark_streaming.stream import StreamSettings

from support.corruption import corrupt
from support.data import SAMPLE_FEEDS

FINALS = ["744914_final_20240701_214404.json.gz", "822750_final_20260419_200309.json.gz"]
GAMES = (744914, 822750)
PHANTOM = "select count(*) from {plays} where at_bat_index = 999"


def test_reset_replays_into_both_sinks_without_rows_no_model_produces(spark, lake, conn, tmp_path):
    settings = StreamSettings(
        sinks=("postgres", "delta"),
        checkpoint=tmp_path / "checkpoint",
        settings=Settings.from_env(),  # the test's lake (KAPPA_LAKE)
        available_now=True,
    )
    loader.load_paths(conn, [SAMPLE_FEEDS / name for name in FINALS])
    stream.run(settings, spark)

    # what an earlier version of the models left: rows of the games' newest capture that the
    # models do not produce (a phantom at-bat), and values they compute differently now
    plays_delta = f"delta.`{lake / 'game' / 'live_game_plays'}`"
    columns = spark.read.format("delta").load(str(lake / "game" / "live_game_plays")).columns
    corrupt(conn.execute, lambda table: f"game.{table}", columns, GAMES)
    corrupt(spark.sql, lambda table: f"delta.`{lake / 'game' / table}`", columns, GAMES)
    assert conn.execute(PHANTOM.format(plays="game.live_game_plays")).fetchone()[0] == 2
    assert spark.sql(PHANTOM.format(plays=plays_delta)).first()[0] == 2

    reports = stream.run(dataclasses.replace(settings, reset=True), spark)
    assert {sink: sum(r.captures for r in batches) for sink, batches in reports.items()} == {
        "postgres": 2,
        "delta": 2,
    }
    assert conn.execute(PHANTOM.format(plays="game.live_game_plays")).fetchone()[0] == 0
    assert spark.sql(PHANTOM.format(plays=plays_delta)).first()[0] == 0
    tables = compile_models(Settings.from_env()).tables
    results = parity.check(tables, Settings.from_env(), delta_lakes={"delta": lake}, spark=spark)
    assert [result.line() for result in results if not result.ok] == []
