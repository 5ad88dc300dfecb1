"""A scoped build while the stream writes the same tables (Postgres sink): a newer capture of a
scoped game arrives during the build. Whatever the interleaving, no row of an older capture is
left, the newer capture wins, the scoped games' corrupted rows are repaired, and every table
equals what `dbt build` gives from the raw log."""

from __future__ import annotations

import threading

from kappa import loader
from kappa.settings import Settings
from spark_streaming import parity, stream
from spark_streaming.plan import compile_models
from spark_streaming.stream import StreamSettings

from support.corruption import corrupt
from support.data import SAMPLE_FEEDS
from support.wait import wait_until

FIRST = [
    "824445_live_20260429_191400.json.gz",  # in progress; its newer capture comes later
    "744914_final_20240701_214404.json.gz",
    "824608_live_20260429_191323.json.gz",  # not in the scope
]
NEWER = "824445_live_20260429_191518.json.gz"
SCOPE = (824445, 744914)
ALL_APPLIED = (
    "select count(*) = 0 from game.live_game_v1 as raw where not exists (select 1"
    " from game.live_game_metadata as m where m.game_pk = raw.game_pk"
    " and m.captured_at >= raw.captured_at)"
)


def test_scoped_build_while_the_stream_writes_a_newer_capture(spark, lake, conn, tmp_path, dbt):
    settings = StreamSettings(
        sinks=("postgres",),
        checkpoint=tmp_path / "checkpoint",
        settings=Settings.from_env(),
        trigger_seconds=0.2,
        max_captures_per_batch=1,
    )
    loader.load_paths(conn, [SAMPLE_FEEDS / name for name in FIRST])
    processors = stream.prepare(settings)  # dbt compiles now: dbt is not thread-safe
    stop = threading.Event()
    runner = threading.Thread(target=stream.run, args=(settings, spark, stop, processors))
    runner.start()
    try:
        wait_until(lambda: conn.execute(ALL_APPLIED).fetchone()[0], timeout=300)
        columns = [
            name
            for (name,) in conn.execute(
                "select column_name from information_schema.columns where table_schema ="
                " 'game' and table_name = 'live_game_plays' order by ordinal_position"
            )
        ]
        corrupt(conn.execute, lambda table: f"game.{table}", columns, SCOPE)
        # the newer capture commits while dbt starts: the build applies either capture
        newer = threading.Timer(2.0, loader.load_paths, args=(conn, [SAMPLE_FEEDS / NEWER]))
        newer.start()
        dbt("run", "--vars", f"{{game_pks: [{', '.join(map(str, SCOPE))}]}}")
        newer.join()
        wait_until(lambda: conn.execute(ALL_APPLIED).fetchone()[0], timeout=300)
    finally:
        stop.set()
        runner.join(timeout=120)
    stored = conn.execute(
        "select distinct captured_at, source_timecode from game.live_game_plays"
        " where game_pk = 824445"
    ).fetchall()
    assert [timecode for _, timecode in stored] == ["20260429_191518"]
    tables = compile_models(Settings.from_env()).tables
    results = parity.check(tables, Settings.from_env(), spark=spark)
    assert [result.line() for result in results if not result.ok] == []
