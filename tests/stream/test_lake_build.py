"""`kappa build --target spark`: dbt on Spark (method session) builds the Delta lake from the
Postgres raw log, models and tests; every table equals what `dbt build` gives on Postgres, and
a second build over more captures merges into the lake incrementally."""

from __future__ import annotations

from kappa import loader
from kappa.settings import Settings
from spark_streaming import lake_build, parity
from spark_streaming.plan import compile_models

from support.data import SAMPLE_FEEDS

FIRST = ["824445_live_20260429_191400.json.gz", "744914_final_20240701_214404.json.gz"]


def test_dbt_on_spark_equals_dbt_on_postgres(spark, lake, conn):
    settings = Settings.from_env()  # the test's lake (KAPPA_LAKE)
    loader.load_paths(conn, [SAMPLE_FEEDS / name for name in FIRST])
    lake_build.build(spark, settings, "run")
    loader.load_paths(conn, [SAMPLE_FEEDS])  # newer captures of the game, more games
    result = lake_build.build(spark, settings, "build")  # incremental, with the data tests
    assert result.success
    results = parity.check(
        compile_models(settings).tables,
        settings,
        postgres_sink=False,
        delta_lakes={"dbt --target spark": lake},
        spark=spark,
    )
    assert [line.line() for line in results if not line.ok] == []
