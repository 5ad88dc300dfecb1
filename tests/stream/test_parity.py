"""The stream in-process on the session's SparkSession, real feeds, real Postgres and Delta:
parity with `dbt build`, late and repeated captures, replay, Delta time travel."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kappa import loader
from kappa.settings import Settings
from spark_streaming import parity, stream
from spark_streaming.plan import compile_models
from spark_streaming.stream import StreamSettings

from support.data import SAMPLE_FEEDS
from support.wait import wait_until

NEWER = [
    "824445_live_20260429_191518.json.gz",
    "824608_live_20260429_191510.json.gz",
    "744914_final_20240701_214404.json.gz",
    "747175_final_20240713_041909.json.gz",
]
OLDER_AND_MORE = [  # in-progress captures older than the ones above, and two more games
    "824445_live_20260429_191400.json.gz",
    "824608_live_20260429_191323.json.gz",
    "822750_final_20260419_200309.json.gz",
    "824452_final_20260419_201611.json.gz",
]


def load(conn, names: list[str]) -> None:
    loader.load_paths(conn, [SAMPLE_FEEDS / name for name in names], None)


def serving_tables() -> list[str]:
    return compile_models(Settings.from_env()).tables


def assert_parity(spark, lake: Path | None = None) -> None:
    lakes = {"delta": lake} if lake is not None else {}
    results = parity.check(serving_tables(), Settings.from_env(), delta_lakes=lakes, spark=spark)
    assert [result.line() for result in results if not result.ok] == []


def captures_per_sink(reports: dict) -> dict[str, int]:
    return {sink: sum(report.captures for report in batches) for sink, batches in reports.items()}


def snapshot(conn) -> dict[str, list[tuple]]:
    return {
        table: sorted(map(repr, conn.execute(f"select * from game.{table}").fetchall()))
        for table in serving_tables()
    }


def test_both_sinks_equal_dbt_build_with_late_captures_and_history(spark, lake, conn, tmp_path):
    settings = StreamSettings(
        sinks=("postgres", "delta"),
        checkpoint=tmp_path / "checkpoint",
        settings=Settings.from_env(),  # the test's lake (KAPPA_LAKE)
        available_now=True,
    )
    load(conn, NEWER)
    first = stream.run(settings, spark)
    assert captures_per_sink(first) == {"postgres": 4, "delta": 4}
    metadata = str(lake / "game" / "live_game_metadata")
    version = spark.sql(f"describe history delta.`{metadata}`").agg({"version": "max"}).first()[0]

    load(conn, OLDER_AND_MORE)  # late, older captures of the live games change nothing
    second = stream.run(settings, spark)
    assert captures_per_sink(second) == {"postgres": 4, "delta": 4}
    assert_parity(spark, lake)

    # Delta keeps history: the version after the first run holds its 4 games
    before = spark.read.format("delta").option("versionAsOf", version).load(metadata)
    assert before.count() == 4
    assert spark.read.format("delta").load(metadata).count() == 6


def test_captures_in_one_batch_in_any_order_and_replay(spark, lake, conn, tmp_path):
    settings = StreamSettings(
        sinks=("postgres",),
        checkpoint=tmp_path / "checkpoint",
        settings=Settings.from_env(),
        available_now=True,
        max_captures_per_batch=3,
    )
    load(conn, OLDER_AND_MORE[:2] + NEWER[:2])  # older and newer of a game, same/next batch
    load(conn, NEWER[2:] + OLDER_AND_MORE[2:])
    reports = stream.run(settings, spark)["postgres"]
    assert [report.captures for report in reports] == [3, 3, 2]
    before = snapshot(conn)
    assert_parity(spark)

    replay = dataclasses.replace(settings, reset=True, max_captures_per_batch=100)
    assert [report.captures for report in stream.run(replay, spark)["postgres"]] == [8]
    assert snapshot(conn) == before


def test_dbt_build_while_the_stream_writes_leaves_no_older_capture(
    spark, lake, conn, tmp_path, dbt
):
    import threading

    settings = StreamSettings(
        sinks=("postgres",),
        checkpoint=tmp_path / "checkpoint",
        settings=Settings.from_env(),
        trigger_seconds=0.2,
        max_captures_per_batch=1,
    )
    stop = threading.Event()
    load(conn, OLDER_AND_MORE)
    # dbt compile/bootstrap now: dbt is not thread-safe in-process
    pipeline = stream.prepare(settings)
    reports = {}  # stays empty if the stream fails

    def run_stream() -> None:
        reports.update(stream.run(settings, spark, stop, pipeline))

    runner = threading.Thread(target=run_stream)
    runner.start()

    def streamed() -> int:
        return sum(report.captures for report in pipeline.processor.reports)

    try:
        wait_until(lambda: streamed() > 0, timeout=300)  # planned and writing, one capture a batch
        dbt("run", "--target", "postgres")  # while the stream writes the same tables
        load(conn, NEWER)
        dbt("run", "--target", "postgres")
        wait_until(lambda: streamed() == len(OLDER_AND_MORE) + len(NEWER), timeout=300)
        wait_until(
            lambda: conn.execute(
                "select count(*) = 0 from game.live_game_v1 as raw where not exists (select 1"
                " from game.live_game_metadata as m where m.game_pk = raw.game_pk"
                " and m.captured_at >= raw.captured_at)"
            ).fetchone()[0],
            timeout=300,
        )
    finally:
        stop.set()
        runner.join(timeout=120)
    assert reports.get("postgres"), "the stream failed or wrote no batch"
    assert_parity(spark)
